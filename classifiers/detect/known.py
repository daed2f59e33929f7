"""Known values: find the values the user declared (`--known FILE`), however they are sent.

The user knows their own IMEI, email and home, so finding those exact values, their usual variants
(case, separators, country codes) and their md5/sha1/sha256 digests (hex, base64, base64url) is the
most precise detection there is.  Everything is worked out once, into one dict from lower-cased
variant string to what it is, so a field costs a handful of dict lookups: the whole value, then the
tokens it splits into under each variant alphabet.  There is no substring search: a declared value
glued to other letters or digits (`imei861234567890127`) is not a token and is not reported.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import phonenumbers
from phonehome.classifiers.detect.identifiers import normalise_mac
from phonehome.classifiers.detect.keys import is_placeholder, norm
from phonehome.classifiers.detect.location import is_lat_key, is_lon_key
from phonehome.classifiers.detect.normalise import canonical_uuid
from phonehome.classifiers.model import Field, Finding, Hash, Kind, Source, finding

DETECTOR = "known"
MIN_LENGTH = 6  # shorter declared values would match too much by chance
RADIUS_KM = 1.0
EARTH_RADIUS_KM = 6371.0088

# The TOML keys: the DESIGN.md file format, plus the other identifier kinds a user may know.
SUPPORTED: Mapping[str, Kind] = MappingProxyType(
    {
        kind.value: kind
        for kind in (
            Kind.IMEI, Kind.MEID, Kind.IMSI, Kind.ICCID, Kind.SERIAL_NUMBER, Kind.ANDROID_ID,
            Kind.ADVERTISING_ID, Kind.MAC_ADDRESS, Kind.DEVICE_ID, Kind.EMAIL, Kind.PHONE_NUMBER,
            Kind.COORDINATES,
        )
    }
)  # fmt: skip


class KnownValuesError(ValueError):
    """A known-values file or mapping that cannot be used; the message is one line for the CLI."""


class Match(NamedTuple):
    kind: Kind
    value: str  # the normalised declared value
    hashed: Hash | None


@dataclass(frozen=True, slots=True)
class TokenPass:
    """One way of cutting a value into tokens: the runs of one variant alphabet.

    A pass is a `bytes.translate` table that turns every byte outside the alphabet into a space
    (then `split()`), which costs far less than a regex scan.  `trigger`: the pass cuts a value
    differently from ALNUM only if the value holds one of these bytes, else it is skipped (empty:
    always run).  `seps` are alphabet bytes that also separate things (`:` in `mac:a4:50:...`):
    a run that is not itself a variant is also tried between them, at the variant lengths only.
    `delete` bytes are dropped before cutting (the spaces and dashes inside phone numbers);
    `require` keeps only the tokens holding it (the `@` of an email address).
    """

    name: str
    table: bytes
    trigger: frozenset[int] = frozenset()
    seps: bytes = b""
    delete: bytes = b""
    require: bytes = b""

    def fits(self, variant: bytes) -> bool:
        """Is `variant` one whole token of this pass?"""
        return (
            bool(variant)
            and self.require in variant
            and variant.translate(self.table, self.delete) == variant
        )

    def tokens(self, data: bytes) -> list[bytes]:
        tokens = data.translate(self.table, self.delete).split()
        if self.require:
            # An address ends a sentence or a URL host ends in a dot: neither belongs to it.
            return [t.strip(b".-") for t in tokens if self.require in t]
        return tokens


def _pass(name: str, alphabet: bytes, trigger: bytes = b"", **kw: bytes) -> TokenPass:
    keep = frozenset(alphabet)
    table = bytes(b if b in keep else 0x20 for b in range(256))
    return TokenPass(name, table, frozenset(trigger), **kw)


_AZ09 = b"abcdefghijklmnopqrstuvwxyz0123456789"
# Where URLs, forms, cookies, headers, JSON text and prose separate things.
_HARD = frozenset(b" \t\r\n\"'<>()[]{}|\\,;&?#=/") | frozenset(range(32)) | {127}

# All passes run on the lower-cased value, UTF-8 encoded.
ALNUM = _pass("alnum", _AZ09)  # digits, hex, digests, bare MACs and UUIDs
BASE64 = _pass("base64", _AZ09 + b"+/", b"+/", seps=b"+/")  # `=` cuts: unpadded forms are indexed
URLSAFE = _pass("urlsafe", _AZ09 + b"_-", b"_-", seps=b"_-")  # base64url, UUIDs, a4-50-.., serials
COLON = _pass("colon", _AZ09 + b":", b":", seps=b":")  # a4:50:46:12:34:56
EMAIL = _pass("email", _AZ09 + b"@._%+-", b"@", require=b"@")
# Phone numbers are compacted: `+86 (138) 1234-5678` is one token, `+8613812345678`.
PHONE = _pass("phone", b"0123456789+", b"+ ().-", delete=b" ().-")
# As-sent values (serial numbers, device IDs) with other punctuation: runs between hard separators.
WORD = _pass("word", bytes(b for b in range(256) if b not in _HARD))
_PASSES = (ALNUM, BASE64, URLSAFE, COLON, EMAIL, WORD)
# WORD's alphabet contains these: a variant that is one of their tokens needs no WORD pass.
_WITHIN_WORD = (URLSAFE, COLON, EMAIL)


@dataclass(frozen=True, eq=False)
class KnownValues:
    """The user's declared values and every variant of them, ready for `detect_known`.

    Build it with `from_toml` or `from_mapping`; an empty one is falsy.  The fields below the
    first are lookup tables derived from it.
    """

    values: Mapping[Kind, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    index: Mapping[bytes, tuple[Match, ...]] = field(default_factory=lambda: MappingProxyType({}))
    coordinates: tuple[tuple[str, float, float], ...] = ()
    passes: tuple[tuple[TokenPass, frozenset[int]], ...] = ()
    min_length: int = MIN_LENGTH  # bytes in the shortest variant: shorter values are not looked at
    # A private plain-dict copy of `index`: half the cost of a lookup through the read-only view.
    _lookup: dict[bytes, tuple[Match, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", dict(self.index))

    def __bool__(self) -> bool:
        return bool(self.values)  # only kinds with values are kept

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to a worker process as the declared values; the tables are built again there."""
        return (_build, ({kind: list(values) for kind, values in self.values.items()},))

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> KnownValues:
        name = os.fspath(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise KnownValuesError(f"cannot read known values file {name}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise KnownValuesError(f"{name}: not valid TOML: the file is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise KnownValuesError(f"{name}: not valid TOML: {_one_line(str(exc))}") from None
        try:
            return cls.from_mapping(data)
        except KnownValuesError as exc:
            raise KnownValuesError(f"{name}: {exc}") from None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Sequence[str]]) -> KnownValues:
        if not isinstance(data, Mapping):
            raise KnownValuesError("known values must be a table of lists of strings")
        declared: dict[Kind, list[str]] = {}
        for key, items in data.items():
            kind = SUPPORTED.get(key)
            if kind is None:
                raise KnownValuesError(
                    f"unknown key {_show(str(key))} (supported: {', '.join(sorted(SUPPORTED))})"
                )
            if isinstance(items, str | bytes) or not isinstance(items, Sequence):
                raise KnownValuesError(f'{key} must be a list of strings, like {key} = ["..."]')
            for n, item in enumerate(items, 1):
                if not isinstance(item, str):
                    raise KnownValuesError(
                        f"{key}: item {n} is {_type_name(item)}, not a string (put it in quotes)"
                    )
                try:
                    value = _normalise(kind, item.strip())
                except ValueError as exc:
                    raise KnownValuesError(f"{key}: {_show(item)} {exc}") from None
                if value not in declared.setdefault(kind, []):
                    declared[kind].append(value)
        return _build(declared)


