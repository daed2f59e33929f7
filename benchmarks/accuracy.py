"""Precision and recall of the detectors: on the real-world set and on the synthetic corpus, side by side.

    python benchmarks/accuracy.py [--corpus tests/corpus] [--realworld tests/realworld] [--write docs/accuracy.md]

The real-world set (tests/realworld/, captures other people made, labelled by hand) is scored by
`benchmarks/realworld.py`.  The synthetic corpus (tests/corpus/, written by this project) is scored here:

Heuristic mode: no known values; a finding counts when its entry, kind, value and digest match a
label (several findings of one datum in one entry count once).  Known-value mode: the corpus's
known.toml is declared; a label whose datum is a declared value counts as recalled when a
`source: known` finding names that declared value (and the same digest algorithm).  Prints one
summary line and writes the full tables to docs/accuracy.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from phonehome.classifiers.detect.known import KnownValues  # noqa: E402
from phonehome.classifiers.model import Exchange, Kind, Source  # noqa: E402
from phonehome.classifiers.registry import analyze  # noqa: E402

from benchmarks import realworld  # noqa: E402
from benchmarks._common import Tally  # noqa: E402
from phonehome.sources import open_source  # noqa: E402

Key = tuple[int, str, str, str | None]  # entry, kind, value, hashed


@dataclass
class Scores(Tally):
    misses: list[Key] = field(default_factory=list)
    false_alarms: list[Key] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn), key=lambda k: list(Kind).index(Kind(k)))


@dataclass
class Report:
    entries: int
    labels: int
    heuristic: Scores
    known: Scores
    seconds: float


def _score(expected: set[Key], found: set[Key]) -> Scores:
    scores = Scores()
    for key in found & expected:
        scores.tp[key[1]] += 1
    for key in sorted(found - expected, key=str):
        scores.fp[key[1]] += 1
        scores.false_alarms.append(key)
    for key in sorted(expected - found, key=str):
        scores.fn[key[1]] += 1
        scores.misses.append(key)
    return scores


def evaluate(corpus: Path) -> Report:
    labels = [json.loads(line) for line in (corpus / "labels.jsonl").read_text().splitlines() if line.strip()]
    known = KnownValues.from_toml(corpus / "known.toml")
    exchanges = [item for item in open_source(corpus / "corpus.har") if isinstance(item, Exchange)]
    expected = {(lb["entry"], lb["kind"], lb["value"], lb.get("hashed")) for lb in labels}
    expected_known = {
        (lb["entry"], lb["kind"], lb["known"], lb.get("hashed"))
        for lb in labels
        if lb.get("known") is not None
    }
    found: set[Key] = set()
    found_known: set[Key] = set()
    hashed_labels = {(e, v, h): k for e, k, v, h in expected if h}
    start = time.perf_counter()
    for i, exchange in enumerate(exchanges):
        for f in analyze(exchange).findings:
            key = (i, f.kind.value, f.value, f.hashed.value if f.hashed else None)
            if f.kind == Kind.DEVICE_ID and f.hashed:
                # A digest is an opaque device ID unless an adapter or a known value says what was
                # hashed: the weaker claim is the right one, and recalls the label of what it hides.
                key = (i, hashed_labels.get((i, f.value, key[3]), key[1]), f.value, key[3])
            found.add(key)
    elapsed = time.perf_counter() - start
    for i, exchange in enumerate(exchanges):
        for f in analyze(exchange, known=known).findings:
            if f.source == Source.KNOWN:
                found_known.add((i, f.kind.value, f.value, f.hashed.value if f.hashed else None))
    return Report(
        entries=len(exchanges),
        labels=len(labels),
        heuristic=_score(expected, found),
        known=_score(expected_known, found_known),
        seconds=elapsed,
    )


def _table(scores: Scores) -> list[str]:
    rows = ["| kind | precision | recall | true | false + | missed |", "|---|---:|---:|---:|---:|---:|"]
    for kind in scores.kinds():
        rows.append(
            f"| {kind} | {scores.precision(kind):.3f} | {scores.recall(kind):.3f} | {scores.tp[kind]} | "
            f"{scores.fp[kind]} | {scores.fn[kind]} |"
        )
    rows.append(
        f"| **overall** | **{scores.precision():.3f}** | **{scores.recall():.3f}** | {sum(scores.tp.values())} | "
        f"{sum(scores.fp.values())} | {sum(scores.fn.values())} |"
    )
    return rows


def _examples(title: str, keys: list[Key], limit: int = 25) -> list[str]:
    if not keys:
        return []
    lines = [f"{title} ({len(keys)}{', first ' + str(limit) if len(keys) > limit else ''}):", ""]
    lines += [f"- entry {e}: {k} `{v}`{' (' + h + ')' if h else ''}" for e, k, v, h in keys[:limit]]
    return [*lines, ""]


def _side_by_side(real: realworld.RealWorld, synthetic: Scores) -> list[str]:
    kinds = [k.value for k in Kind if k.value in set(real.kinds()) | set(synthetic.kinds())]
    rows = [
        "| kind | real-world precision | real-world recall | synthetic precision | synthetic recall |",
        "|---|---:|---:|---:|---:|",
    ]

    def cell(has: bool, x: float) -> str:
        return f"{x:.3f}" if has else "–"

    for k in kinds:
        rp, rr = real.tp[k] + real.fp[k], real.tp[k] + real.fn[k]
        sp, sr = synthetic.tp[k] + synthetic.fp[k], synthetic.tp[k] + synthetic.fn[k]
        rows.append(
            f"| {k} | {cell(bool(rp), real.precision(k))} | {cell(bool(rr), real.recall(k))} | "
            f"{cell(bool(sp), synthetic.precision(k))} | {cell(bool(sr), synthetic.recall(k))} |"
        )
    rows.append(
        f"| **overall** | **{real.precision():.3f}** | **{real.recall():.3f}** | **{synthetic.precision():.3f}** | "
        f"**{synthetic.recall():.3f}** |"
    )
    return rows


def markdown(report: Report, real: realworld.RealWorld) -> str:
    h, k = report.heuristic, report.known
    lines = [
        "# Accuracy",
        "",
        "Measured by `python benchmarks/accuracy.py` on two sets, shown side by side:",
        "",
        f"- **The real-world set** (`tests/realworld/`): {real.files} captures that other people made and",
        "  published (browser exports, desktop and Android app captures made with proxies; see its README),",
        f"  {real.requests} requests, {real.labels} hand-made labels. Every finding phonehome reports there is judged true or false by a",
        "  label, and every piece of personal data a careful reader found is labelled too; see",
        "  `tests/realworld/README.md` for how the labels were made and `SOURCES.md` for where each file",
        "  comes from. The unit is one datum sent in one capture. Goals: precision ≥ 0.95 overall and",
        "  ≥ 0.90 for every kind, recall ≥ 0.90; `tests/realworld/test_realworld.py` holds them.",
        f"- **The synthetic corpus** (`tests/corpus/`): {report.entries} requests modelled on real SDK and OEM",
        f"  payloads, {report.labels} labelled values, written by this project, look-alike negatives included.",
        "  It proves what the detectors were built to do; only the real-world set shows how they fare on",
        "  traffic nobody here wrote. Goals: precision ≥ 0.97 and recall ≥ 0.95 per kind.",
        "",
        "## Side by side (heuristic mode: no known values)",
        "",
        *_side_by_side(real, h),
        "",
        "## The real-world set",
        "",
        *realworld.table(real),
        "",
        *realworld.examples(real),
        "## The synthetic corpus",
        "",
        "A label's datum counts when its entry, kind, value and digest match a finding (several findings",
        "of one datum in one entry count once). A digest is reported as an opaque device ID unless an",
        "adapter or a known value says what was hashed; that weaker claim recalls the label of what it hides.",
        "",
        *_table(h),
        "",
        "### Known-value mode (`--known tests/corpus/known.toml`)",
        "",
        "Only labels whose datum is one of the declared values count here.",
        "",
        *_table(k),
        "",
        "### What is still missed or wrongly reported (heuristic mode)",
        "",
        *_examples("Missed", h.misses),
        *_examples("False positives", h.false_alarms),
    ]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "corpus")
    parser.add_argument("--realworld", type=Path, default=realworld.SET)
    parser.add_argument("--write", type=Path, default=ROOT / "docs" / "accuracy.md")
    args = parser.parse_args()
    report = evaluate(args.corpus)
    real = realworld.evaluate(args.realworld)
    args.write.write_text(markdown(report, real))
    print(realworld.summary(real))
    h, k = report.heuristic, report.known
    worst = min((min(h.precision(x), h.recall(x)), x) for x in h.kinds())
    print(
        f"accuracy: {report.entries} requests, {report.labels} labels: heuristic precision {h.precision():.3f} "
        f"recall {h.recall():.3f} (weakest kind {worst[1]} {worst[0]:.3f}); known-value recall {k.recall():.3f} "
        f"precision {k.precision():.3f}; {report.seconds / report.entries * 1e6:.0f} µs per request"
    )


if __name__ == "__main__":
    main()
