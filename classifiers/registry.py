"""The explicit list of detectors, and `analyze`: one Exchange in, its Analysis out.

Decoding happens once per exchange.  Each detector declares what can make it fire: the
normalised keys it understands (a value under `imei`, `imei_md5`, ...) and/or a cheap gate on
the value itself (`@` for an email, 15 digits for an IMEI).  Each field then reaches only the
detectors that could fire on it, which is what keeps classification fast; a test checks that this
dispatch finds exactly what running every detector on every field finds.

A detector that raises is skipped for that flow and noted on it, and `analyze` itself never
raises: whatever a flow holds, it comes back analysed as far as possible, with a note saying what
failed, so it is still stored and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from phonehome.classifiers.decode.limits import Decoded, Limits
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.destinations.apps import app_of
from phonehome.classifiers.destinations.entities import entity_map
from phonehome.classifiers.destinations.place import Destinations, default_destinations
from phonehome.classifiers.detect import (
    apps,
    browsing,
    contact,
    credentials,
    device,
    identifiers,
    location,
    person,
    tracking,
)
from phonehome.classifiers.detect.adapters import ADAPTERS, Adapter
from phonehome.classifiers.detect.adapters.base import generalise
from phonehome.classifiers.detect.keys import is_digest, norm, strip_digest
from phonehome.classifiers.detect.known import KnownValues, detect_known
from phonehome.classifiers.detect.normalise import e164, normalise, refine
from phonehome.classifiers.model import (
    Analysis,
    Destination,
    Exchange,
    Field,
    Finding,
    Hash,
    Kind,
    Source,
    Where,
    split_url,
)

log = logging.getLogger(__name__)

Detector = Callable[[Field], list[Finding]]
Gate = Callable[[str], bool]


@dataclass(frozen=True, eq=False)  # compared by identity: cheap in the per-field loop
class Spec:
    name: str  # persisted on findings: add, never rename
    detect: Detector
    keys: frozenset[str] = frozenset()  # normalised keys (digest variants like `imei_md5` follow)
    gate: Gate | None = None  # a value test that lets the detector see fields under any key
    # Whether the detector reads `field.siblings`.  Others depend only on the key, value and part
    # of the request, so their verdict on a repeated (key, value) is reused within one exchange.
    siblings: bool = False
    suffixes: tuple[str, ...] = ()  # key endings that also reach it (`huq_aid`, `mibrowser_did`)
    prefixes: tuple[str, ...] = ()  # key starts that also reach it (`AMCV_<org>` cookies)
    # Whether its verdict depends on where the field sits (its parent object, a list of Wi-Fi
    # networks): then a reused verdict must come from the same place in the structure.
    placed: bool = False


def _url(value: str) -> bool:
    return "://" in value[:10]


def _fifteen_digits(value: str) -> bool:
    v = value.strip()
    return len(v) == 15 and v.isdigit()


def _iccid_shape(value: str) -> bool:
    v = value.strip()
    return 18 <= len(v) <= 20 and v.startswith("89")


def _mac_shape(value: str) -> bool:
    v = value.strip()
    return len(v) == 17 and v[2] in ":-"


def _listish(value: str) -> bool:
    return "," in value and "." in value


_UA = frozenset({"useragent"})

DETECTORS: tuple[Spec, ...] = (
    Spec("imei", identifiers.detect_imei, identifiers.IMEI_KEYS, _fifteen_digits),
    Spec("meid", identifiers.detect_meid, identifiers.MEID_KEYS),
    Spec("imsi", identifiers.detect_imsi, identifiers.IMSI_KEYS),
    Spec("iccid", identifiers.detect_iccid, identifiers.ICCID_KEYS, _iccid_shape),
    Spec("serial_number", identifiers.detect_serial_number, identifiers.SERIAL_KEYS),
    Spec("android_id", identifiers.detect_android_id, identifiers.ANDROID_ID_KEYS),
    Spec(
        "advertising_id", identifiers.detect_advertising_id,
        identifiers.AD_ID_KEYS | identifiers.OAID_KEYS | {"id", "identifier"},
        suffixes=(*identifiers.AD_ID_SUFFIXES, "aid"), placed=True,
    ),
    Spec("mac_address", identifiers.detect_mac_address, identifiers.MAC_KEYS, _mac_shape, placed=True),
    Spec(
        "device_id", identifiers.detect_device_id,
        identifiers.DEVICE_ID_KEYS | identifiers.DEVICE_PATH_KEYS | {"id"}, suffixes=identifiers.DEVICE_ID_SUFFIXES,
        placed=True,
    ),
    Spec("email", contact.detect_email, gate=lambda v: "@" in v),
    Spec(
        "phone_number", contact.detect_phone_number, contact.PHONE_KEYS | contact.CONTACT_HASH_KEYS,
        contact.looks_international, siblings=True,
    ),
    Spec(
        "coordinates", location.detect_coordinates, location.LAT_KEYS | location.PAIR_KEYS,
        location.looks_like_pair, suffixes=("lat", "latitude"), siblings=True,
    ),
    Spec(
        "wifi_network", location.detect_wifi_network,
        location.BSSID_KEYS | location.SSID_KEYS | location.WIFI_SCAN_KEYS | location.NETWORK_NAME_KEYS
        | {"mac", "macaddress", "mac1"},
        suffixes=("bssid", "ssid"), placed=True,
    ),
    Spec(
        "cell_tower", location.detect_cell_tower,
        location.CID_KEYS | location.MCC_KEYS | location.CELL_STRING_KEYS | location.OPERATOR_CODE_KEYS,
        siblings=True,
    ),
    Spec("visited_url", browsing.detect_visited_url, gate=_url),
    Spec("search_query", browsing.detect_search_query, browsing.SEARCH_KEYS, _url),
    Spec("installed_apps", apps.detect_installed_apps, gate=_listish),
    Spec(
        "app_activity", apps.detect_app_activity, apps.SCREEN_KEYS | apps.APP_KEYS | {"name"},
        apps.looks_like_component, siblings=True,
    ),
    Spec("device_model", device.detect_device_model, device.MODEL_KEYS | _UA),
    Spec(
        "os_version", device.detect_os_version, device.OS_KEYS | device.OS_CHILD_KEYS | _UA,
        suffixes=("osver", "osversion", "osvers"), placed=True,
    ),
    Spec("carrier", device.detect_carrier, device.CARRIER_KEYS),
    Spec("tracking_id", tracking.detect_tracking_id, tracking.KEYS, prefixes=tracking.KEY_PREFIXES),
    Spec("password", credentials.detect_password, credentials.PASSWORD_KEYS, suffixes=credentials.PASSWORD_SUFFIXES),
    Spec(
        "person_name", person.detect_person_name, person.FIRST_KEYS | person.FULL_NAME_KEYS,
        suffixes=(*person.FIRST_SUFFIXES, *person.FULL_NAME_SUFFIXES), siblings=True,
    ),
    Spec(
        "postal_address", person.detect_postal_address, person.STREET_KEYS, suffixes=person.STREET_SUFFIXES,
        siblings=True,
    ),
)  # fmt: skip

_BY_KEY: dict[str, tuple[Spec, ...]] = {}
for _spec in DETECTORS:
    for _key in _spec.keys:
        _BY_KEY[_key] = (*_BY_KEY.get(_key, ()), _spec)
_GATED = tuple(s for s in DETECTORS if s.gate is not None)
_SUFFIXED = tuple(s for s in DETECTORS if s.suffixes)
_PREFIXED = tuple(s for s in DETECTORS if s.prefixes)
_SPEC_WIFI = next(s for s in DETECTORS if s.name == "wifi_network")
_SPEC_COORDINATES = next(s for s in DETECTORS if s.name == "coordinates")


@lru_cache(maxsize=8192)
def _keyed(key: str) -> tuple[Spec, ...]:
    """Detectors that understand this key, directly or as a digest of it (`imei_md5`)."""
    nk = norm(key)
    found = _BY_KEY.get(nk, ())
    base, algo = strip_digest(key)
    if algo is not None:
        found = found + tuple(s for s in _BY_KEY.get(base, ()) if s not in found)
    for spec in _SUFFIXED:
        if spec not in found and (nk.endswith(spec.suffixes) or base.endswith(spec.suffixes)):
            found = (*found, spec)
    for spec in _PREFIXED:
        if spec not in found and nk.startswith(spec.prefixes):
            found = (*found, spec)
    if nk.isdigit():
        # A protobuf field number says nothing: a default network name can still be recognised,
        # and two neighbouring fields can still hold a position.
        found = found + tuple(s for s in (_SPEC_WIFI, _SPEC_COORDINATES) if s not in found)
    return found


_SPEC = {s.name: s for s in DETECTORS}
_SPACE = frozenset(" \t\r\n")


def gate_hits(value: str) -> tuple[Spec, ...]:
    """Every gated detector whose gate passes `value`, in one pass of cheap tests.

    Equivalent to `tuple(s for s in _GATED if s.gate(value))` (a test holds it to that), but the
    per-field loop cannot afford a function call per gate.
    """
    n = len(value)
    if n < 3:
        return ()
    if value[0] in _SPACE or value[-1] in _SPACE:
        v = value.strip()
        n = len(v)
        if n < 3:
            return ()
    else:
        v = value
    hits: list[Spec] = []
    if n == 15 and v.isdigit():
        hits.append(_SPEC["imei"])
    elif 18 <= n <= 20 and v.startswith("89"):
        hits.append(_SPEC["iccid"])
    if n == 17 and v[2] in ":-":
        hits.append(_SPEC["mac_address"])
    if "." in v and location.looks_like_pair(v):
        hits.append(_SPEC["coordinates"])
    if "@" in value:
        hits.append(_SPEC["email"])
    if v[0] in "+0" and contact.looks_international(v):
        hits.append(_SPEC["phone_number"])
    if "://" in value[:10]:
        hits += (_SPEC["visited_url"], _SPEC["search_query"])
    if n > 100 and ":APA91b" in value:
        hits.append(_SPEC["device_id"])  # a push token, whatever its key
    if "." in value:
        if "," in value:
            hits.append(_SPEC["installed_apps"])
        if "/" in value and len(value) < 200:
            hits.append(_SPEC["app_activity"])
    return tuple(hits)


def _merge(keyed: tuple[Spec, ...], gated: tuple[Spec, ...]) -> tuple[Spec, ...]:
    if not gated:
        return keyed
    if not keyed:
        return gated
    return keyed + tuple(s for s in gated if s not in keyed)


def candidates(fld: Field) -> tuple[Spec, ...]:
    """The detectors that could fire on this field: by its key, and by cheap tests of its value."""
    value = fld.value
    return _merge(_keyed(fld.key), gate_hits(value) if len(value) >= 3 else ())


@lru_cache(maxsize=4096)
def adapters_for(host: str, path: str) -> tuple[Adapter, ...]:
    """The adapters of this endpoint (`Adapter.matches`).  Paths are often new each time (IDs in
    them): only the few adapters of the host are tried on one, the host's found once."""
    return tuple(a for a in _host_adapters(host) if a.serves_path(path))


