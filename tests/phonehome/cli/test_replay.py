"""phonehome.cli.replay: replay, reanalyze and demo as a user meets them: exit codes, one-line errors, real exports.

What reads or writes stored flows runs on SQLite and PostgreSQL (`db_url`); what is about unreadable
input or the SQLite file itself stays on SQLite.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.phonehome.cli._run import REAL_EXPORTS, one_line_error, run


@pytest.mark.parametrize("name", REAL_EXPORTS)
def test_replay_every_real_export(har_clients: Path, db_url: str, name: str) -> None:
    code, out, err = run("replay", str(har_clients / name), "--db", db_url)
    assert code == 0, err
    assert f"{name}: " in out and " imported" in out
    code, out, _ = run("flows", "--db", db_url, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(r["session"] == name for r in rows)


def test_corrupted_har_is_one_clear_line_and_exit_2(har_clients: Path, tmp_path: Path) -> None:
    code, _, err = run(
        "replay", str(har_clients / "corrupted_har-brokenfile.har"), "--db", str(tmp_path / "r.db")
    )
    assert code == 2
    assert "not a HAR file or mitmproxy flow dump" in one_line_error(err)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    code, _, err = run("replay", str(junk), "--db", str(tmp_path / "r.db"))
    assert code == 2 and "photo.jpg" in one_line_error(err)
    code, _, err = run("replay", str(tmp_path / "absent.har"), "--db", str(tmp_path / "r.db"))
    assert code == 2 and "absent.har" in err


def test_good_file_is_kept_when_another_is_bad(har_clients: Path, db_url: str) -> None:
    db = db_url
    code, out, err = run(
        "replay",
        str(har_clients / "har_files-chrome.har"),
        str(har_clients / "corrupted_har-brokenfile.har"),
        "--db",
        db,
    )
    assert code == 2 and "corrupted_har-brokenfile.har" in err
    assert "har_files-chrome.har: 3 flows imported" in out
    assert len(run("flows", "--db", db, "--format", "jsonl")[1].splitlines()) == 3


def test_skipped_entries_are_counted_and_exit_1(tmp_path: Path, db_url: str) -> None:
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {"startedDateTime": "2026-11-20T08:00:00Z", "request": {"method": "GET", "url": "https://a.example.com/?imei=861234567890127", "headers": []}, "response": {"status": 200, "headers": []}},
                {"startedDateTime": "2026-11-20T08:00:01Z", "request": {"method": "GET", "headers": []}},
                {"startedDateTime": "2026-11-20T08:00:02Z", "request": {"method": "GET", "url": "/relative", "headers": []}},
            ],
        }
    }  # fmt: skip
    path = tmp_path / "partial.har"
    path.write_text(json.dumps(har))
    code, out, err = run("replay", str(path), "--db", db_url)
    assert code == 1
    assert "partial.har: 1 flow imported" in out
    assert "skipped 1 (entry 1): request.url missing" in err
    assert "skipped 1 (entry 2): request.url is not absolute: /relative" in err


def test_a_file_whose_every_entry_is_skipped_says_so_and_why(tmp_path: Path, db_url: str) -> None:
    har = {"log": {"version": "1.2", "entries": [{"request": {"method": "GET"}}, {"request": 5}, {"x": 1}]}}
    path = tmp_path / "allbad.har"
    path.write_text(json.dumps(har))
    code, out, err = run("replay", str(path), "--db", db_url)
    assert code == 1 and "allbad.har: 0 flows imported" in out
    assert "no entry could be read: all 3 were skipped" in err
    assert (
        "skipped 2 (entries 1, 2): request missing" in err
        and "skipped 1 (entry 0): request.url missing" in err
    )


def test_jsonp_wrapped_and_gzipped_har_files_replay(har_clients: Path, tmp_path: Path, db_url: str) -> None:
    import gzip

    text = (har_clients / "har_files-postdata.har").read_text(encoding="utf-8-sig")
    wrapped = tmp_path / "netsniff.har"
    wrapped.write_text(f"onInputData({text});")
    packed = tmp_path / "webpagetest.har.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    code, out, _ = run("replay", str(wrapped), "--db", db_url)
    assert code == 0 and "netsniff.har: 1 flow imported" in out, out
    code, out, _ = run("replay", str(packed), "--db", db_url)  # the same entry: recognised as stored
    assert code == 0 and "webpagetest.har.gz: 0 flows imported, 1 already stored" in out, out


def test_truncated_har_keeps_entries_before_the_cut(har_clients: Path, tmp_path: Path, db_url: str) -> None:
    data = (har_clients / "har_files-firefox.har").read_bytes()
    cut = tmp_path / "cut.har"
    cut.write_bytes(data[: len(data) // 2])
    code, out, err = run("replay", str(cut), "--db", db_url)
    assert code == 1
    imported = int(out.split("cut.har: ", 1)[1].split(" flows", 1)[0])
    assert 0 < imported < 14
    assert f"skipped 1 (entry {imported}): the file ends inside it (cut short?)" in err


def test_replaying_twice_does_not_duplicate(har_clients: Path, tmp_path: Path, db_url: str) -> None:
    db = db_url
    src = tmp_path / "copy.har"
    shutil.copy(har_clients / "har_files-safari.har", src)
    assert run("replay", str(src), "--db", db)[0] == 0
    code, out, _ = run("replay", str(src), "--db", db)
    assert code == 0 and "0 flows imported, 19 already stored" in out
    assert len(run("flows", "--db", db, "--format", "jsonl")[1].splitlines()) == 19


def test_demo_prints_the_answer_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("demo")
    assert code == 0, err
    assert "51 requests to 38 hosts" in out
    assert "What was sent, and to whom" in out and "IMEI" in out and "xiaomi.com" in out
    assert "form → base64 → gzip → json" in out
    assert "Sent unencrypted" in out
    assert list(tmp_path.iterdir()) == []


def test_known_values_on_replay_and_reanalyze(tmp_path: Path, db_url: str, other_db_url: str) -> None:
    import hashlib

    imei = "861234567890127"
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {"startedDateTime": "2026-11-20T08:00:00Z",
                 "request": {"method": "GET", "headers": [],
                             "url": f"https://ads.example.com/p?h={hashlib.md5(imei.encode()).hexdigest().upper()}"},
                 "response": {"status": 200, "headers": []}},
            ],
        }
    }  # fmt: skip
    path = tmp_path / "hashed.har"
    path.write_text(json.dumps(har))
    known = tmp_path / "me.toml"
    known.write_text(f'imei = ["{imei}"]\n')
    db = db_url

    assert run("replay", str(path), "--db", db)[0] == 0
    assert run("findings", "--db", db, "--format", "jsonl")[1] == ""  # an opaque digest, unkeyed
    code, out, _ = run("reanalyze", "--db", db, "--known", str(known))
    assert code == 0 and "Re-analysed 1 flow: 0 findings before, 1 now." in out
    row = json.loads(run("findings", "--db", db, "--format", "jsonl")[1])
    assert (row["kind"], row["value"], row["source"], row["hashed"]) == ("imei", imei, "known", "md5")

    db2 = other_db_url
    assert run("replay", str(path), "--db", db2, "--known", str(known))[0] == 0
    assert json.loads(run("findings", "--db", db2, "--format", "jsonl")[1])["source"] == "known"


def test_progress_bar_on_a_terminal(har_clients: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from phonehome.classifiers.destinations.place import Destinations
    from phonehome.db.store import Store

    from phonehome.cli.replay import _replay_with_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    store = Store(db_url)
    try:
        report = _replay_with_progress(
            store, [str(har_clients / "har_files-firefox.har")], None, None, Destinations(), None
        )
    finally:
        store.dispose()
    assert report.stored == 14
    assert "har_files-firefox.har" in screen.getvalue()  # the bar was drawn, named after the file


def test_replay_resolve_is_opt_in(
    tmp_path: Path, db_url: str, other_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import phonehome.resolve

    har = tmp_path / "noip.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-20T09:00:00Z", "time": 1,
        "request": {"method": "GET", "url": "https://yandex.ru/search?text=x", "httpVersion": "HTTP/1.1",
                    "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}]}}))  # fmt: skip
    asked: list[str] = []
    monkeypatch.setattr(phonehome.resolve, "system_lookup", lambda host: asked.append(host) or "77.88.55.242")
    db = db_url
    run("replay", str(har), "--db", db, "--label", "plain")
    assert asked == []
    _, out, _ = run("destinations", "--db", db, "--format", "jsonl")
    assert (
        json.loads(out)["country"] == "unknown (no server address)" and json.loads(out)["entity"] == "Yandex"
    )
    db2 = other_db_url
    run("replay", str(har), "--db", db2, "--resolve")
    assert asked == ["yandex.ru"]
    _, out, _ = run("flows", "--db", db2, "--format", "jsonl")
    row = json.loads(out)
    assert row["server_ip"] == "77.88.55.242" and row["country"] == "RU"
    assert any("--resolve" in n for n in row["notes"])


def test_reanalyze_by_behaviour(tmp_path: Path, db_url: str) -> None:
    from benchmarks.behaviour import device_har

    for seed, name in enumerate(("phone-a", "phone-b")):
        har, _ = device_har(name, 9, seed + 1)
        (tmp_path / f"{name}.har").write_text(json.dumps(har))
        assert run("replay", str(tmp_path / f"{name}.har"), "--db", db_url)[0] == 0
    code, out, _ = run("reanalyze", "--db", db_url, "--by-behaviour")
    summary = out.splitlines()[0]
    assert code == 0 and summary.startswith("Compared 2 devices over 18 flows: 10 places hold an identifier")
    assert summary.endswith("findings added (source behaviour).") and " 0 findings" not in summary
    assert "path `/1` at GET cfg.sdk-x.example/c/*/s" in out
    code, out, _ = run("findings", "--db", db_url, "--kind", "device_id", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and all(r["source"] == "behaviour" for r in rows)
    code, out, _ = run("reanalyze", "--db", db_url, "--by-behaviour", "--sessions-are-devices")
    assert code == 0 and "10 places hold an identifier found by behaviour; 0 findings added" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--session", "nope"), "no session 'nope'"),
        (("--session", "phone-a.har"), "need two or more devices, 1 found"),
        (("--known", "me.toml"), "--by-behaviour compares stored values"),
        (("--workers", "2"), "--by-behaviour compares stored values"),
    ],
)
def test_reanalyze_by_behaviour_bad_input(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    from benchmarks.behaviour import device_har

    db = str(tmp_path / "p.db")
    har, _ = device_har("phone-a", 4, 1)
    (tmp_path / "phone-a.har").write_text(json.dumps(har))
    (tmp_path / "me.toml").write_text('imei = ["861234567890127"]\n')
    assert run("replay", str(tmp_path / "phone-a.har"), "--db", db)[0] == 0
    args = tuple(str(tmp_path / a) if a.endswith(".toml") else a for a in args)
    code, _, err = run("reanalyze", "--db", db, "--by-behaviour", *args)
    assert code == 2 and err.count("\n") == 1 and message in err
    code, _, err = run("reanalyze", "--db", db, "--by-behaviour")  # one file, one device
    assert code == 2 and "two or more devices" in err
    code, _, err = run("reanalyze", "--db", db, "--sessions-are-devices")
    assert code == 2 and "goes with --by-behaviour" in err


@pytest.mark.parametrize("command", ["replay", "reanalyze"])
def test_long_reads_give_big_blocks_back(
    command: str, har_clients: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bodies read for minutes: big blocks are served from mappings that go back when freed
    (db/memory.py), in this process as in the classifier processes."""
    from phonehome.cli import replay as cli_replay

    calls: list[bool] = []
    monkeypatch.setattr(cli_replay, "give_back_big_blocks", lambda: calls.append(True) or True)
    db = str(tmp_path / "x.db")
    code, _, err = run("replay", str(har_clients / "har_files-chrome.har"), "--db", db)
    assert code == 0, err
    if command == "reanalyze":
        calls.clear()
        code, _, err = run("reanalyze", "--db", db)
        assert code == 0, err
    assert calls == [True]


