"""What an endpoint adapter is: data that names the fields of one SDK's or vendor's endpoint.

Where keys are absent or opaque (protobuf field numbers, positional arrays, terse keys), an
adapter says what each field is.  Adding an endpoint is adding an `Adapter` value; the matching,
normalisation and findings are shared.

Field patterns are decoded paths with wildcards: `extinfo[5]`, `data_list[*].properties.$url`,
`events[*].*.screen`, protobuf field numbers `1.19`.  `[*]` matches any list index, `*` one key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from phonehome.classifiers.model import Hash, Kind, Where


@dataclass(frozen=True)
class When:
    """A meaning that holds only when a sibling field has one of some values.

    For key-value lists without keys of their own, like Firebase's event parameters in protobuf:
    the value (field 2) is a screen name when the name beside it (field 1) is `_sn` or `_sc`.
    """

    kind: Kind
    sibling: str
    values: frozenset[str]


Meaning = Kind | tuple[Kind, Hash] | When
Rule = tuple[Kind, Hash | None, When | None]


def _unpack(meaning: Meaning) -> Rule:
    if isinstance(meaning, When):
        return meaning.kind, None, meaning
    if isinstance(meaning, tuple):
        return meaning[0], meaning[1], None
    return meaning, None, None


@dataclass(frozen=True)
class Adapter:
    name: str
    # Host names; each also matches its subdomains.  Empty: every host, for endpoints known by their
    # path alone (Adobe Analytics' `/b/ss/` runs on each customer's own domain); `path` is then required.
    hosts: tuple[str, ...]
    fields: Mapping[str, Meaning] = field(default_factory=dict)
    path: str = ""  # a regular expression searched in the URL path; empty matches every path
    where: frozenset[Where] = field(default=frozenset(Where))
    # Key names (normalised: `keys.norm`) that hold this meaning wherever they sit in a request to this
    # endpoint: how a terse key (`cid`, `muid`, `vid`) gets its documented meaning only where it has it.
    keys: Mapping[str, Meaning] = field(default_factory=dict)
    # Who documents the meaning, as evidence on every finding (`Google Analytics`).
    label: str = ""

    def __post_init__(self) -> None:
        if not self.hosts and not self.path:
            raise ValueError(f"adapter {self.name}: an adapter for every host needs a path")

    def matches(self, host: str, url_path: str) -> bool:
        return self.serves(host) and self.serves_path(url_path)

    def serves(self, host: str) -> bool:
        """Whether `host` is one of this endpoint's hosts (or a subdomain), or any host will do."""
        return not self.hosts or any(host == h or host.endswith("." + h) for h in self.hosts)

    def serves_path(self, url_path: str) -> bool:
        return not self.path or re.search(self.path, url_path) is not None

    @cached_property
    def rules(self) -> tuple[tuple[re.Pattern[str], Rule], ...]:
        return tuple((compile_path(pattern), _unpack(meaning)) for pattern, meaning in self.fields.items())

    @cached_property
    def _tables(
        self,
    ) -> tuple[dict[str, list[Rule]], dict[str, list[Rule]]]:
        """Patterns that need no regex: literal paths, and paths whose only wildcard is `[*]`."""
        literal: dict[str, list[Rule]] = {}
        general: dict[str, list[Rule]] = {}
        for pattern, meaning in self.fields.items():
            rule = _unpack(meaning)
            if "*" not in pattern:
                literal.setdefault(pattern, []).append(rule)
            elif "*" not in pattern.replace("[*]", "") and not _INDEX.search(pattern):
                general.setdefault(pattern, []).append(rule)
        return literal, general

    @cached_property
    def _wild(self) -> tuple[tuple[re.Pattern[str], Rule], ...]:
        literal, general = self._tables
        return tuple(
            rule
            for rule, pattern in zip(self.rules, self.fields, strict=True)
            if pattern not in literal and pattern not in general
        )

    @cached_property
    def key_rules(self) -> dict[str, Rule]:
        """`keys` unpacked: normalised key name -> what it holds here."""
        return {k: _unpack(meaning) for k, meaning in self.keys.items()}

    def meanings(self, path: str, key: str = "") -> list[Rule]:
        """What this adapter says the field at `path` (with normalised `key`) is (usually nothing)."""
        literal, general = self._tables
        found = list(literal.get(path, ()))
        if key and self.keys and (rule := self.key_rules.get(key)) is not None:
            found.append(rule)
        if general:
            found.extend(general.get(generalise(path), ()))
        for regex, rule in self._wild:
            if regex.match(path):
                found.append(rule)
        return found


_INDEX = re.compile(r"\[\d+\]")


@lru_cache(maxsize=16384)
def generalise(path: str) -> str:
    """`data_list[3].properties.url` -> `data_list[*].properties.url`."""
    return _INDEX.sub("[*]", path) if "[" in path else path


def compile_path(pattern: str) -> re.Pattern[str]:
    regex = re.escape(pattern).replace(r"\[\*\]", r"\[\d+\]").replace(r"\*", r"[^.\[]+")
    return re.compile(regex + r"\Z")
