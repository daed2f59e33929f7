"""classifiers.detect.person: names and postal addresses by their structure."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from phonehome.classifiers.detect.person import detect_person_name, detect_postal_address
from phonehome.classifiers.model import Kind, Source
from phonehome.classifiers.registry import analyze

from tests.classifiers._helpers import essentials, exchange, fld

FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


@pytest.mark.parametrize(
    ("field", "name"),
    [
        (fld("first_name", "Jane", siblings={"first_name": "Jane", "last_name": "Doe"}), "Jane Doe"),
        (
            fld("givenName", "José", siblings={"givenname": "José", "familyname": "García-López"}),
            "José García-López",
        ),
        (fld("billing_first_name", "Anne", siblings={"billing_last_name": "O'Neil"}), "Anne O'Neil"),
        (fld("fname", "Li", siblings={"lname": "Wei"}), "Li Wei"),
        (fld("cardholderName", "Maria Rossi"), "Maria Rossi"),
        (fld("customer_name", "Jean-Luc Picard"), "Jean-Luc Picard"),
    ],
)
def test_names(field, name: str) -> None:  # noqa: ANN001
    assert essentials(detect_person_name(field)) == [(Kind.PERSON_NAME, name, Source.KEY, None)]


@pytest.mark.parametrize(
    "field",
    [
        fld("first_name", "Jane"),  # no last name beside it: a single word is not a name
        fld("first_name", "Jane", siblings={"first_name": "Jane"}),
        fld("first_name", "test", siblings={"last_name": "test"}),
        fld("first_name", "12", siblings={"last_name": "34"}),
        fld("first", "1", siblings={"last": "20"}),  # pagination
        fld("fullname", "jane"),
        fld("customer_name", "ACME Ltd. 2024 Q3 report draft"),
        fld("name", "Jane Doe"),  # too generic a key alone
    ],
)
def test_not_names(field) -> None:  # noqa: ANN001
    assert detect_person_name(field) == []


@pytest.mark.parametrize(
    ("field", "address"),
    [
        (fld("line1", "1 Main Street", siblings={"line1": "1 Main Street", "city": "Springfield", "postal_code": "12345"}),
         "1 Main Street, Springfield 12345"),
        (fld("billing_address_1", "Hauptstraße 5", siblings={"billing_city": "Berlin"}), "Hauptstraße 5, Berlin"),
        (fld("address", "221B Baker Street, London NW1 6XE"), "221B Baker Street, London NW1 6XE"),
    ],
)  # fmt: skip
def test_addresses(field, address: str) -> None:  # noqa: ANN001
    assert essentials(detect_postal_address(field)) == [(Kind.POSTAL_ADDRESS, address, Source.KEY, None)]


@pytest.mark.parametrize(
    "field",
    [
        fld("address", "1 Main Street"),  # a street alone, with no city or postcode
        fld("street", "Main", siblings={"city": "Springfield"}),  # no number, no street word
        fld("address", "0x7ffee4b2a9c8"),  # a memory address
        fld("ip_address", "192.168.1.1", siblings={"city": "Berlin"}),
        fld("address", "https://maps.example/1 Main Street", siblings={"city": "X"}),
        fld("email_address", "a@b.example", siblings={"zip": "12345"}),
    ],
)
def test_not_addresses(field) -> None:  # noqa: ANN001
    assert detect_postal_address(field) == []


def test_checkout_bodies_as_json_and_as_forms() -> None:
    body = {"customer": {"firstName": "Jane", "lastName": "Doe",
                         "address": {"line1": "1 Main Street", "city": "Springfield", "zip": "12345"}}}  # fmt: skip
    ex = exchange(url="https://shop.example.org/checkout", headers=(("Content-Type", "application/json"),),
                  body=json.dumps(body).encode())  # fmt: skip
    kinds = {(f.kind, f.value) for f in analyze(ex).findings}
    assert {
        (Kind.PERSON_NAME, "Jane Doe"),
        (Kind.POSTAL_ADDRESS, "1 Main Street, Springfield 12345"),
    } <= kinds
    form = urlencode({"first_name": "Jane", "last_name": "Doe", "address1": "1 Main Street", "zip": "12345"})
    ex = exchange(url="https://shop.example.org/checkout", headers=FORM, body=form.encode())
    kinds = {(f.kind, f.value) for f in analyze(ex).findings}
    assert {(Kind.PERSON_NAME, "Jane Doe"), (Kind.POSTAL_ADDRESS, "1 Main Street, 12345")} <= kinds
