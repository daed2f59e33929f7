"""The real-world set: captures other people made, every finding judged by a hand-made label.

Holds the goals of docs/accuracy.md on traffic nobody on the project wrote: precision 0.95 overall and
0.90 for every kind, recall 0.90 of the personal data a reader found; and holds the set itself to what
README.md promises (every file sourced and licensed, every finding judged).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from phonehome.classifiers.model import Kind

from benchmarks.realworld import RealWorld, captures, evaluate, load_labels
from phonehome.sources import Skipped, open_source

SET = Path(__file__).resolve().parent
PRECISION, KIND_PRECISION, RECALL = 0.95, 0.90, 0.90


@pytest.fixture(scope="module")
def result() -> RealWorld:
    return evaluate(SET)


def test_at_least_25_captures_each_sourced_and_licensed() -> None:
    files = captures(SET)
    assert len(files) >= 25
    sources = (SET / "SOURCES.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line for line in sources.splitlines() if line.startswith("| `")
    }
    for path in files:
        row = rows.get(path.name)
        assert row is not None, f"{path.name} is not in SOURCES.md"
        assert re.search(r"\b[0-9a-f]{40}\b", row), f"{path.name}: no commit"
        assert re.search(r"\b[\w.-]+/[\w.-]+\b", row), f"{path.name}: no repository"


def test_every_capture_replays() -> None:
    for path in captures(SET):
        items = list(open_source(path))
        assert any(not isinstance(i, Skipped) for i in items), path.name


def test_labels_are_well_formed() -> None:
    names = {p.name for p in captures(SET)}
    kinds = {k.value for k in Kind}
    for line in (SET / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert {"file", "kind", "value", "hashed", "truth", "why"} <= set(row), row
        assert row["file"] in names and row["kind"] in kinds and isinstance(row["truth"], bool), row
        assert row["hashed"] in (None, "md5", "sha1", "sha256"), row
        if row["kind"] == "password":
            assert row.get("entries"), row
    assert load_labels(SET)


def test_every_finding_is_judged(result: RealWorld) -> None:
    assert not result.unjudged, f"{len(result.unjudged)} findings no label judges, e.g. {result.unjudged[:5]}"


def test_precision_overall_and_per_kind(result: RealWorld) -> None:
    assert result.precision() >= PRECISION
    low = {k: round(result.precision(k), 3) for k in result.kinds() if result.precision(k) < KIND_PRECISION}
    assert not low, low


def test_recall_of_what_a_reader_found(result: RealWorld) -> None:
    assert result.recall() >= RECALL, result.misses[:10]
