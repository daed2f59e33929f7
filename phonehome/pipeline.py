"""One path for replayed traffic: source -> Exchange -> classify -> store.

Live capture uses the same `Writer` from the proxy addon; replay feeds it from files.  Classifying
happens on the writer thread, or in worker processes it hands batches to (`workers`), while this
thread reads the next entries.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from phonehome.classifiers.destinations.place import Destinations
from phonehome.classifiers.detect.known import KnownValues
from phonehome.classifiers.model import Analysis, Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import Store, Writer
from phonehome.db.workers import ClassifierPool
from phonehome.resolve import Resolver
from phonehome.sources import SourceError, estimate_entries, open_source
from phonehome.sources.zone import file_zone


@dataclass(slots=True)
class FileReport:
    path: str
    session: str
    entries: int = 0
    stored: int = 0
    duplicates: int = 0
    findings: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    # The entry numbers behind each skip reason (the first few), so a user can look at them.
    skipped_entries: dict[str, list[int]] = field(default_factory=dict)
    repaired: int = 0  # entries imported after a repair (invalid UTF-8 replaced, ...), noted on the flow
    noted: int = 0  # flows stored with a problem noted (analysis failed in part, values fitted)
    error: str | None = None  # set when the file could not be read at all

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


@dataclass(slots=True)
class ReplayReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def unusable(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    @property
    def skipped(self) -> int:
        return sum(f.skipped_total for f in self.files)

    @property
    def stored(self) -> int:
        return sum(f.stored for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def findings(self) -> int:
        return sum(f.findings for f in self.files)


SHOWN_ENTRIES = 10  # entry numbers kept per skip reason
# Exchanges read ahead of the writer: four batches keep it and the workers busy.  More only lets the
# reading thread run on, taking the interpreter's lock from the writer, whose SQLite inserts give it
# up row by row and then wait up to the switch interval for it each time: with 10,000 read ahead, the
# first batch took 0.1-0.5 s to store instead of 20 ms while the workers waited, and peak memory was
# 97 MB instead of 76 for 20,000 flows (docs/performance.md#replay).
READ_AHEAD = 1024

Progress = Callable[[str, int | None, int], None]  # (file, expected entries, entries done so far)


def default_label(path: str | os.PathLike[str]) -> str:
    return Path(path).name


def replay(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    label: str | None = None,
    progress: Progress | None = None,
    known: KnownValues | None = None,
    destinations: Destinations | None = None,
    resolver: Resolver | None = None,
    workers: int = 0,
) -> ReplayReport:
    """Import each file into its session (`label`, or the file's name); bad entries are counted.

    `destinations` carries the user's geo databases; `resolver` (the `--resolve` option) fills in
    server addresses that the recording left out, here, before each entry is classified.  `workers` > 0
    classifies in that many worker processes (results are the same as in this process).
    """
    analyzer = make_analyzer(known, destinations)
    pool = ClassifierPool(analyzer, workers) if workers > 0 else None
    try:
        with store.bulk_load():
            return _replay(store, paths, label, progress, analyzer, pool, resolver)
    finally:
        if pool is not None:
            pool.close()


def _replay(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    label: str | None,
    progress: Progress | None,
    analyzer: Callable[[Exchange], Analysis],
    pool: ClassifierPool | None,
    resolver: Resolver | None,
) -> ReplayReport:
    report = ReplayReport()
    for path in paths:
        session = label or default_label(path)
        file_report = FileReport(path=os.fspath(path), session=session)
        report.files.append(file_report)
        try:
            items = open_source(path)
        except SourceError as exc:
            file_report.error = str(exc)
            continue
        # Only a progress bar wants the count: it reads the whole file once more (decompressing it
        # again if gzipped), 41 ms of a 20,000-entry replay and about a second of a 1 GB one.
        expected = estimate_entries(path) if progress is not None else None
        session_id = store.open_session(session, "replay", zone=file_zone(path))
        writer = Writer(
            store, session_id, device=session, analyzer=analyzer, pool=pool, maxsize=READ_AHEAD, live=False
        ).start()
        try:
            for item in items:
                if isinstance(item, Exchange):
                    file_report.entries += 1
                    if item.notes:
                        file_report.repaired += 1
                    writer.submit(resolver.prepare(item) if resolver is not None else item)
                else:
                    reason = _reason_kind(item.reason)
                    file_report.skipped[reason] += 1
                    numbers = file_report.skipped_entries.setdefault(reason, [])
                    if item.index >= 0 and len(numbers) < SHOWN_ENTRIES:
                        numbers.append(item.index)
                if progress is not None:
                    progress(file_report.path, expected, file_report.entries + file_report.skipped_total)
        finally:
            stats = writer.close()
            store.close_session(session_id)
        file_report.stored = stats.stored
        file_report.duplicates = stats.duplicates
        file_report.findings = stats.findings
        file_report.noted = stats.noted
    return report


def make_analyzer(
    known: KnownValues | None = None, destinations: Destinations | None = None
) -> Callable[[Exchange], Analysis]:
    return partial(analyze, known=known, destinations=destinations)


def _reason_kind(reason: str) -> str:
    """`entry 3: request.url missing` -> `request.url missing`, so like reasons are counted together."""
    head, sep, tail = reason.partition(": ")
    if sep and (head.startswith("entry ") or head.endswith((".har", ".json", ".flows", ".mitm"))):
        return tail
    return reason
