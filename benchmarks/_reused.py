"""`phonehome ARGS...` with each distinct exchange classified once and its analysis reused after.

    python benchmarks/_reused.py replay FILE.har --db OUT.db --workers 0

Run by `benchmarks/replay.py --analyses-reused`. The sample HAR repeats 50 requests with fresh times,
so here classifying costs 50 analyses and a dictionary lookup per flow: what is left of the replay's
time is reading the file and storing its flows, start-up and summary included; the floor that a
faster classifier could bring a replay down to.  Two exchanges are the same if they differ only in
their time and fingerprint (a digest that covers the time); each reuse is the earlier analysis with
this exchange in it.  With `--workers 0`: the workers' classifiers are not replaced.

Prints to stderr how many flows went through and how many were classified.
"""

from __future__ import annotations

import atexit
import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonehome.classifiers.model import Analysis, Exchange  # noqa: E402

from phonehome import pipeline  # noqa: E402
from phonehome.cli.main import run  # noqa: E402

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def main() -> None:
    classify = pipeline.analyze
    earlier: dict[Exchange, Analysis] = {}
    counts = {"flows": 0}

    def reused(exchange: Exchange, **options: Any) -> Analysis:
        counts["flows"] += 1
        key = dataclasses.replace(exchange, time=_EPOCH, fingerprint="")
        found = earlier.get(key)
        if found is None:
            found = earlier[key] = classify(exchange, **options)
            return found
        return dataclasses.replace(found, exchange=exchange)

    pipeline.analyze = reused  # type: ignore[assignment]  # read when the replay makes its analyzer
    atexit.register(
        lambda: print(f"reused: {counts['flows']} flows, {len(earlier)} classified", file=sys.stderr)
    )
    sys.argv = ["phonehome", *sys.argv[1:]]
    run()


if __name__ == "__main__":
    main()