@lru_cache(maxsize=4096)
def _host_adapters(host: str) -> tuple[Adapter, ...]:
    return tuple(a for a in ADAPTERS if a.serves(host))


@lru_cache(maxsize=4096)
def _key_names(host: str, path: str) -> frozenset[str] | None:
    """The key names that can mean anything at this endpoint, when its adapters name fields by key
    alone (analytics endpoints): other fields skip the adapters.  None when some adapter names paths."""
    adapters = adapters_for(host, path)
    if not adapters or any(a.fields for a in adapters):
        return None
    return frozenset(k for a in adapters for k in a.key_rules)


def _adapter_findings(fld: Field, adapters: tuple[Adapter, ...]) -> list[Finding]:
    found: list[Finding] = []
    if fld.encodings and fld.encodings[-1] == "column":
        return found  # a column joined across list items is not a field any endpoint sent
    for adapter in adapters:
        if fld.where not in adapter.where:
            continue
        if adapter.fields:
            rules = adapter.meanings(fld.path, norm(fld.key) if adapter.keys else "")
        else:  # an endpoint known by key names alone: one dictionary lookup per field
            rule = adapter.key_rules.get(norm(fld.key))
            if rule is None:
                continue
            rules = [rule]
        for kind, hashed, when in rules:
            if when is not None and (fld.siblings or {}).get(when.sibling) not in when.values:
                continue
            if hashed:
                value: str | None = fld.value.strip()
                if not is_digest(value, hashed):  # type: ignore[arg-type]
                    continue
            else:
                kind = refine(kind, fld.value.strip())
                value = normalise(kind, fld.value)
            if value:
                evidence = f"{adapter.label}: `{fld.key}`" if adapter.label else ""
                found.append(Finding(kind, value, fld.where, fld.path, fld.encodings, 0.95, Source.ADAPTER,
                                     f"adapter:{adapter.name}", hashed, evidence))  # fmt: skip
    return found