def detect_known(field: Field, known: KnownValues) -> list[Finding]:
    """Every declared value found in `field`, as itself, a variant or a digest, at most once each."""
    if not known:
        return []
    out: list[Finding] = []
    seen: set[Match] = set()
    for match in _matches(field.value.strip().lower(), known):
        if match not in seen:
            seen.add(match)
            out.append(finding(field, match.kind, match.value, 1.0, Source.KNOWN, DETECTOR, match.hashed))
    if known.coordinates:
        out.extend(_coordinate_findings(field, known))
    return out


# -- matching -----------------------------------------------------------------------------------


def _matches(text: str, known: KnownValues) -> Iterator[Match]:
    data = text.encode("utf-8", "surrogatepass")  # a decoder may leave lone surrogates
    if len(data) < known.min_length:
        return
    lookup = known._lookup
    get = lookup.get
    whole = get(data)
    if whole:
        yield from whole
    if data.isalnum():
        return  # a bare run of ASCII letters and digits is its own only token
    punctuation = set(data.translate(None, _AZ09))
    for token_pass, lengths in known.passes:
        if token_pass.trigger and token_pass.trigger.isdisjoint(punctuation):
            continue
        tokens = token_pass.tokens(data)
        for hit in filter(None, map(get, tokens)):
            yield from hit
        # Windows only for long tokens: `max(map(len, ...))` finds out without a Python loop.
        if lengths and tokens and max(map(len, tokens)) > (shortest := min(lengths)):
            for token in tokens:
                if len(token) > shortest and token not in lookup:
                    for hit in filter(None, map(get, _windows(token, token_pass.seps, lengths))):
                        yield from hit


