"""Who runs a host: the company, its legal name, headquarters (jurisdiction) and categories.

The map is phonehome's own, curated from public facts and published under CC0
(`classifiers/data/entities.toml`).  Matching takes the longest listed suffix of the host on label
boundaries, so `data.mistat.intl.xiaomi.com` (a Xiaomi telemetry service) is more specific than
`xiaomi.com`, and `notxiaomi.com` matches nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

ENTITIES = Path(__file__).parents[1] / "data" / "entities.toml"
# Hosts whose matches are kept, the ones used last (a long capture meets new hosts all the while).
CACHED = 16384


class EntityCategory(StrEnum):
    ADVERTISING = "advertising"
    ANALYTICS = "analytics"
    TELEMETRY = "telemetry"
    CRASH_REPORTING = "crash_reporting"
    PUSH = "push"
    SOCIAL = "social"
    CDN = "cdn"
    CLOUD = "cloud"
    OS_VENDOR = "os_vendor"
    APP_BACKEND = "app_backend"
    PAYMENTS = "payments"
    MAPS = "maps"


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    legal_name: str
    country: str  # headquarters: the jurisdiction of the controller
    categories: tuple[EntityCategory, ...]
    parent: str | None = None
    brands: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    source: str = ""
    # Where a person sends a request about their data (a data-subject access request): each field only
    # where the company's own privacy page says so, and `privacy_source` names that page.
    privacy_email: str = ""
    privacy_url: str = ""  # a web form or the privacy policy page, https
    privacy_address: str = ""  # postal: the controller's, or its EU representative's
    privacy_source: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    entity: Entity
    service: str | None  # the named service whose domain matched, if any
    categories: tuple[EntityCategory, ...]  # the service's when it has its own, else the entity's
    suffix: str  # the listed domain that matched


PRIVACY_FIELDS = ("privacy_email", "privacy_url", "privacy_address", "privacy_source")
_ID = re.compile(r"[a-z0-9_]+\Z")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?=[a-z0-9-]*[a-z])[a-z0-9-]+\Z")
_TOKEN = re.compile(r"[a-z0-9]+")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}\Z"
)
_HTTPS = re.compile(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:[/?#][^\s<>\"]*)?\Z")
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f-\x9f]+\Z")


class EntityMap:
    def __init__(self, entities: list[dict[str, Any]]) -> None:
        self.entities: dict[str, Entity] = {}
        self.domains: dict[str, Match] = {}
        self._brands: dict[str, Entity] = {}
        self._apps: list[tuple[str, Entity]] = []
        for raw in entities:
            entity = _entity(raw)
            if entity.id in self.entities:
                raise ValueError(f"entity {entity.id!r} is listed twice")
            self.entities[entity.id] = entity
            self._add_domains(raw.get("domains", []), Match(entity, None, entity.categories, ""))
            for svc in raw.get("service", []):
                name = str(svc["name"])
                cats = tuple(EntityCategory(c) for c in svc.get("categories", [])) or entity.categories
                self._add_domains(svc["domains"], Match(entity, name, cats, ""))
            for brand in entity.brands:
                self._brands.setdefault(brand, entity)
            self._apps.extend((prefix, entity) for prefix in entity.apps)
        for entity in self.entities.values():
            if entity.parent and entity.parent not in self.entities:
                raise ValueError(f"entity {entity.id!r}: parent {entity.parent!r} is not in the map")
        # Longest package prefix first.
        self._apps.sort(key=lambda item: -len(item[0]))
        self._cached = lru_cache(maxsize=CACHED)(self._match)
        self._owners: dict[str, Entity | None] = {}

    def _add_domains(self, domains: list[str], template: Match) -> None:
        for domain in domains:
            d = str(domain).lower()
            if not _DOMAIN.match(d):
                raise ValueError(f"entity {template.entity.id!r}: {domain!r} is not a host name")
            if d in self.domains:
                raise ValueError(
                    f"domain {d!r} is listed twice ({self.domains[d].entity.id}, {template.entity.id})"
                )
            self.domains[d] = Match(template.entity, template.service, template.categories, d)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (for a worker process) without its cache, which is a function of this map."""
        state = dict(self.__dict__)
        del state["_cached"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cached = lru_cache(maxsize=CACHED)(self._match)

    def match(self, host: str) -> Match | None:
        """The most specific listed suffix of `host`, or None."""
        return self._cached(host.lower().rstrip("."))

    def _match(self, host: str) -> Match | None:
        labels = host.split(".")
        for i in range(len(labels) - 1):
            found = self.domains.get(".".join(labels[i:]))
            if found:
                return found
        return None

    def root(self, entity: Entity) -> Entity:
        """The top of the ownership chain (OnePlus -> OPPO); the entity itself when it has no parent."""
        seen = {entity.id}
        while entity.parent and entity.parent not in seen:
            seen.add(entity.parent)
            entity = self.entities[entity.parent]
        return entity

    def app_owner(self, package: str) -> Entity | None:
        """The company whose package-name prefix `package` carries (`com.miui.browser` -> Xiaomi)."""
        package = package.lower()
        if package in self._owners:
            return self._owners[package]
        found = None
        for prefix, entity in self._apps:
            if package == prefix.rstrip(".") or (prefix.endswith(".") and package.startswith(prefix)):
                found = entity
                break
        if len(self._owners) < 65536:
            self._owners[package] = found
        return found

    def brand_in(self, text: str) -> Entity | None:
        """The device maker whose brand word appears in `text` (a User-Agent, a model, a manufacturer)."""
        for token in _TOKEN.findall(text.lower()):
            entity = self._brands.get(token)
            if entity:
                return entity
        return None

    def find(self, name: str) -> Entity | None:
        """An entity by id, display name or legal name, case-insensitively (in that order)."""
        key = name.strip().lower()
        if key in self.entities:
            return self.entities[key]
        return next((e for e in self.entities.values() if e.name.lower() == key), None) or next(
            (e for e in self.entities.values() if e.legal_name.lower() == key), None
        )

    def subsidiaries(self, entity: Entity) -> list[Entity]:
        """Every entity whose chain of `parent`s leads to `entity`, nearest first, by id within a level."""
        out: list[Entity] = []
        level = [entity.id]
        seen = {entity.id}
        while level:
            below = sorted(
                (e for e in self.entities.values() if e.parent in level and e.id not in seen),
                key=lambda e: e.id,
            )
            seen |= {e.id for e in below}
            out += below
            level = [e.id for e in below]
        return out


def _entity(raw: dict[str, Any]) -> Entity:
    ident = str(raw.get("id", ""))
    if not _ID.match(ident):
        raise ValueError(f"entity id {ident!r} is not lower-case [a-z0-9_]")
    country = str(raw.get("country", ""))
    if len(country) != 2 or not country.isupper():
        raise ValueError(f"entity {ident!r}: country {country!r} is not an ISO 3166 alpha-2 code")
    return Entity(
        **_privacy(ident, raw),
        id=ident,
        name=str(raw["name"]),
        legal_name=str(raw.get("legal_name") or raw["name"]),
        country=country,
        categories=tuple(EntityCategory(c) for c in raw.get("categories", [])),
        parent=raw.get("parent") or None,
        brands=tuple(str(b).lower() for b in raw.get("brands", [])),
        apps=tuple(str(a).lower() for a in raw.get("apps", [])),
        source=str(raw.get("source", "")),
    )


def _privacy(ident: str, raw: dict[str, Any]) -> dict[str, str]:
    """The privacy-contact fields, checked: an email's shape, https addresses, a printable postal address,
    and the page that says so whenever any of them is given."""
    out = {key: str(raw.get(key) or "").strip() for key in PRIVACY_FIELDS}
    if out["privacy_email"] and not _EMAIL.match(out["privacy_email"]):
        raise ValueError(f"entity {ident!r}: privacy_email {out['privacy_email']!r} is not an email address")
    for key in ("privacy_url", "privacy_source"):
        if out[key] and not _HTTPS.match(out[key]):
            raise ValueError(f"entity {ident!r}: {key} {out[key]!r} is not an https:// address")
    address = out["privacy_address"]
    if address and not _PRINTABLE.match(address.replace("\n", " ")):
        raise ValueError(f"entity {ident!r}: privacy_address holds control characters")
    if (out["privacy_email"] or out["privacy_url"] or address) and not out["privacy_source"]:
        raise ValueError(
            f"entity {ident!r}: privacy contact given without privacy_source (the page that says so)"
        )
    return out


def load(path: Path = ENTITIES) -> EntityMap:
    return EntityMap(_parsed(path).get("entity", []))


CACHE_ENV = "PHONEHOME_CACHE_DIR"


def _parsed(path: Path) -> dict[str, Any]:
    """The TOML file as data, through a JSON copy in the user's cache keyed by the file's SHA-256.

    Reading 200 KB of TOML takes about 0.1 s, the same as JSON about 3 ms: every command that names
    companies starts faster (docs/performance.md#start-up).  The copy is plain data, checked by
    `EntityMap` like the TOML itself; a copy that cannot be read or written is simply not used."""
    raw = path.read_bytes()
    cached = _cache_dir() / f"entities-{hashlib.sha256(raw).hexdigest()[:32]}.json"
    try:
        data = json.loads(cached.read_bytes())
        if isinstance(data, dict):
            return data
    except (OSError, ValueError):
        pass
    data = tomllib.loads(raw.decode("utf-8"))
    with contextlib.suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(cached)  # whole or not at all, even with two commands starting at once
    return data


def _cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "phonehome"


@lru_cache(maxsize=1)
def entity_map() -> EntityMap:
    """The shipped map, loaded once."""
    return load()
