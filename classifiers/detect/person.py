"""A person's name and postal address, recognised by their structure, never by single words.

A name is a first-name field beside a last-name field of the same object or form (`first_name` and
`last_name`, `givenName` and `familyName`), or a field that names a person's full name
(`customer_name`, `cardholderName`) holding two to four capitalised words.  An address is a street
line (`address1`, `street`, `line1`) beside a city or a postcode in the same object or form, or a
whole address under an address key that reads like one (a number, a street word, a comma).
"""

from __future__ import annotations

import re

from phonehome.classifiers.detect.keys import is_placeholder, norm
from phonehome.classifiers.model import Field, Finding, Kind, Source, Where, finding

FIRST_KEYS = frozenset({"firstname", "fname", "givenname", "forename", "first"})
LAST_KEYS = frozenset({"lastname", "lname", "familyname", "surname", "last"})
FULL_NAME_KEYS = frozenset(
    {"fullname", "customername", "billingname", "shippingname", "cardholdername", "cardholder",
     "recipientname", "contactname", "nameoncard", "holdername", "realname", "legalname", "personname"}
)  # fmt: skip
FIRST_SUFFIXES = ("firstname", "givenname")
FULL_NAME_SUFFIXES = ("fullname", "holdername", "customername", "recipientname")
# The first-name key's partner: the same key with its first-name part swapped.
_PARTNERS = (("first_name", "last_name"), ("firstname", "lastname"), ("first-name", "last-name"),
             ("first", "last"), ("given_name", "family_name"), ("givenname", "familyname"),
             ("given", "family"), ("fname", "lname"), ("forename", "surname"), ("firstname", "surname"),
             ("first_name", "surname"))  # fmt: skip
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]+)*\.?$")
_NOT_NAMES = frozenset({"test", "user", "name", "first", "last", "john doe", "first last", "guest", "anonymous",
                        "firstname", "lastname", "null", "undefined", "none", "unknown", "admin"})  # fmt: skip

STREET_KEYS = frozenset(
    {"address1", "addressline1", "street", "streetaddress", "line1", "lineone", "addr1", "street1", "streetline1",
     "address", "fulladdress", "shippingaddress", "billingaddress", "homeaddress", "postaladdress",
     "mailingaddress", "deliveryaddress", "streetname"}
)  # fmt: skip
STREET_SUFFIXES = ("address1", "addressline1", "streetaddress", "street", "line1", "lineone", "street1")
_CITY_KEYS = ("city", "town", "locality", "postcode", "postalcode", "zip", "zipcode", "postal", "plz")
_STREET_WORDS = re.compile(
    r"\b(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|"
    r"close|crescent|highway|hwy|parkway|square|sq|strasse|straße|str|weg|gasse|platz|allee|rue|"
    r"avenida|calle|via|viale|corso|piazza|laan|straat|gracht|vej|gatan|katu|ulica)\b",
    re.IGNORECASE,
)
_HOUSE_NUMBER = re.compile(r"(?:^|\s)\d{1,5}[a-zA-Z]?(?:[\s,/-]|$)")


def _words(value: str) -> list[str] | None:
    words = value.split()
    if not 1 <= len(words) <= 4 or len(value) > 80:
        return None
    return words if all(_NAME_WORD.match(w) for w in words) else None


def _person(value: str) -> bool:
    v = value.strip()
    return bool(v) and not is_placeholder(v) and v.lower() not in _NOT_NAMES and _words(v) is not None


def _partner(key: str, siblings: dict[str, str] | None) -> str | None:
    if not siblings:
        return None
    for first, last in _PARTNERS:
        if first in key:
            other = siblings.get(key.replace(first, last))
            if other is not None:
                return other
    return None


def detect_person_name(field: Field) -> list[Finding]:
    if field.where in (Where.HEADER, Where.PATH):
        return []
    key = norm(field.key)
    value = field.value.strip()
    if key in FIRST_KEYS or key.endswith(FIRST_SUFFIXES):
        last = _partner(field.key.lower(), dict(field.siblings) if field.siblings else None)
        if last is None or not _person(value) or not _person(last.strip()):
            return []
        full = f"{value} {last.strip()}"
        if full.lower() in _NOT_NAMES:
            return []
        return [finding(field, Kind.PERSON_NAME, full, 0.9, Source.KEY, "person_name",
                        evidence=f"a first and a last name (`{field.key}` and its partner)")]  # fmt: skip
    if key in FULL_NAME_KEYS or key.endswith(FULL_NAME_SUFFIXES):
        words = _words(value)
        if words and len(words) >= 2 and _person(value) and all(w[0].isupper() for w in words):
            return [finding(field, Kind.PERSON_NAME, value, 0.85, Source.KEY, "person_name",
                            evidence=f"a full name under `{field.key}`")]  # fmt: skip
    return []


def _has_city(siblings: dict[str, str]) -> str | None:
    place = []
    for raw, v in siblings.items():
        k = norm(raw)
        if v.strip() and k.endswith(_CITY_KEYS) and not k.endswith(("cityid", "zipid")):
            place.append(v.strip())
    return " ".join(place) if place else None


def detect_postal_address(field: Field) -> list[Finding]:
    if field.where in (Where.HEADER, Where.PATH, Where.COOKIE):
        return []
    key = norm(field.key)
    value = " ".join(field.value.split())
    if not 5 <= len(value) <= 160 or is_placeholder(value) or value.startswith(("{", "[", "http")):
        return []
    if not any(c.isalpha() for c in value):
        return []
    streetish = bool(_STREET_WORDS.search(value)) or bool(_HOUSE_NUMBER.search(value))
    place = _has_city(dict(field.siblings)) if field.siblings else None
    if place and streetish and (key in STREET_KEYS or key.endswith(STREET_SUFFIXES)):
        return [finding(field, Kind.POSTAL_ADDRESS, f"{value}, {place}", 0.9, Source.KEY, "postal_address",
                        evidence=f"a street line (`{field.key}`) beside a city or postcode")]  # fmt: skip
    if key in STREET_KEYS and "," in value and _STREET_WORDS.search(value) and _HOUSE_NUMBER.search(value):
        return [finding(field, Kind.POSTAL_ADDRESS, value, 0.8, Source.KEY, "postal_address",
                        evidence=f"a whole address under `{field.key}`")]  # fmt: skip
    return []
