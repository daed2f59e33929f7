"""An analysis as a classifier process sends it back: plain tuples, strings and numbers.

Pickling the dataclasses themselves costs a Python call for every finding, every enum member and
the destination, in the worker that dumps them and again in the parent that loads them: 19 µs and
13 µs a flow on the synthetic replay, against 11 and 9 for this form, encoding and decoding
included (docs/performance.md#replay).  The exchange is left out: the parent holds it already.

`unpack(exchange, pack(analysis)) == analysis` for every analysis (tests/db/test_packing.py, which
also keeps the field lists here equal to the dataclasses').
"""

from __future__ import annotations

from typing import Any

from phonehome.classifiers.model import Analysis, Destination, Exchange, Finding, Hash, Kind, Source, Where

# Field order of the packed tuples (the dataclasses' own order).
FINDING_FIELDS = (
    "kind", "value", "where", "path", "encodings", "confidence", "source", "detector", "hashed", "evidence",
)  # fmt: skip
DESTINATION_FIELDS = (
    "host", "domain", "ip", "country", "asn", "as_org", "anycast", "entity", "entity_country", "categories",
    "region", "service", "entity_region",
)  # fmt: skip
ANALYSIS_FIELDS = (
    "findings",
    "destination",
    "fields",
    "notes",
    "app",
    "app_evidence",
)  # all but the exchange

Packed = tuple[Any, ...]

# Members by value: a dict lookup instead of the enum's call.
_KIND = {m.value: m for m in Kind}
_WHERE = {m.value: m for m in Where}
_SOURCE = {m.value: m for m in Source}
_HASH = {m.value: m for m in Hash}


def pack(analysis: Analysis) -> Packed:
    """The analysis without its exchange, in plain values."""
    d = analysis.destination
    findings = tuple(
        (
            f.kind.value,
            f.value,
            f.where.value,
            f.path,
            f.encodings,
            f.confidence,
            f.source.value,
            f.detector,
            None if f.hashed is None else f.hashed.value,
            f.evidence,
        )  # fmt: skip
        for f in analysis.findings
    )
    destination = (
        d.host, d.domain, d.ip, d.country, d.asn, d.as_org, d.anycast, d.entity, d.entity_country,
        d.categories, d.region, d.service, d.entity_region,
    )  # fmt: skip
    return (findings, destination, analysis.fields, analysis.notes, analysis.app, analysis.app_evidence)


def unpack(exchange: Exchange, packed: Packed) -> Analysis:
    """The analysis `pack` was given, with `exchange` back in it."""
    findings, destination, n_fields, notes, app, app_evidence = packed
    return Analysis(
        exchange,
        tuple(
            Finding(
                _KIND[kind],
                value,
                _WHERE[where],
                path,
                encodings,
                confidence,
                _SOURCE[source],
                detector,
                None if hashed is None else _HASH[hashed],
                evidence,
            )  # fmt: skip
            for kind, value, where, path, encodings, confidence, source, detector, hashed, evidence in findings
        ),
        Destination(*destination),
        n_fields,
        notes,
        app,
        app_evidence,
    )