def _request_region(fields: list[Field], exchange: Exchange) -> str | None:
    """The country the request says it comes from: a country or locale field, or Accept-Language."""
    for fld in fields:
        region = contact.region_of(norm(fld.key), fld.value)
        if region:
            return region
    return contact.region_of("acceptlanguage", exchange.header("accept-language") or "")


def _place_phone_numbers(findings: list[Finding], fields: list[Field], exchange: Exchange) -> list[Finding]:
    """National numbers found without a country: give them one from the rest of the request."""
    region = _request_region(fields, exchange)
    if region is None:
        return findings
    placed = []
    for f in findings:
        if f.kind == Kind.PHONE_NUMBER and f.value.isdigit():
            number = e164(f.value, region)
            if number:
                f = Finding(
                    f.kind,
                    number,
                    f.where,
                    f.path,
                    f.encodings,
                    0.85,
                    f.source,
                    f.detector,
                    f.hashed,
                    f.evidence,
                )
        placed.append(f)
    return placed


def _once(found: Iterable[Finding]) -> list[Finding]:
    """One finding per datum and place: the same value sent by every item of a list (`events[0].os`,
    `events[1].os`, ...), and again as the list's joined column (`events[*].os`), is one thing this
    request sent there.  The most certain finding stays; of equals the first, not a joined column."""
    kept: dict[tuple[Kind, str, Hash | None, Where, str], Finding] = {}
    out: list[Finding] = []
    for f in found:
        if "[" not in f.path:
            out.append(f)  # one place only: already merged by `keep`
            continue
        key = (f.kind, f.value.lower(), f.hashed, f.where, generalise(f.path))
        old = kept.get(key)
        if old is None or _rank(f) > _rank(old):
            kept[key] = f
    return [*out, *kept.values()]


