"""A big report's devices counted, and their sections made, in forked workers (report/build.py's
`_Parallel`): the same report as one process makes, on SQLite and PostgreSQL, whatever is kept or
counted again; at most a worker count of tasks out at once; and no worker left behind when the
report is written, closed, dropped, failed or interrupted."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db import workers
from phonehome.db.models import BlindSpot
from phonehome.db.store import Store, Unread

from phonehome.report import build, forked
from phonehome.report.jsondoc import dumped, json_parts

pytestmark = pytest.mark.skipif(not forked.available(), reason="no fork here: reports run in one process")

NOW = datetime(2026, 12, 1, tzinfo=UTC)
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
HOSTS = ("tracking.intl.miui.com", "graph.facebook.com", "weather.example.com", "a.b.example.org")
QUERIES = ("imei=861234567890127", "lat=52.5200&lon=13.4050", "email=someone%40example.com", "q=x",
           "idfa=6D92078A-8246-4BA4-AE5B-76104861E7DC", "")  # fmt: skip


@pytest.fixture(autouse=True)
def _no_other_thread() -> None:
    """The report forks only while its process runs one thread: a thread left running by an earlier
    test (a server never joined) would make every test here measure the one-process path."""
    deadline = time.monotonic() + 10  # threads that are ending (an executor shut down without waiting)
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert not others, f"threads left running by earlier tests: {others}"


def _fill(store: Store) -> None:
    """Four sessions, six devices (one with blind spots only), requests never sent, clear text."""
    for s, (label, devices) in enumerate((("lab", ("pixel", "galaxy")), ("home", ("pixel", "")),
                                           ("cafe", ("tablet",)))):  # fmt: skip
        sid = store.open_session(label, "capture")
        for d, device in enumerate(devices):
            store.write(sid, device, [analyze(Exchange(
                T0 + timedelta(seconds=i % 7, milliseconds=d), "GET",
                f"{'https' if i % 3 else 'http'}://{HOSTS[(i + s) % len(HOSTS)]}/p?{QUERIES[(i * (d + 1)) % len(QUERIES)]}",
                server_ip=f"198.51.100.{i % 5}", status=None if i % 11 == 5 else 200,
                error="connection refused" if i % 11 == 5 else None, fingerprint=f"{label}{device}{i}",
                client_address=None if device else "192.168.1.23",  # a capture's device: its address
            )) for i in range(12 + 5 * d)])  # fmt: skip
    sid = store.open_session("pinned", "capture")
    store.write(sid, "", [Unread(T0, "pinned.example.org", "watch", "203.0.113.10", "client refused"),
                          Unread(T0, "quic.example", "watch", None, "QUIC", BlindSpot.UDP)])  # fmt: skip


@pytest.fixture()
def filled(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    try:
        _fill(store)
        yield store
    finally:
        store.dispose()


def _pids(report: build.Report) -> list[int]:
    assert isinstance(report.work, build._Parallel)
    return [w.process.pid for w in report.work.workers._workers if w.process.pid is not None]


def _gone(pids: list[int], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                continue
            if state not in ("Z", "X"):
                alive.append(pid)
        if not alive:
            return True
        time.sleep(0.05)
    return False


def _in_one_process(monkeypatch: Any) -> None:
    monkeypatch.setattr(build, "PARALLEL_FLOWS", 10**9)


def _in_workers(monkeypatch: Any) -> None:
    monkeypatch.setattr(build, "PARALLEL_FLOWS", 1)
    monkeypatch.setattr(workers, "cores", lambda: 2)  # one more worker than cores: three


@pytest.mark.parametrize("keep", [10**9, 0], ids=["kept", "counted again"])
@pytest.mark.parametrize("options", [{}, {"reveal": True}, {"session": "home"}, {"device": "pixel"}],
                         ids=["all", "revealed", "session", "device"])  # fmt: skip
def test_workers_make_the_report_one_process_makes(
    filled: Store, monkeypatch: Any, keep: int, options: dict[str, Any]
) -> None:
    monkeypatch.setattr(build, "KEEP_BYTES", keep)
    _in_one_process(monkeypatch)
    with build.open_report(filled, now=NOW, **options) as local:
        assert local.work is None or isinstance(local.work, build._Local)
        expected = local.as_dict()
        text = "".join(json_parts(local.streamed()))
    _in_workers(monkeypatch)
    with build.open_report(filled, now=NOW, **options) as report:
        pids = _pids(report)
        assert len(pids) == (len(report.keys) if len(report.keys) <= 3 else 2)  # one a device, or a core
        assert report.kept == local.kept and report.head == local.head
        assert "".join(json_parts(report.streamed(dumped))) == text  # sections encoded in the workers
        assert _gone(pids)  # the workers end with the pass
        assert report.work is None
        assert report.as_dict() == expected  # a later pass: counted again, in this process
    assert json.loads(text)["devices"] == expected["devices"]


def test_no_workers_for_one_device_a_small_scope_or_without_fork(filled: Store, monkeypatch: Any) -> None:
    _in_workers(monkeypatch)
    with build.open_report(filled, session="cafe") as report:  # one device
        assert isinstance(report.work, build._Local)
    monkeypatch.setattr(build, "PARALLEL_FLOWS", 10**6)
    with build.open_report(filled) as report:
        assert isinstance(report.work, build._Local)
    monkeypatch.setattr(build, "PARALLEL_FLOWS", 1)
    monkeypatch.setattr(forked, "available", lambda: False)
    with build.open_report(filled) as report:
        assert isinstance(report.work, build._Local)
    monkeypatch.setattr(forked, "available", lambda: True)
    monkeypatch.setattr(workers, "cores", lambda: 1)
    with build.open_report(filled) as report:
        assert isinstance(report.work, build._Local)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    with filled.engine.connect(), build.open_report(filled) as report:  # a connection out: it would be copied
        assert isinstance(report.work, build._Local)
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        with build.open_report(filled) as report:  # another thread: its locks would be copied
            assert isinstance(report.work, build._Local)
    finally:
        done.set()
        thread.join()
    with build.open_report(filled) as report:
        assert isinstance(report.work, build._Parallel)


def test_no_worker_outlives_its_report(filled: Store, monkeypatch: Any) -> None:
    _in_workers(monkeypatch)
    with build.open_report(filled) as report:  # closed before any section is made
        pids = _pids(report)
    assert _gone(pids)
    report = build.open_report(filled)  # sections stopped after the first
    pids = _pids(report)
    sections = report.devices()
    next(sections)
    sections.close()
    assert _gone(pids)
    report = build.open_report(filled)  # never used, then dropped
    pids = _pids(report)
    del report
    gc.collect()
    assert _gone(pids)


def test_a_workers_error_reaches_the_report_and_ends_every_worker(filled: Store, monkeypatch: Any) -> None:
    _in_workers(monkeypatch)
    # Children started before (multiprocessing's resource tracker and forkserver, from other tests)
    # live as long as this process and are not the report's.
    earlier = set(_children())

    def broken(*args: Any) -> Any:
        raise LookupError("no such section")

    monkeypatch.setattr(build, "_device", broken)  # in the workers too: they are forked after this
    report = build.open_report(filled)
    pids = _pids(report)
    with pytest.raises(LookupError, match="no such section"):
        report.as_dict()
    assert _gone(pids)

    def count_fails(self: Any, *args: Any) -> Any:
        raise OSError("disk gone")

    monkeypatch.setattr(build._Counter, "count", count_fails)
    with pytest.raises(OSError, match="disk gone"):
        build.open_report(filled)
    left = [p for p in _children() if p not in pids and p not in earlier]
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes() for p in left]


def _children() -> list[int]:
    """This process's child processes still running."""
    me = os.getpid()
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == me and fields[0] not in ("Z", "X"):
                out.append(int(entry.name))
    return out