def _frozen_counts(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """How many objects were frozen out of the collector's passes each time the command called
    `name` (a function of phonehome.cli.replay), recorded as it is called."""
    import gc

    from phonehome.cli import replay as cli_replay

    seen: list[int] = []
    original = getattr(cli_replay, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return original(*args, **kwargs)

    monkeypatch.setattr(cli_replay, name, watched)
    return seen


def test_a_replay_leaves_what_it_holds_at_the_start_out_of_the_collectors_passes(
    har_clients: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its imports and the open store are frozen while the flows are read (db/memory.py), and given
    back to the collector when the replay ends, even when it fails."""
    import gc

    from phonehome.cli import replay as cli_replay

    seen = _frozen_counts(monkeypatch, "_replay_with_progress")
    code, _, err = run("replay", str(har_clients / "har_files-chrome.har"), "--db", str(tmp_path / "x.db"))
    assert code == 0, err
    assert len(seen) == 1 and seen[0] > 10_000
    assert gc.get_freeze_count() == 0

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the replay failed")

    monkeypatch.setattr(cli_replay, "_replay_with_progress", broken)
    with pytest.raises(RuntimeError, match="the replay failed"):
        run("replay", str(har_clients / "har_files-chrome.har"), "--db", str(tmp_path / "y.db"))
    assert gc.get_freeze_count() == 0


def test_a_reanalysis_leaves_what_it_holds_at_the_start_out_of_the_collectors_passes(
    har_clients: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    db = str(tmp_path / "x.db")
    code, _, err = run("replay", str(har_clients / "har_files-chrome.har"), "--db", db)
    assert code == 0, err
    seen = _frozen_counts(monkeypatch, "run_reanalyze")
    code, _, err = run("reanalyze", "--db", db)
    assert code == 0, err
    assert len(seen) == 1 and seen[0] > 10_000
    assert gc.get_freeze_count() == 0


def test_a_small_file_is_classified_in_a_worker_process_unless_asked(tmp_path: Path) -> None:
    """By default every replay classifies in worker processes: a small file in one (its fork server
    starts with the command anyway), a big one in one per core but one; `--workers` decides."""
    from phonehome.cli.common import default_workers
    from phonehome.cli.replay import SMALL_REPLAY, _workers_for

    small = tmp_path / "small.har"
    small.write_bytes(b"{}")
    big = tmp_path / "big.har"
    big.write_bytes(b" " * SMALL_REPLAY)
    assert _workers_for([str(small)], None) == 1
    assert _workers_for([str(small), str(tmp_path / "missing.har")], None) == 1
    assert _workers_for([str(big)], None) == default_workers()
    assert _workers_for([str(small)], 0) == 0 and _workers_for([str(big)], 3) == 3


def test_a_detector_stuck_on_one_entry_of_a_small_file_costs_that_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A detector that never returns (a pattern that backtracks for ever, holding the interpreter)
    on one entry of a small HAR: the replay ends, that entry is stored with a note and without
    findings, every other entry as usual.  Classified in this process, as small files were until
    now, the replay never ended."""
    from functools import partial

    from phonehome.db.workers import ClassifierPool

    from phonehome import pipeline
    from phonehome.cli.replay import _workers_for
    from tests.db._poison import hogging

    monkeypatch.setattr(pipeline, "make_analyzer", lambda *args: hogging)
    monkeypatch.setattr(pipeline, "ClassifierPool", partial(ClassifierPool, timeout=3.0))
    entries = [
        {"startedDateTime": f"2026-11-20T08:00:{i:02d}.000Z", "time": 1,
         "request": {"method": "GET", "url": f"https://t.example/{'hog' if i == 3 else 'p'}/{i}?imei=490154203237518",
                     "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [],
                     "headersSize": -1, "bodySize": 0},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                      "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1,
                      "bodySize": 0},
         "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
        for i in range(8)
    ]  # fmt: skip
    har = tmp_path / "stuck.har"
    har.write_text(
        json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}})
    )
    # In this process the replay would never end (the stuck pattern holds the interpreter): fail first.
    assert _workers_for([str(har)], None) >= 1, "a small file classified in this process"
    db = str(tmp_path / "r.db")
    code, out, err = run("replay", str(har), "--db", db)
    assert code == 0, err
    assert "8 flows imported" in out
    code, out, _ = run("flows", "--db", db, "--format", "jsonl")
    rows = {row["url"]: row for row in map(json.loads, out.splitlines())}
    stuck = rows.pop("https://t.example/hog/3?imei=490154203237518")
    assert stuck["findings"] == 0 and "stopped its worker process" in stuck["notes"][-1]
    assert len(rows) == 7 and all(row["findings"] == 1 for row in rows.values())


