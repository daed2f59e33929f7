"""Redaction by default: no identifier from the labelled corpus survives into any default report."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from phonehome.db.queries import Filters
from phonehome.db.store import Store

from phonehome.export import export_har
from phonehome.report.build import build_report
from phonehome.report.html import render_html
from phonehome.report.markdown import render_markdown
from tests.phonehome.report.test_terminal import _render

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SECRET_KINDS = {
    "imei", "meid", "imsi", "iccid", "serial_number", "android_id", "advertising_id", "mac_address", "device_id",
    "email", "phone_number",
}  # fmt: skip


@pytest.fixture(scope="module")
def corpus_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from phonehome.pipeline import replay

    db = str(tmp_path_factory.mktemp("corpus") / "c.db")
    store = Store(db)
    replay(store, [CORPUS / "corpus.har"], label="corpus")
    report = build_report(store)
    har = tmp_path_factory.mktemp("export") / "corpus.har"
    export_har(store, Filters(), har)
    store.dispose()
    return {
        "har": har.read_text(encoding="utf-8"),
        "json": json.dumps(report, ensure_ascii=False),
        "md": render_markdown(report),
        "html": render_html(report),
        "terminal": _render(db),
    }


def _secrets() -> list[tuple[str, str]]:
    out = []
    for line in (CORPUS / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        if label["kind"] in SECRET_KINDS and len(label["value"]) >= 6:
            out.append((label["kind"], label["value"]))
    return out


def _forms(value: str) -> tuple[str, ...]:
    """A value as it could appear in text: as is, percent-encoded, percent-encoded twice."""
    once = quote(value, safe="")
    return (value.lower(), once.lower(), quote(once, safe="").lower())


def test_corpus_has_secrets_to_hide() -> None:
    assert len(_secrets()) > 500


@pytest.mark.parametrize("fmt", ["json", "md", "html", "terminal", "har"])
def test_no_identifier_survives(corpus_outputs: dict[str, str], fmt: str) -> None:
    text = corpus_outputs[fmt]
    low = text.lower()
    leaked = sorted({v for _, v in _secrets() if any(f in low for f in _forms(v))})
    assert not leaked, f"{len(leaked)} identifiers visible in the {fmt} report, e.g. {leaked[:5]}"


def test_coordinates_are_rounded(corpus_outputs: dict[str, str]) -> None:
    for line in (CORPUS / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        if label["kind"] == "coordinates":
            lat = label["value"].split(",")[0]
            if len(lat.split(".")[-1]) > 3:
                assert lat not in corpus_outputs["json"], lat
