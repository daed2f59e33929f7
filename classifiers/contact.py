"""Contact data: email addresses and phone numbers."""

from __future__ import annotations

import re

import phonenumbers

from classifiers.keys import match_key, norm
from classifiers.model import Field, Finding, Kind, Source, finding

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
        exact = match.group(0) == value.strip()
        confidence = 0.97 if (keyed or exact) else 0.9
        out.append(finding(field, Kind.EMAIL, email, confidence, Source.PATTERN, "email"))
    return out


def detect_phone_number(field: Field) -> list[Finding]:
    """Only under a phone-ish key: digit strings are too common to trust by shape alone."""
    keyed, _ = match_key(field.key, PHONE_KEYS)
    if not keyed:
        return []
    raw = field.value.strip()
    digits = re.sub(r"[\s().-]", "", raw)
    if not re.fullmatch(r"\+?\d{6,15}", digits) or len(set(digits.lstrip("+"))) == 1:
        return []
    region = _region_hint(field)
    try:
        number = phonenumbers.parse(digits, None if digits.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return [finding(field, Kind.PHONE_NUMBER, digits.lstrip("+"), 0.6, Source.KEY, "phone_number")]
    if phonenumbers.is_valid_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return [finding(field, Kind.PHONE_NUMBER, e164, 0.95, Source.KEY, "phone_number")]
    return [finding(field, Kind.PHONE_NUMBER, digits.lstrip("+"), 0.6, Source.KEY, "phone_number")]


def _region_hint(field: Field) -> str | None:
    """A sibling country code (`country`, `region`, `cc`) lets a national number become E.164."""
    if not field.siblings:
        return None
    for key, value in field.siblings.items():
        if norm(key) in ("country", "countrycode", "region", "cc", "simcountry", "simcountryiso"):
            code = value.strip().upper()
            if len(code) == 2 and code.isalpha():
                return code
    return None
