"""App attribution on the real-world app captures, judged flow by flow in `apps.jsonl`.

Each line names a flow (file and index in replay order), the app a reader judged sent it (the
capture's app, or "unknown" for what the system sent), whether the request itself names that app
(`named`), and why.  A wrong app is worse than none: precision must be 1.0.  Coverage is reported
over all app flows and over those that name their app; the browser captures must stay unknown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze

from benchmarks.realworld import captures
from phonehome.sources import Skipped, open_source

SET = Path(__file__).resolve().parent
NAMED_COVERAGE = 0.9  # of the flows whose request names their app


def _exchanges(path: Path) -> list[Exchange]:
    return [x for x in open_source(path) if not isinstance(x, Skipped)]


def _labels() -> list[dict[str, object]]:
    return [
        json.loads(line) for line in (SET / "apps.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]


@pytest.fixture(scope="module")
def judged() -> list[tuple[dict[str, object], str | None, str | None]]:
    out = []
    by_file: dict[str, list[Exchange]] = {}
    for row in _labels():
        file = str(row["file"])
        flows = by_file.setdefault(file, _exchanges(SET / file))
        ex = flows[int(row["index"])]  # type: ignore[call-overload]
        assert ex.url.startswith(str(row["url"])), row  # the labels still point at the same flows
        a = analyze(ex)
        out.append((row, a.app, a.app_evidence))
    return out


def test_every_app_flow_is_labelled() -> None:
    labelled: dict[str, int] = {}
    for row in _labels():
        labelled[str(row["file"])] = labelled.get(str(row["file"]), 0) + 1
    apps = [p for p in captures(SET) if p.name.startswith("app-")]
    assert len(apps) == 4
    for path in apps:
        assert labelled.get(path.name) == len(_exchanges(path)), path.name


def test_precision_is_one_and_coverage_reported(
    judged: list[tuple[dict[str, object], str | None, str | None]],
) -> None:
    attributed = [(row, app) for row, app, _ in judged if app is not None]
    wrong = [
        (row["file"], row["index"], app, row["expected"]) for row, app in attributed if app != row["expected"]
    ]
    assert not wrong, wrong
    app_flows = [row for row, _, _ in judged if row["expected"] != "unknown"]
    named = [row for row in app_flows if row["named"]]
    covered = sum(1 for row, app, _ in judged if app is not None and row["expected"] != "unknown")
    covered_named = sum(1 for row, app, _ in judged if app is not None and row["named"])
    print(
        f"\napps: precision 1.000 on {len(attributed)} attributed flows; coverage {covered}/{len(app_flows)}"
        f" = {covered / len(app_flows):.3f} of app flows, {covered_named}/{len(named)}"
        f" = {covered_named / len(named):.3f} of those whose request names the app"
    )
    assert covered_named / len(named) >= NAMED_COVERAGE


def test_attributed_flows_say_why(judged: list[tuple[dict[str, object], str | None, str | None]]) -> None:
    for row, app, evidence in judged:
        assert (app is None) == (evidence is None), row
        assert evidence is None or 0 < len(evidence) <= 200


def test_browser_captures_stay_unknown() -> None:
    for path in captures(SET):
        if path.name.startswith("app-"):
            continue
        for ex in _exchanges(path):
            a = analyze(ex)
            assert a.app is None, (path.name, ex.url[:100], a.app, a.app_evidence)