def _rank(f: Finding) -> tuple[float, bool]:
    return (f.confidence, not (f.encodings and f.encodings[-1] == "column"))


_AD_TECH = frozenset({"advertising", "analytics"})


def _ad_frame_referer(f: Finding) -> bool:
    """A "page" that is an ad or tag frame (`tpc.googlesyndication.com/safeframe/...`, a Floodlight
    `activityi`), in a Referer or handed to a tracker as `url=`: a host the entity map knows only as
    advertising or analytics serves no page a person visits."""
    return f.kind == Kind.VISITED_URL and _ad_tech_host(split_url(f.value).host)


@lru_cache(maxsize=8192)
def _ad_tech_host(host: str) -> bool:
    match = entity_map().match(host)
    return match is not None and bool(match.categories) and set(map(str, match.categories)) <= _AD_TECH


def in_browser(exchange: Exchange) -> bool:
    """A web browser's own request (not an app's, not an app's WebView, which can pass device IDs in)."""
    ua = exchange.header("user-agent") or ""
    return ua.startswith("Mozilla/") and "; wv)" not in ua and not any(b in ua for b in _VENDOR_BROWSERS)


# Phone makers' and app makers' browsers that put device IDs of their own into requests (Mi Browser's
# `mibrowser_did` is the Android ID), and desktop apps built on a browser (Electron: Slack, ...): their
# requests are judged like an app's.
_VENDOR_BROWSERS = ("MiuiBrowser", "HuaweiBrowser", "HeyTapBrowser", "VivoBrowser", "UCBrowser", "QQBrowser",
                    "baiduboxapp", "Quark", "OppoBrowser", "Dalvik", "Electron/")  # fmt: skip


