"""Masking personal values for anything meant to be shared: reports and HAR exports.

Reports and `export --format har` redact by default; `--reveal` shows full values.  The database
keeps everything, and the analysis exports (`findings`, `flows`, `destinations`) keep their
contract of full values unless `--redact` is asked for.

The rules: identifiers and contact details keep a few leading and trailing characters
(`86********0123`) so a user can recognise their own; coordinates are rounded to two decimals
(about 1 km); visited pages keep scheme and host only; search terms and Wi-Fi names keep their
first letter.  Free text that was captured (URLs, header values) has every finding's value
masked in place, and every query-string value that looks like an identifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, unquote, urlunsplit

from phonehome.classifiers.model import split_url

MASK = "*"
_COORD = re.compile(r"\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*\Z")
_IDLIKE = re.compile(r"[0-9a-fA-F-]{8,}|\d{5,}|[A-Za-z0-9+/=_-]{16,}")
# Kinds that describe the device, not the person: shown as they are.
PLAIN_KINDS = frozenset({"device_model", "os_version", "carrier", "app_activity", "installed_apps"})


# A password-like key and its value in a query, a form, JSON or free text (`password=…`,
# `"passwd": "…"`, `session%5Bpassword%5D=…`), and HTTP Basic credentials.
_PASSWORD_KEY = r"(?:[\w%\[\]-]*?(?:password|passwd|passphrase|passcode|pwd)|pass)(?:%5D|\])?"
_PASSWORD_QUOTED = re.compile(rf"""(["']{_PASSWORD_KEY}["']\s*:\s*")((?:[^"\\]|\\.)*)(")""", re.IGNORECASE)
_PASSWORD_PAIR = re.compile(rf"(?<![\w%\[\]-])({_PASSWORD_KEY}\s*(?:=|%3D)\s*)([^&;\s]*)", re.IGNORECASE)
_BASIC = re.compile(r"(\bBasic\s+)[A-Za-z0-9+/=_-]{4,}", re.IGNORECASE)
HIDDEN = "********"
_PREFIX = 6  # known forms at least this long are looked up by their first characters


def hide_passwords(text: str) -> str:
    """Every password in `text` replaced, whatever else is revealed: phonehome never shows one."""
    if not text or ("ass" not in text.lower() and "pwd" not in text.lower() and "basic" not in text.lower()):
        return text
    text = _PASSWORD_QUOTED.sub(lambda m: m.group(1) + HIDDEN + m.group(3), text)
    text = _PASSWORD_PAIR.sub(lambda m: m.group(1) + (HIDDEN if m.group(2) else ""), text)
    return _BASIC.sub(lambda m: m.group(1) + "[redacted]", text)


def mask(text: str, keep_start: int = 2, keep_end: int = 4) -> str:
    """`861234567890127` -> `86*********0127`; short values keep less, never more than half."""
    n = len(text)
    if n <= 4:
        return MASK * n
    visible = min(keep_start + keep_end, n // 2)
    start = min(keep_start, visible)
    end = min(keep_end, visible - start)
    return text[:start] + MASK * (n - start - end) + (text[n - end :] if end else "")


def round_coordinates(value: str) -> str:
    m = _COORD.match(value)
    if not m:
        return mask(value)
    return f"{float(m.group(1)):.2f},{float(m.group(2)):.2f}"


def _unquote_fully(text: str, rounds: int = 3) -> str:
    """Percent-decoding repeated until nothing changes (values nested in URLs in URLs)."""
    for _ in range(rounds):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def redact_value(kind: str, value: str) -> str:
    """A finding's value as a shareable report shows it."""
    if kind in PLAIN_KINDS:
        return value
    if kind == "coordinates":
        return round_coordinates(value)
    if kind == "email":
        local, sep, domain = value.partition("@")
        return (mask(local, 1, 0) + sep + mask(domain, 0, 4)) if sep else mask(value)
    if kind == "visited_url":
        target = split_url(value)
        if target.scheme and target.netloc:
            return f"{target.scheme}://{target.host}/…"
        return mask(value, 3, 0)
    if kind == "search_query":
        return mask(value, 1, 0)
    if kind in ("wifi_network", "cell_tower") and not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", value):
        return mask(value, 1, 0)
    return mask(value)


class Redactor:
    """Masks known values wherever they appear in captured text; `reveal=True` masks nothing."""

    def __init__(self, findings: Iterable[tuple[str, str]] = (), *, reveal: bool = False) -> None:
        self.reveal = reveal
        self._values: dict[str, str] = {}
        self._seen: set[tuple[str, str]] = set()
        # The known forms longest first, each one's place in that order, the short ones, and for the
        # others the lengths they come in by their first characters: built once per change, not per
        # text (a report masks thousands of texts against thousands of forms; each text is looked up
        # by its own substrings).
        self._order: tuple[list[str], dict[str, int], list[str], dict[str, tuple[int, ...]]] | None = None
        self._memo: dict[str, str] = {}
        self._urls: dict[str, str] = {}  # the same, for whole URLs (a flow's URL is shown once per finding)
        for kind, value in findings:
            self.add(kind, value)

    def add(self, kind: str, value: str) -> None:
        if self.reveal or kind in PLAIN_KINDS or len(value) < 3 or (kind, value) in self._seen:
            return
        self._seen.add((kind, value))
        self._order = None
        self._memo.clear()
        self._urls.clear()
        masked = redact_value(kind, value)
        once = quote(value, safe="")
        forms = {value, value.lower(), value.upper(), once, quote(value, safe="/:"), quote(once, safe="")}
        for form in forms:
            if form != masked and len(form) >= 3:
                self._values.setdefault(form, masked)
        if kind == "coordinates" and (m := _COORD.match(value)):
            for part in (m.group(1), m.group(2)):
                if "." in part and len(part.split(".")[1]) > 2:
                    self._values.setdefault(part, f"{float(part):.2f}")
        if kind in ("imei", "phone_number", "imsi", "iccid", "meid", "mac_address"):
            bare = re.sub(r"[^0-9A-Za-z]", "", value)
            if len(bare) >= 6:
                self._values.setdefault(bare, mask(bare))
                if kind == "phone_number" and len(bare) > 8:
                    self._values.setdefault(bare[-9:], mask(bare[-9:]))  # without the country code

    def value(self, kind: str, value: str) -> str:
        return value if self.reveal else redact_value(kind, value)

    def forget(self) -> None:
        """Let go of the texts and URLs remembered: a report that masks one device after another
        meets each device's own (5 MB of them a device of 50,000 findings)."""
        self._memo.clear()
        self._urls.clear()

    def text(self, text: str) -> str:
        """Captured free text with every known value masked (longest first); passwords always."""
        text = hide_passwords(text)
        if self.reveal or not text:
            return text
        if text in self._memo:
            return self._memo[text]
        order, rank, short, index = self._prepared()
        masked, done = text, -1
        # Each round applies the first form, in the longest-first order, that the text (as replaced so
        # far) still holds: the same replacements in the same order as testing every form in turn.
        while (k := min((k for k in self._present(masked, rank, short, index) if k > done), default=-1)) >= 0:
            raw, done = order[k], k
            masked = masked.replace(raw, self._values[raw])
        if len(self._memo) < 100_000:  # paths and URLs repeat: remember them, within bounds
            self._memo[text] = masked
        return masked

    def _prepared(self) -> tuple[list[str], dict[str, int], list[str], dict[str, tuple[int, ...]]]:
        if self._order is None:
            order = sorted(self._values, key=len, reverse=True)
            lengths: dict[str, dict[int, None]] = {}
            for raw in order:
                if len(raw) >= _PREFIX:
                    lengths.setdefault(raw[:_PREFIX], {})[len(raw)] = None
            index = {prefix: tuple(found) for prefix, found in lengths.items()}
            short = [raw for raw in order if len(raw) < _PREFIX]
            self._order = (order, {raw: i for i, raw in enumerate(order)}, short, index)
            self._memo.clear()
            self._urls.clear()
        return self._order

    @staticmethod
    def _present(
        text: str, rank: dict[str, int], short: list[str], index: dict[str, tuple[int, ...]]
    ) -> Iterator[int]:
        """The place in the longest-first order of every known form that `text` holds.

        Where the text holds a long form's first characters, the text's own substrings of each length
        such forms come in are looked up whole: a URL's `https:` begins hundreds of forms (every
        visited page's, in each encoding) but only a few lengths."""
        for raw in short:
            if raw in text:
                yield rank[raw]
        get, known = index.get, rank.get
        for i in range(len(text) - _PREFIX + 1):
            for n in get(text[i : i + _PREFIX], ()):
                if (k := known(text[i : i + n])) is not None:
                    yield k

    def url(self, url: str) -> str:
        """A request URL: known values masked, and every identifier-like query value masked too."""
        if self.reveal:
            return hide_passwords(url)
        if url in self._urls:
            return self._urls[url]
        masked = self._url(url)
        if len(self._urls) < 100_000:
            self._urls[url] = masked
        return masked

    def _url(self, url: str) -> str:
        url = self.text(url)
        parts = split_url(url)  # never raises: a URL Python refuses (`http://a]b/`) is masked too
        if not parts.query:
            return url
        pairs = []
        for item in parts.query.split("&"):
            key, sep, val = item.partition("=")
            plain = _unquote_fully(val)
            masked = self.text(plain)
            if masked != plain:  # a known value, however deeply it was percent-encoded
                val = quote(masked, safe="/:*")
            elif sep and MASK not in plain and _IDLIKE.search(plain):
                val = mask(plain)
            pairs.append(f"{key}{sep}{val}")
        path = "/".join(
            mask(seg) if _IDLIKE.fullmatch(seg) and not seg.isalpha() else seg
            for seg in parts.path.split("/")
        )
        return urlunsplit((parts.scheme, parts.netloc, path, "&".join(pairs), ""))


def without_passwords(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows as captured, except that a password in a request URL is replaced: no output shows one."""
    for row in rows:
        url = row.get("url")
        yield {**row, "url": hide_passwords(url)} if url else row


def redact_findings(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """findings rows with values and URLs masked (`findings --redact`)."""
    rows = list(rows)
    r = Redactor((row["kind"], row["value"]) for row in rows)
    for row in rows:
        yield {
            **row,
            "value": r.value(row["kind"], row["value"]),
            "url": r.url(row["url"]),
            "path": r.text(row["path"]),
        }


def redact_flows(rows: Iterable[dict[str, Any]], store: Any, f: Any) -> Iterator[dict[str, Any]]:
    """flows rows with URLs and notes masked (`flows --redact`); the values come from the findings."""
    from phonehome.db import queries

    r = Redactor((row["kind"], row["value"]) for row in queries.findings(store, f))
    for row in rows:
        yield {**row, "url": r.url(row["url"]), "notes": [r.text(str(n)) for n in row["notes"]]}
