from __future__ import annotations

from pathlib import Path

from phonehome.db.queries import Filters, flows
from phonehome.db.store import Store
from pytest import MonkeyPatch

from phonehome.pipeline import _reason_kind, default_label, replay


def test_replay_reports_per_file_and_calls_progress(har_clients: Path, tmp_path: Path) -> None:
    store = Store(str(tmp_path / "p.db"))
    calls: list[tuple[str, int | None, int]] = []
    try:
        report = replay(
            store,
            [har_clients / "har_files-firefox.har", har_clients / "corrupted_har-brokenfile.har"],
            progress=lambda path, expected, done: calls.append((path, expected, done)),
        )
        good, bad = report.files
        assert (good.session, good.entries, good.stored, good.duplicates) == (
            "har_files-firefox.har",
            14,
            14,
            0,
        )
        assert bad.error and "corrupted_har-brokenfile.har" in bad.error
        assert [f.path for f in report.unusable] == [bad.path]
        assert calls[-1][2] == 14 and calls[-1][1] is not None and calls[-1][1] >= 14
        assert len(list(flows(store, Filters(session="har_files-firefox.har")))) == 14
    finally:
        store.dispose()


def test_without_a_progress_bar_the_file_is_not_read_for_a_count(
    har_clients: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """The count is a second pass over the whole file: only a progress bar needs it."""
    import phonehome.pipeline as pipeline

    counted: list[object] = []
    monkeypatch.setattr(pipeline, "estimate_entries", lambda path: counted.append(path) or 14)
    store = Store(str(tmp_path / "p.db"))
    try:
        report = replay(store, [har_clients / "har_files-firefox.har"])
        assert report.files[0].stored == 14 and counted == []
        calls: list[int | None] = []
        replay(
            store,
            [har_clients / "har_files-chrome.har"],
            progress=lambda _p, expected, _d: calls.append(expected),
        )
        assert len(counted) == 1 and calls and set(calls) == {14}
    finally:
        store.dispose()


def test_one_label_for_many_files(har_clients: Path, tmp_path: Path) -> None:
    store = Store(str(tmp_path / "p.db"))
    try:
        report = replay(
            store, [har_clients / "har_files-chrome.har", har_clients / "har_files-insomnia.har"], label="lab"
        )
        assert {f.session for f in report.files} == {"lab"} and report.stored == 4
    finally:
        store.dispose()


def test_reason_grouping() -> None:
    assert _reason_kind("entry 3: request.url missing") == "request.url missing"
    assert _reason_kind("x.har: invalid JSON after entry 2; rest of file unreadable") == (
        "invalid JSON after entry 2; rest of file unreadable"
    )
    assert _reason_kind("something else") == "something else"
    assert default_label("/a/b/morning.har") == "morning.har"


def test_a_har_full_of_poisons_loses_nothing_else(tmp_path: Path, db_url: str) -> None:
    """Each entry that once lost an import: the 200 good entries and every readable poison are stored."""
    from tests.phonehome.sources._poisons import POISONS, write

    path = write(tmp_path, "poisons.har", [raw for raw, _ in POISONS.values()])
    store = Store(db_url)
    try:
        report = replay(store, [path])
        [f] = report.files
        readable = sum(imported for _, imported in POISONS.values())
        assert (f.stored, f.skipped_total, f.repaired) == (200 + readable, len(POISONS) - readable, 1)
        assert f.noted >= 6  # status, size, host, method, NUL, surrogates: fitted, originals kept
        assert sorted(n for numbers in f.skipped_entries.values() for n in numbers) == [
            100 + i for i, (_, imported) in enumerate(POISONS.values()) if not imported
        ]
    finally:
        store.dispose()


def test_every_command_reads_a_poisoned_database(tmp_path: Path, db_url: str) -> None:
    """What the poisons left in the database (fitted values, originals, notes) reads back everywhere."""
    import json

    from tests.phonehome.cli._run import run
    from tests.phonehome.sources._poisons import POISONS, write

    path = write(tmp_path, "poisons.har", [raw for raw, _ in POISONS.values()], around=5)
    code, out, err = run("replay", str(path), "--db", db_url)
    assert code == 1 and "skipped" in err  # the unreadable poisons, each named
    assert "stored with a problem noted on the flow" in err
    for args in (
        ("findings", "--format", "jsonl"),
        ("flows", "--format", "csv"),
        ("flows",),
        ("destinations", "--format", "jsonl"),
        ("report", "--format", "html", "-o", str(tmp_path / "r.html")),
        ("report", "--format", "json", "--reveal"),
        ("report",),
        ("export", "-o", str(tmp_path / "out.har"), "--reveal"),
    ):
        code, out, err = run(*args, "--db", db_url)
        assert code == 0, (args, err)
    code, out, _ = run("flows", "--format", "jsonl", "--db", db_url)
    rows = [json.loads(line) for line in out.splitlines()]
    fitted = [r for r in rows if r["originals"]]
    assert {k for r in fitted for k in r["originals"]} >= {
        "status",
        "host",
        "method",
        "url",
        "response_bytes",
    }
    assert len(rows) == 10 + sum(imported for _, imported in POISONS.values())
    # The exported HAR itself replays.
    assert run("replay", str(tmp_path / "out.har"), "--db", str(tmp_path / "again.db"))[0] == 0


def test_the_reader_stays_a_few_batches_ahead_of_the_writer(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A replay reads at most `READ_AHEAD` exchanges (and the batches in hand) beyond what is stored:
    reading further would only take the interpreter's lock from the writer (and hold more memory)."""
    from phonehome.db import store as store_module

    from benchmarks._common import synthetic_har
    from phonehome import pipeline

    har = synthetic_har(tmp_path / "s.har", 3 * pipeline.READ_AHEAD)
    store = Store(str(tmp_path / "p.db"))
    read = 0
    ahead: list[int] = []
    stored = 0
    write = store_module.Store.write

    def counting(self: Store, session_id: int, device: str, items: object, *a: object, **k: object) -> object:
        nonlocal stored
        ahead.append(read - stored)
        result = write(self, session_id, device, items, *a, **k)  # type: ignore[arg-type]
        stored += result.stored + result.duplicates
        return result

    def progress(_path: str, _expected: int | None, done: int) -> None:
        nonlocal read
        read = done

    monkeypatch.setattr(store_module.Store, "write", counting)
    try:
        report = replay(store, [har], progress=progress)
    finally:
        store.dispose()
    assert report.stored == 3 * pipeline.READ_AHEAD
    batch = 256  # the writer's batch: one being stored, and one in hand while the queue refills
    assert max(ahead) <= pipeline.READ_AHEAD + 2 * batch + 1
    assert max(ahead) >= pipeline.READ_AHEAD // 2  # it does read ahead
