"""db/packing.py: what a classifier process sends back comes back as the same analysis."""

from __future__ import annotations

import pickle
import pickletools
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.classifiers.model import Analysis, Destination, Exchange, Finding, Hash, Kind, Source, Where
from phonehome.classifiers.registry import analyze
from phonehome.db.packing import ANALYSIS_FIELDS, DESTINATION_FIELDS, FINDING_FIELDS, pack, unpack

from phonehome.sources import open_source

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
EX = Exchange(datetime(2026, 12, 7, tzinfo=UTC), "GET", "https://t.example/")


def test_the_field_lists_are_the_dataclasses_own() -> None:
    """A field added to a dataclass must be added here too, or it would be lost on the way back."""
    assert FINDING_FIELDS == tuple(f.name for f in fields(Finding))
    assert DESTINATION_FIELDS == tuple(f.name for f in fields(Destination))
    assert ANALYSIS_FIELDS == tuple(f.name for f in fields(Analysis) if f.name != "exchange")


def test_every_corpus_analysis_comes_back_the_same() -> None:
    exchanges = [i for i in open_source(CORPUS / "corpus.har") if isinstance(i, Exchange)]
    analyses = [analyze(e) for e in exchanges]
    assert sum(len(a.findings) for a in analyses) > 100
    for exchange, analysis in zip(exchanges, analyses, strict=True):
        back = unpack(exchange, pickle.loads(pickle.dumps(pack(analysis), pickle.HIGHEST_PROTOCOL)))
        assert back == analysis
        assert [type(f.kind) for f in back.findings] == [Kind] * len(back.findings)


text = st.text(max_size=20)
optional = st.none() | text
findings = st.builds(
    Finding,
    kind=st.sampled_from(Kind),
    value=text,
    where=st.sampled_from(Where),
    path=text,
    encodings=st.lists(text, max_size=3).map(tuple),
    confidence=st.floats(allow_nan=False),
    source=st.sampled_from(Source),
    detector=text,
    hashed=st.none() | st.sampled_from(Hash),
    evidence=text,
)
destinations = st.builds(
    Destination,
    host=text,
    domain=text,
    ip=optional,
    country=text,
    asn=st.none() | st.integers(),
    as_org=optional,
    anycast=st.booleans(),
    entity=optional,
    entity_country=optional,
    categories=st.lists(text, max_size=3).map(tuple),
    region=text,
    service=optional,
    entity_region=text,
)


@settings(max_examples=200, deadline=None)
@given(
    found=st.lists(findings, max_size=5).map(tuple),
    destination=destinations,
    n_fields=st.integers(min_value=0),
    notes=st.lists(text, max_size=3).map(tuple),
    app=optional,
    app_evidence=optional,
)
def test_any_analysis_comes_back_the_same(
    found: tuple[Finding, ...],
    destination: Destination,
    n_fields: int,
    notes: tuple[str, ...],
    app: str | None,
    app_evidence: str | None,
) -> None:
    analysis = Analysis(EX, found, destination, n_fields, notes, app, app_evidence)
    packed = pickle.loads(pickle.dumps(pack(analysis), pickle.HIGHEST_PROTOCOL))
    assert unpack(EX, packed) == analysis
    # Plain values only: no class or function is named in the pickle.
    ops = {op.name for op, _arg, _pos in pickletools.genops(pickle.dumps(packed, pickle.HIGHEST_PROTOCOL))}
    assert not ops & {"GLOBAL", "STACK_GLOBAL", "REDUCE", "BUILD", "NEWOBJ", "INST", "OBJ"}