_BROWSER_ID = (
    "an ID in a web browser's request: a browser gives sites no device ID, so this is one that a site or "
    "a tracker assigned and keeps"
)


def _as_browser(findings: list[Finding]) -> list[Finding]:
    """What a browser's request can carry: its "device IDs" are IDs a site or tracker assigned
    (tracking IDs), and its page names are a website's, not an app's screens."""
    out = []
    for f in findings:
        if f.kind == Kind.APP_ACTIVITY:
            continue
        if f.kind == Kind.DEVICE_ID:
            f = Finding(Kind.TRACKING_ID, f.value, f.where, f.path, f.encodings, f.confidence, f.source, f.detector,
                        f.hashed, f.evidence or _BROWSER_ID)  # fmt: skip
        out.append(f)
    return out


def _same(a: Finding, b: Finding) -> bool:
    return a.value.lower() == b.value.lower()


def _moved(f: Finding, fld: Field) -> Finding:
    """The same verdict, located at another field."""
    return Finding(
        f.kind,
        f.value,
        fld.where,
        fld.path,
        fld.encodings,
        f.confidence,
        f.source,
        f.detector,
        f.hashed,
        f.evidence,
    )


def analyze(
    exchange: Exchange,
    limits: Limits | None = None,
    known: KnownValues | None = None,
    *,
    exhaustive: bool = False,
    destinations: Destinations | None = None,
) -> Analysis:
    """Decode once, run the detectors (and adapters, and known values), merge the findings.

    `exhaustive` runs every detector on every field instead of dispatching: only for tests and
    for checking the dispatch.  `destinations` carries the user's geo databases; the default uses
    $PHONEHOME_GEOIP_DB / $PHONEHOME_ASN_DB and the shipped data.

    Never raises (a test feeds it hostile exchanges): what fails is noted on the analysis.
    """
    try:
        return _analyze(exchange, limits, known, exhaustive, destinations)
    except Exception as exc:  # noqa: BLE001 - a classifier bug must never lose the flow
        log.warning("analysing %r failed: %s", exchange.url[:200], exc)
        notes = [*exchange.notes, f"analysis failed: {type(exc).__name__}: {exc}"[:300]]
        return Analysis(
            exchange=exchange,
            findings=(),
            destination=_destination(exchange, split_url(exchange.url).host, destinations, notes),
            notes=tuple(notes),
        )


def _destination(
    exchange: Exchange, host: str, destinations: Destinations | None, notes: list[str]
) -> Destination:
    """Where the flow went; a lookup that fails leaves only the host and address, with a note."""
    try:
        return (destinations or default_destinations()).of(host, exchange.server_ip)
    except Exception as exc:  # noqa: BLE001 - the flow is stored without its place
        notes.append(f"destination lookup failed: {type(exc).__name__}: {exc}"[:300])
        return Destination(host=host, domain=host, ip=exchange.server_ip)