def _windows(token: bytes, seps: bytes, lengths: frozenset[int]) -> Iterator[bytes]:
    """The parts of `token` that start and end at a separator and have a variant's length."""
    cuts = [i for i, byte in enumerate(token) if byte in seps]
    if not cuts:
        return
    ends = set(cuts)
    ends.add(len(token))
    for start in (0, *(c + 1 for c in cuts)):
        for length in lengths:
            if start + length in ends:
                yield token[start : start + length]


# -- coordinates --------------------------------------------------------------------------------

_DEGREES = re.compile(r"^-?\d{1,3}(?:\.\d+)?$")
_PAIR = re.compile(r"^\(?\s*(-?\d{1,3}\.\d+)\s*[,;| ]\s*(-?\d{1,3}\.\d+)\s*\)?$")
_DECLARED_PAIR = re.compile(r"^(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)$")


def _in_range(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _coordinate_findings(field: Field, known: KnownValues) -> list[Finding]:
    text = field.value.strip()
    points: list[tuple[float, float]] = []
    if is_lat_key(norm(field.key)) and field.siblings and _DEGREES.match(text):
        for key, sibling in field.siblings.items():
            lon = sibling.strip()
            if is_lon_key(norm(key)) and _DEGREES.match(lon):
                points.append((float(text), float(lon)))
    elif field.key.isdigit() and field.siblings and len(field.key) < 6 and _DEGREES.match(text):
        # Neighbouring protobuf fields (`1: lat, 2: lon`).
        after = field.siblings.get(str(int(field.key) + 1), "").strip()
        if _DEGREES.match(after):
            points.append((float(text), float(after)))
    elif len(text) <= 72:
        pair = _PAIR.match(text.removesuffix(".json").removesuffix(".geojson"))
        if pair:
            a, b = float(pair.group(1)), float(pair.group(2))
            points += [(a, b), (b, a)]  # Amap, GeoJSON and others send lon,lat
    points = [p for p in points if _in_range(*p)]
    return [
        finding(field, Kind.COORDINATES, value, 0.95, Source.KNOWN, DETECTOR)
        for value, lat, lon in known.coordinates
        if any(haversine_km(lat, lon, plat, plon) <= RADIUS_KM for plat, plon in points)
    ]


# -- loading: normalise each declared value, then index its variants ----------------------------


def _normalise(kind: Kind, v: str) -> str:
    """The DESIGN.md normal form of a declared value; ValueError says what is wrong with it."""
    if any(ord(ch) < 32 for ch in v):
        raise ValueError("contains a line break or control character")
    if is_placeholder(v):
        raise ValueError("is a placeholder, not a real value")
    if kind == Kind.IMEI:
        value = re.sub(r"[\s-]", "", v)
        if not re.fullmatch(r"[0-9]{15}", value):
            raise ValueError("is not an IMEI (15 digits)")
    elif kind == Kind.IMSI:
        value = re.sub(r"[\s-]", "", v)
        if not re.fullmatch(r"[0-9]{10,15}", value):
            raise ValueError("is not an IMSI (10 to 15 digits)")
    elif kind == Kind.ICCID:
        value = re.sub(r"[\s-]", "", v)
        if not re.fullmatch(r"[0-9]{18,22}", value):
            raise ValueError("is not an ICCID (18 to 22 digits)")
    elif kind == Kind.MEID:
        if not re.fullmatch(r"[0-9A-Fa-f]{14}", v):
            raise ValueError("is not a MEID (14 hex digits)")
        value = v.upper()
    elif kind == Kind.ANDROID_ID:
        if not re.fullmatch(r"[0-9A-Fa-f]{1,16}", v):
            raise ValueError("is not an Android ID (up to 16 hex digits)")
        value = v.lower()
    elif kind == Kind.ADVERTISING_ID:
        uuid = canonical_uuid(v)
        if uuid is None and not re.fullmatch(r"[0-9A-Za-z_-]{16,128}", v):
            raise ValueError("is not an advertising ID (a UUID, or an OAID of 16+ letters and digits)")
        value = uuid or v  # OAIDs are vendor-formatted: kept as sent
    elif kind == Kind.MAC_ADDRESS:
        mac = normalise_mac(v)
        if mac is None:
            if re.fullmatch(r"[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}", v):
                raise ValueError("is a placeholder MAC address, not a real one")
            raise ValueError("is not a MAC address (like a4:50:46:12:34:56)")
        value = mac
    elif kind == Kind.EMAIL:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", v):
            raise ValueError("is not an email address")
        value = v.lower()
    elif kind == Kind.PHONE_NUMBER:
        value = _e164(v)
    elif kind == Kind.COORDINATES:
        pair = _DECLARED_PAIR.match(v)
        if not pair or not _in_range(float(pair.group(1)), float(pair.group(2))):
            raise ValueError('is not "lat,lon" in decimal degrees (like 22.5431,114.0579)')
        if abs(float(pair.group(1))) < 0.01 and abs(float(pair.group(2))) < 0.01:
            raise ValueError("is 0,0: a missing fix, not a place")
        value = f"{pair.group(1)},{pair.group(2)}"
    else:  # serial numbers and device IDs: as sent
        value = v
    if len(value) < MIN_LENGTH:
        raise ValueError(f"is too short to match reliably (at least {MIN_LENGTH} characters)")
    return value


def _e164(v: str) -> str:
    if not v.startswith("+"):
        raise ValueError("is not in E.164 form: start with + and the country code, like +8613812345678")
    try:
        number = phonenumbers.parse(v, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"is not a phone number ({_one_line(str(exc))})") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("is not a possible phone number for its country code")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _variants(kind: Kind, value: str) -> tuple[list[str], list[str]]:
    """(forms the value may be sent in, strings an SDK may have hashed instead)."""
    if kind in (Kind.IMEI, Kind.IMSI, Kind.ICCID, Kind.EMAIL):
        return [value], [value]
    if kind in (Kind.MEID, Kind.ANDROID_ID):
        return [value], [value.lower(), value.upper()]
    if kind == Kind.ADVERTISING_ID:
        if canonical_uuid(value) == value:
            bare = value.replace("-", "")
            return [value, bare], [value, value.upper(), bare, bare.upper()]
        return [value], [value, value.lower(), value.upper()]
    if kind == Kind.MAC_ADDRESS:
        bare = value.replace(":", "")
        dashed = value.replace(":", "-")
        dotted = f"{bare[:4]}.{bare[4:8]}.{bare[8:]}"  # Cisco style
        forms = [value, dashed, bare]
        return [*forms, dotted], [f(s) for s in forms for f in (str.lower, str.upper)]
    if kind == Kind.PHONE_NUMBER:
        number = phonenumbers.parse(value, None)
        digits = value[1:]
        national = re.sub(
            r"\D", "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        )
        significant = phonenumbers.national_significant_number(number)
        return [value, digits, "00" + digits, national, significant], [value, digits, national, significant]
    # serial numbers and device IDs: as sent, matched case-insensitively
    return [value], [value, value.lower(), value.upper()]


def _digests(data: str) -> Iterator[tuple[str, Hash]]:
    raw = data.encode("utf-8", "surrogatepass")
    for algo in Hash:
        digest = hashlib.new(algo.value, raw).digest()
        std = base64.b64encode(digest).decode()
        url = base64.urlsafe_b64encode(digest).decode()
        for encoded in (digest.hex(), std, std.rstrip("="), url, url.rstrip("=")):
            yield encoded, algo


def _build(declared: Mapping[Kind, list[str]]) -> KnownValues:
    index: dict[bytes, list[Match]] = {}

    def add(variant: str, match: Match) -> None:
        if len(variant) >= MIN_LENGTH:
            found = index.setdefault(variant.lower().encode("utf-8", "surrogatepass"), [])
            if match not in found:
                found.append(match)

    coordinates: list[tuple[str, float, float]] = []
    for kind, values in declared.items():
        for value in values:
            if kind == Kind.COORDINATES:
                lat, lon = value.split(",")
                coordinates.append((value, float(lat), float(lon)))
                continue
            forms, hash_inputs = _variants(kind, value)
            for form in forms:
                add(form, Match(kind, value, None))
            for data in dict.fromkeys(hash_inputs):
                for encoded, algo in _digests(data):
                    add(encoded, Match(kind, value, algo))
    return KnownValues(
        values=MappingProxyType({kind: tuple(values) for kind, values in declared.items() if values}),
        index=MappingProxyType({variant: tuple(found) for variant, found in index.items()}),
        coordinates=tuple(coordinates),
        passes=_plan(index, phones=bool(declared.get(Kind.PHONE_NUMBER))),
        min_length=min((len(v) for v in index), default=MIN_LENGTH),
    )


def _plan(variants: Iterable[bytes], *, phones: bool) -> tuple[tuple[TokenPass, frozenset[int]], ...]:
    """The token passes these variants need, each with the lengths to try at its separators.

    A variant made only of letters and digits is an ALNUM token wherever it stands apart, so only
    the other variants call for the other passes; phone numbers also need theirs compacted.
    """
    needed: set[str] = set()
    lengths: dict[str, set[int]] = {p.name: set() for p in _PASSES}
    for variant in variants:
        if variant.isalnum():
            needed.add(ALNUM.name)
            continue
        fits = [p for p in _PASSES if p.fits(variant)]
        if WORD in fits and any(p in fits for p in _WITHIN_WORD):
            fits.remove(WORD)
        for p in fits:
            needed.add(p.name)
            if p.seps and any(byte in p.seps for byte in variant[1:-1]):
                lengths[p.name].add(len(variant))
    plan = [(p, frozenset(lengths[p.name])) for p in _PASSES if p.name in needed]
    if phones:
        plan.append((PHONE, frozenset()))
    return tuple(plan)


# -- messages -----------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _show(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:60] + "...")


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
