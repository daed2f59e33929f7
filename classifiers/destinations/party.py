"""First or third party: is the receiver the phone's maker, the app's own company, or someone else?

The device vendor comes from what the phone says about itself (User-Agent, model and manufacturer
values); the app from `X-Requested-With` (Android WebViews put the package name there) or a package
name leading the User-Agent (`com.zhiliaoapp.musically/2023...`).  Both are mapped to companies
through the entity map; a receiver owned by the same group (OnePlus -> OPPO) counts as first party.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from phonehome.classifiers.destinations.entities import Entity, EntityMap

_PACKAGE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\Z", re.I)
_UA_PACKAGE = re.compile(r"^\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)/", re.I)
# Model numbers that name their maker without a brand word.  Each is the maker's own scheme.
_MODELS = (
    (re.compile(r"\bSM-[A-Z]\d{3}"), "samsung"),  # Samsung Galaxy model codes
    (re.compile(r"\b(?:iPhone|iPad)\b"), "apple"),
    (re.compile(r"\bPixel \d"), "google"),
    (re.compile(r"\bM\d{4}J\d{1,2}[A-Z]{1,3}\b"), "xiaomi"),  # e.g. M2007J20CG
    (re.compile(r"\bRMX\d{4}\b"), "realme"),
    (re.compile(r"\bCPH\d{4}\b"), "oppo"),
)


class Party(StrEnum):
    FIRST_VENDOR = "first (device vendor)"
    FIRST_APP = "first (app)"
    THIRD = "third"
    UNKNOWN = "unknown"


def app_from_headers(headers: Iterable[tuple[str, str]]) -> str | None:
    """The Android package that made the request, when the request names it."""
    ua = None
    for name, value in headers:
        lname = name.lower()
        if lname == "x-requested-with":
            value = value.strip()
            if _PACKAGE.match(value) and value.lower() != "xmlhttprequest":
                return value
        elif lname == "user-agent":
            ua = value
    if ua and (m := _UA_PACKAGE.match(ua)):
        return m.group(1)
    return None


def user_agent(headers: Iterable[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "user-agent"), "")


def vendor_in(text: str, emap: EntityMap) -> Entity | None:
    """The phone maker a User-Agent or model string names, if any."""
    if not text:
        return None
    entity = emap.brand_in(text)
    if entity:
        return entity
    for pattern, ident in _MODELS:
        if pattern.search(text) and ident in emap.entities:
            return emap.entities[ident]
    return None


@dataclass(frozen=True, slots=True)
class Context:
    """What is known about the sender of a flow."""

    vendor: Entity | None = None
    app: str | None = None


def party_of(receiver: Entity | None, ctx: Context, emap: EntityMap) -> Party:
    if receiver is None:
        return Party.UNKNOWN
    root = emap.root(receiver).id
    if ctx.vendor is not None and emap.root(ctx.vendor).id == root:
        return Party.FIRST_VENDOR
    if ctx.app:
        owner = emap.app_owner(ctx.app)
        if owner is not None and emap.root(owner).id == root:
            return Party.FIRST_APP
    return Party.THIRD
