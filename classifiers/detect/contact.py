"""Contact data: email addresses and phone numbers."""

from __future__ import annotations

import re

import phonenumbers
from phonehome.classifiers.destinations.domains import has_public_suffix
from phonehome.classifiers.detect.keys import digest_by_length, is_digest, match_key, norm
from phonehome.classifiers.model import Field, Finding, Kind, Source, finding

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}")
# Addresses that identify a service, not a person.
_SERVICE_LOCAL_PARTS = frozenset(
    {"noreply", "no-reply", "donotreply", "support", "info", "admin", "postmaster"}
)
_NOT_EMAIL_DOMAINS = ("example.invalid", "sentry.io", "users.noreply.github.com")

PHONE_KEYS = frozenset(
    {
        "phone", "phonenumber", "mobile", "mobileno", "mobilenumber", "msisdn", "tel", "telephone",
        "cellphone", "phoneno", "contactnumber", "linenumber", "line1number", "mdn", "phonenum", "shouji",
    }
)  # fmt: skip
EMAIL_KEYS = frozenset({"email", "mail", "emailaddress", "useremail", "account", "login", "username"})


def detect_email(field: Field) -> list[Finding]:
    value = field.value
    if "@" not in value:
        return []
    out = []
    keyed, _ = match_key(field.key, EMAIL_KEYS)
    for match in _EMAIL_RE.finditer(value):
        email = match.group(0).lower()
        local, _, domain = email.partition("@")
        # `name@2x.png` and package@version strings are not addresses.
        if domain.endswith(
            (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".bmp", ".js", ".css")
        ) or domain.endswith(_NOT_EMAIL_DOMAINS):
            continue
        if local in _SERVICE_LOCAL_PARTS:
            continue
        if not has_public_suffix(domain):
            continue  # `0.clicks@0.scroll` in a cookie of counters: no real domain, no address
        exact = match.group(0) == value.strip()
        confidence = 0.97 if (keyed or exact) else 0.9
        out.append(finding(field, Kind.EMAIL, email, confidence, Source.PATTERN, "email"))
    return out


_OTHER_NUMBER = re.compile(r"id$|order|txn|transaction|invoice|serial|sku|code$|num$|no$|seq")
_INTERNATIONAL = re.compile(r"^(?:\+|00)[1-9][\d\s().-]{6,18}$")


def looks_international(value: str) -> bool:
    v = value.strip()
    return len(v) >= 9 and v[0] in "+0" and _INTERNATIONAL.match(v) is not None


# Contact discovery ("find friends") uploads phone numbers as digests, normalised per country
# first: a list of digests under such a key, beside a country code, is a list of phone numbers.
CONTACT_HASH_KEYS = frozenset(
    {"hashes", "contacthashes", "phonehashes", "hashedphones", "hashednumbers", "hashedcontacts", "self"}
)


def _contact_digest(field: Field, value: str) -> list[Finding]:
    siblings = field.siblings or {}
    if not any(norm(k) in _COUNTRY_KEYS for k in siblings):
        return []
    algo = digest_by_length(value)
    if algo is None:
        return []
    return [finding(field, Kind.PHONE_NUMBER, value, 0.75, Source.KEY, "phone_number", algo)]


def detect_phone_number(field: Field) -> list[Finding]:
    """Under a phone-ish key; or, under any key, a number in international form that is valid."""
    raw = field.value.strip()
    if norm(field.key) in CONTACT_HASH_KEYS:
        return _contact_digest(field, raw)
    keyed, algo = match_key(field.key, PHONE_KEYS)
    if keyed and algo is not None:
        return (
            [finding(field, Kind.PHONE_NUMBER, raw, 0.85, Source.KEY, "phone_number", algo)]
            if is_digest(raw, algo)
            else []
        )
    digits = re.sub(r"[\s().-]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not keyed:
        # Digit strings are too common to trust by shape alone: only "+49 151 ..." or "0086-159...",
        # and not under a key that names some other number (`order_id`, `txn_no`).
        if not looks_international(raw) or _OTHER_NUMBER.search(norm(field.key)):
            return []
        number = _parse(digits, None)
        if number is None or not phonenumbers.is_valid_number(number):
            return []
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return [finding(field, Kind.PHONE_NUMBER, e164, 0.85, Source.PATTERN, "phone_number")]
    if not re.fullmatch(r"\+?\d{6,15}", digits) or len(set(digits.lstrip("+"))) == 1:
        return []
    number = _parse(digits, None if digits.startswith("+") else _region_hint(field))
    if number is not None and phonenumbers.is_valid_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return [finding(field, Kind.PHONE_NUMBER, e164, 0.95, Source.KEY, "phone_number")]
    # Without a country the number stays digits; analyze() may still place it from the request.
    return [finding(field, Kind.PHONE_NUMBER, digits.lstrip("+"), 0.6, Source.KEY, "phone_number")]


def _parse(digits: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None


def _region_hint(field: Field) -> str | None:
    """A sibling country or locale (`country: "DE"`, `locale: "en_US"`) lets a national number become E.164."""
    if not field.siblings:
        return None
    for key, value in field.siblings.items():
        region = region_of(norm(key), value)
        if region:
            return region
    return None


_COUNTRY_KEYS = frozenset(
    {"country", "countrycode", "region", "cc", "simcountry", "simcountryiso", "countryiso"}
)
_LOCALE_KEYS = frozenset({"locale", "lang", "language", "acceptlanguage", "userlocale", "devicelocale"})
_LOCALE = re.compile(r"^[a-z]{2,3}[-_]([A-Za-z]{2})\b")


def region_of(key: str, value: str) -> str | None:
    """The ISO country a country or locale field names, if any."""
    v = value.strip()
    if key in _COUNTRY_KEYS and len(v) == 2 and v.isalpha():
        return v.upper()
    if key in _LOCALE_KEYS:
        match = _LOCALE.match(v)
        if match:
            return match.group(1).upper()
    return None
