"""Precision and recall on the real-world set: captures other people made, labelled by hand.

    python benchmarks/realworld.py [--set tests/realworld]

Used by `benchmarks/accuracy.py`, which reports this set beside the synthetic corpus in
docs/accuracy.md.  The unit is one datum sent in one capture: a distinct (file, kind, value, digest)
that phonehome reports, judged by the hand-made labels of `labels.jsonl` (see tests/realworld/README.md
for how they were made).  A finding whose label says false is a false positive; a finding no label
judges is counted as unjudged, and the set's test fails on it, so nothing is scored that nobody read.
Recall is over the labels that say true: the personal data a careful reader found in the requests.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from phonehome.classifiers.model import Exchange, Kind  # noqa: E402
from phonehome.classifiers.registry import analyze  # noqa: E402

from benchmarks._common import Tally  # noqa: E402
from phonehome.sources import open_source  # noqa: E402

SET = ROOT / "tests" / "realworld"
CAPTURE_SUFFIXES = (".har", ".har.gz", ".harp", ".json", ".mitm", ".flow", ".flows", ".dump")
# Kinds whose values are free text that a reader and phonehome may cut differently: one holding the
# other counts as the same datum.
_LOOSE = frozenset(
    {"tracking_id", "person_name", "postal_address", "visited_url", "search_query", "app_activity"}
)

Datum = tuple[str, str, str, str | None]  # file, kind, value, hashed
_HARDWARE = frozenset({"imei", "meid", "android_id", "serial_number", "mac_address", "advertising_id"})


@dataclass
class Label:
    file: str
    kind: str
    value: str
    hashed: str | None
    truth: bool
    why: str
    entries: tuple[int, ...] = ()


@dataclass
class RealWorld(Tally):
    files: int = 0
    requests: int = 0
    labels: int = 0
    unjudged: list[Datum] = field(default_factory=list)
    false_alarms: list[tuple[Datum, str]] = field(default_factory=list)
    misses: list[tuple[Datum, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def kinds(self) -> list[str]:
        order = [k.value for k in Kind]
        return sorted(set(self.tp) | set(self.fp) | set(self.fn), key=order.index)


def load_labels(folder: Path = SET) -> list[Label]:
    labels = []
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels.append(
                Label(
                    row["file"],
                    row["kind"],
                    row["value"],
                    row.get("hashed"),
                    bool(row["truth"]),
                    row.get("why", ""),
                    tuple(row.get("entries") or ()),
                )  # fmt: skip
            )
    return labels


def captures(folder: Path = SET) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(CAPTURE_SUFFIXES))


def _norm(value: str) -> str:
    v = value.strip()
    if "%" in v:
        v = unquote(v)
    return v.lower()


def matches(label: Label, kind: str, value: str, hashed: str | None, entries: set[int]) -> bool:
    """Whether a finding (its kind, value, digest and the entries it was in) is the labelled datum."""
    if label.kind == "password":
        return kind == "password" and (not label.entries or bool(entries & set(label.entries)))
    digest_of_it = kind == "device_id" and hashed is not None and label.hashed == hashed
    # A device ID that phonehome names more precisely (its shape is the Android ID's) is still found.
    more_precise = label.kind == "device_id" and kind in _HARDWARE
    if label.kind != kind and not digest_of_it and not more_precise:
        return False
    if (label.hashed or None) != (hashed or None):
        return False
    a, b = _norm(label.value), _norm(value)
    if a == b:
        return True
    return kind in _LOOSE and min(len(a), len(b)) >= 6 and (a in b or b in a)


def findings_of(path: Path) -> tuple[dict[tuple[str, str, str | None], set[int]], int, int]:
    """Each distinct datum phonehome reports in the file, with the entries it was found in."""
    found: dict[tuple[str, str, str | None], set[int]] = {}
    requests = skipped = 0
    for i, item in enumerate(open_source(path)):
        if not isinstance(item, Exchange):
            skipped += 1
            continue
        requests += 1
        for f in analyze(item).findings:
            found.setdefault((f.kind.value, f.value, f.hashed.value if f.hashed else None), set()).add(i)
    return found, requests, skipped


def evaluate(folder: Path = SET) -> RealWorld:
    labels = load_labels(folder)
    by_file: dict[str, list[Label]] = {}
    for lb in labels:
        by_file.setdefault(lb.file, []).append(lb)
    result = RealWorld(labels=len(labels))
    for path in captures(folder):
        result.files += 1
        found, requests, skipped = findings_of(path)
        result.requests += requests
        if skipped:
            result.skipped[path.name] = skipped
        mine = by_file.get(path.name, [])
        recalled: set[int] = set()
        for (kind, value, hashed), entries in found.items():
            judged = [i for i, lb in enumerate(mine) if matches(lb, kind, value, hashed, entries)]
            datum = (path.name, kind, value, hashed)
            if not judged:
                result.unjudged.append(datum)
                continue
            if any(mine[i].truth for i in judged):
                result.tp[kind] += 1
                recalled.update(i for i in judged if mine[i].truth)
            else:
                result.fp[kind] += 1
                result.false_alarms.append((datum, mine[judged[0]].why))
        for i, lb in enumerate(mine):
            if lb.truth and i not in recalled:
                result.fn[lb.kind] += 1
                result.misses.append(((lb.file, lb.kind, lb.value, lb.hashed), lb.why))
    return result


def table(r: RealWorld) -> list[str]:
    rows = ["| kind | precision | recall | true | false + | missed |", "|---|---:|---:|---:|---:|---:|"]
    for kind in r.kinds():
        rows.append(
            f"| {kind} | {r.precision(kind):.3f} | {r.recall(kind):.3f} | {r.tp[kind]} | {r.fp[kind]} | {r.fn[kind]} |"
        )
    rows.append(
        f"| **overall** | **{r.precision():.3f}** | **{r.recall():.3f}** | {sum(r.tp.values())} | "
        f"{sum(r.fp.values())} | {sum(r.fn.values())} |"
    )
    return rows


def _short(value: str, n: int = 60) -> str:
    value = value.replace("`", "'").replace("|", "/")
    return value if len(value) <= n else value[: n - 1] + "…"


def examples(r: RealWorld, limit: int = 30) -> list[str]:
    lines: list[str] = []
    if r.false_alarms:
        lines += [f"False positives ({len(r.false_alarms)}):", ""]
        for (file, kind, value, hashed), why in r.false_alarms[:limit]:
            lines.append(f"- {file}: {kind} `{_short(value)}`{' (' + hashed + ')' if hashed else ''}: {why}")
        lines.append("")
    if r.misses:
        lines += [f"Missed ({len(r.misses)}{', first ' + str(limit) if len(r.misses) > limit else ''}):", ""]
        for (file, kind, value, hashed), why in r.misses[:limit]:
            lines.append(f"- {file}: {kind} `{_short(value)}`{' (' + hashed + ')' if hashed else ''}: {why}")
        lines.append("")
    if r.unjudged:
        lines += [f"Not judged by any label ({len(r.unjudged)}):", ""]
        lines += [f"- {f}: {k} `{_short(v)}`" for f, k, v, _ in r.unjudged[:limit]]
        lines.append("")
    return lines


def summary(r: RealWorld) -> str:
    worst = min(((r.precision(k), k) for k in r.kinds() if r.tp[k] + r.fp[k]), default=(1.0, "-"))
    return (
        f"real-world: {r.files} captures, {r.requests} requests, {r.labels} labels: precision {r.precision():.3f} "
        f"recall {r.recall():.3f} (least precise kind {worst[1]} {worst[0]:.3f}); {len(r.unjudged)} findings unjudged"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=SET)
    parser.add_argument(
        "--unjudged", action="store_true", help="list the findings no label judges, as JSON lines"
    )
    args = parser.parse_args()
    r = evaluate(args.set)
    if args.unjudged:
        for file, kind, value, hashed in r.unjudged:
            print(
                json.dumps({"file": file, "kind": kind, "value": value, "hashed": hashed}, ensure_ascii=False)
            )
        return
    print("\n".join(table(r)))
    print("\n".join(examples(r)))
    print(summary(r))


if __name__ == "__main__":
    main()