def test_reanalyze_in_worker_processes_or_in_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reanalyze` classifies in worker processes by default, with `--resolve` too (addresses are
    looked up here), in this process with `--workers 0`; the same findings either way, and a flow
    whose re-analysis failed is said so."""
    from phonehome.db import reanalyze as module
    from phonehome.db.workers import ClassifierPool

    from phonehome.cli.common import default_workers

    db = str(tmp_path / "r.db")
    assert run("demo", "--db", db)[0] == 0
    pools: list[int] = []

    def counted(analyzer: object, processes: int) -> ClassifierPool:
        pools.append(processes)
        return ClassifierPool(analyzer, processes)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "ClassifierPool", counted)
    outputs = []
    for args in ((), ("--workers", "0"), ("--workers", "2")):
        code, out, err = run("reanalyze", "--db", db, *args)
        assert code == 0, err
        outputs.append(out)
    assert len(set(outputs)) == 1 and outputs[0].startswith("Re-analysed ")
    assert pools == [default_workers(), 2] and "could not be re-analysed" not in outputs[0]
    import phonehome.resolve

    monkeypatch.setattr(phonehome.resolve, "system_lookup", lambda host: "198.51.100.1")  # never the network
    code, out, err = run("reanalyze", "--db", db, "--resolve")
    assert code == 0 and pools == [default_workers(), 2, default_workers()], err
    assert out == outputs[0]

    from phonehome.cli import replay as cli_replay
    from phonehome.pipeline import make_analyzer

    def raising(ex: Any) -> Any:
        if "/a?" in ex.url or ex.url.endswith("/a"):
            raise ValueError("a detector broke")
        return analyzer(ex)

    analyzer = make_analyzer(None, None)
    monkeypatch.setattr(cli_replay, "make_analyzer", lambda *args: raising)
    code, out, err = run("reanalyze", "--db", db, "--workers", "0")
    assert code == 0, err
    assert "could not be re-analysed" in out and "keep the findings found before" in out