def _analyze(
    exchange: Exchange,
    limits: Limits | None,
    known: KnownValues | None,
    exhaustive: bool,
    destinations: Destinations | None,
) -> Analysis:
    try:
        decoded = decode(exchange, limits)
    except Exception as exc:  # noqa: BLE001 - a decoder bug must not lose the flow: store it undecoded
        log.warning("decoding %r failed: %s", exchange.url[:200], exc)
        decoded = Decoded(notes=[f"decoder failed: {type(exc).__name__}: {exc}"[:300]])
    notes = [*exchange.notes, *decoded.notes]
    failed: set[str] = set()
    best: dict[tuple[Kind, str, Where, str], Finding] = {}

    def keep(found: Sequence[Finding]) -> None:
        for f in found:
            # A percent-encoded value and its decoded form are one finding; the decoded one
            # comes later and wins ties, so `value` is what the user would recognise.
            key = (f.kind, unquote(f.value) if "%" in f.value else f.value, f.where, f.path)
            if key not in best or f.confidence >= best[key].confidence:
                best[key] = f

    split = split_url(exchange.url)
    adapters = adapters_for(split.host, split.path)
    only_keys = _key_names(split.host, split.path)
    seen: dict[tuple[str, str, str, Where, str], list[Finding]] = {}
    # Keys and values repeat within an exchange (model, OS, IDs in every event): look each up once.
    gates: dict[str, tuple[Spec, ...]] = {}
    keyed: dict[str, tuple[Spec, ...]] = {}
    for fld in decoded.fields:
        named: Sequence[Finding] = (
            _adapter_findings(fld, adapters)
            if adapters and (only_keys is None or norm(fld.key) in only_keys)
            else ()
        )
        if exhaustive:
            specs: tuple[Spec, ...] = DETECTORS
        else:
            value = fld.value
            gated = gates.get(value)
            if gated is None:
                gated = gates[value] = gate_hits(value) if len(value) >= 3 else ()
            by_key = keyed.get(fld.key)
            if by_key is None:
                by_key = keyed[fld.key] = _keyed(fld.key)
            specs = (_merge(by_key, gated) if by_key else gated) if gated else by_key
        if not specs:
            if named:
                keep(named)
            if known and (found := detect_known(fld, known)):
                keep(found)
            continue
        for spec in specs:
            if failed and spec.name in failed:
                continue
            if spec.siblings:
                memo = None
            else:
                memo = (spec.name, fld.key, fld.value, fld.where, generalise(fld.path) if spec.placed else "")
                earlier = seen.get(memo)
                if earlier is not None:
                    if earlier:
                        moved = [_moved(f, fld) for f in earlier]
                        if named:
                            moved = [
                                f for f in moved if not any(n.kind != f.kind and _same(n, f) for n in named)
                            ]
                        if moved:
                            keep(moved)
                    continue
            try:
                found = spec.detect(fld)
            except Exception as exc:  # noqa: BLE001 - one bad detector must not lose the flow
                failed.add(spec.name)
                notes.append(f"detector {spec.name} failed: {type(exc).__name__}: {exc}"[:300])
                log.warning("detector %s failed on %r: %s", spec.name, exchange.url[:200], exc)
                continue
            if memo is not None:
                seen[memo] = found
            if found and named:
                # The endpoint's adapter says what this field is: a guess of another kind for the
                # same value gives way.
                found = [f for f in found if not any(n.kind != f.kind and _same(n, f) for n in named)]
            if found:
                keep(found)
        if named:
            keep(named)  # after the detectors, so the endpoint's own meaning wins a tie
        if known and (found := detect_known(fld, known)):
            keep(found)
    destination = _destination(exchange, split.host, destinations, notes)
    browser = in_browser(exchange)  # one look at the User-Agent serves both whole-request rules
    if destination.categories and exchange.header("cookie"):
        # Only what nothing else named: a cookie holding an Android ID stays the Android ID.
        taken = {f.value.lower() for f in best.values()}
        cookies = tracking.tracker_cookie_ids(decoded.fields, destination, browser)
        keep([f for f in cookies if f.value.lower() not in taken])
    findings = [f for f in _once(best.values()) if not _ad_frame_referer(f)]
    if any(f.kind == Kind.PHONE_NUMBER and f.value.isdigit() for f in findings):
        findings = _place_phone_numbers(findings, decoded.fields, exchange)
    if browser:
        findings = _as_browser(findings)
    sender = app_of(exchange.request_headers, decoded.fields, exchange.url)
    return Analysis(
        exchange=exchange,
        findings=tuple(findings),
        destination=destination,
        fields=len(decoded.fields),
        notes=tuple(notes),
        app=sender.app if sender else None,
        app_evidence=sender.evidence if sender else None,
    )