class _Stub:
    """Workers that answer at once, in an order the test picks: what `_ordered` sees of them."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.out: dict[int, Any] = {}  # worker -> its task
        self.most = 0
        self.sent: list[tuple[int, Any]] = []

    def __len__(self) -> int:
        return self.n

    def send(self, w: int, message: Any, *, reply: bool = True) -> None:
        assert w not in self.out, "a second task for a busy worker"
        self.out[w] = message
        self.sent.append((w, message))
        self.most = max(self.most, len(self.out))

    def ready(self, workers: Any) -> list[int]:
        return sorted(workers, reverse=True)[:1]  # the latest task first: answers out of order

    def receive(self, w: int) -> Any:
        return self.out.pop(w)[1]


def test_tasks_go_out_in_order_at_most_one_per_worker_and_a_worker_count_ahead() -> None:
    parallel = object.__new__(build._Parallel)
    parallel.workers = _Stub(3)  # type: ignore[assignment]
    parallel.owner = {}
    tasks = [("count", i) for i in range(10)]
    seen = []
    for answer in parallel._ordered(tasks, {}):
        seen.append(answer)
        # Answers waiting here, besides this one: those sent and answered, not yet wanted.
        assert parallel.workers.most <= 3 and len(parallel.owner) - len(seen) <= 3
    assert seen == list(range(10))
    # Sections go to the worker holding their device's counts.
    owners = {i: parallel.owner[i] for i in (0, 4, 7)}
    parallel.workers = _Stub(3)  # type: ignore[assignment]
    assert list(parallel._ordered([("section", i) for i in range(10)], owners)) == list(range(10))
    assert all(w == owners[m[1]] for w, m in parallel.workers.sent if m[1] in owners)


def test_ctrl_c_ends_the_report_and_its_workers(tmp_path: Path) -> None:
    """Ctrl-C reaches the report's whole process group while its workers count: the command ends
    (click's "Aborted!") and so does every worker. On SQLite alone: how workers end does not depend
    on the database."""
    db = str(tmp_path / "filled.db")
    store = Store(db)
    try:
        _fill(store)
    finally:
        store.dispose()
    pids = tmp_path / "pids"
    pids.mkdir()
    # Ctrl-C as a terminal delivers it, to a command whose SIGINT is at its default: a shell that
    # starts these tests in the background (`pytest &`, no job control) hands them SIGINT ignored,
    # and Python keeps an ignored SIGINT ignored in the commands they start.
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from phonehome.db import workers
        from phonehome.report import build
        build.PARALLEL_FLOWS = 1
        workers.cores = lambda: 2
        def slow(self, *args):
            open(os.path.join({str(pids)!r}, str(os.getpid())), "w").close()
            time.sleep(60)
        build._Counter.count = slow
        from phonehome.cli.main import run
        sys.argv = ["phonehome", "report", "--db", {db!r}, "--format", "json", "-o", {str(tmp_path / "r.json")!r}]
        run()
    """)  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=tmp_path)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:  # six devices: a worker a core
            time.sleep(0.05)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0 and b"Aborted" in err
    assert _gone(workers)


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "workers"])
def test_a_report_never_loads_the_public_suffix_list(filled: Store, parallel: bool) -> None:
    """Receivers are named from the entity map or the domains stored with their destinations, so the
    report's process never imports tldextract: it used to load it (0.08-0.1 s) before forking its
    workers, while they waited.  In a fresh process, since this one has loaded it already."""
    code = textwrap.dedent(f"""
        import sys
        from phonehome.db import workers
        from phonehome.db.store import Store
        from phonehome.report import build
        from phonehome.report.jsondoc import json_parts
        build.PARALLEL_FLOWS = {1 if parallel else 10**9}
        workers.cores = lambda: 2
        store = Store({filled.url!r}, create=False)
        with build.open_report(store) as report:
            assert isinstance(report.work, build._Parallel if {parallel} else build._Local), report.work
            text = "".join(json_parts(report.streamed()))
        store.dispose()
        assert "(company unknown)" in text  # hosts of no known company were named
        print("tldextract" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
