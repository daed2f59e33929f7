"""phonehome.report.forked: workers forked for a report answer in order, raise what failed where it
failed, and never outlive their report's process: closed, aborted, interrupted or orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from phonehome.report import forked

pytestmark = pytest.mark.skipif(not forked.available(), reason="no fork here: reports run in one process")


class Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("not across a pipe")


def _handler(message: Any) -> Any:
    """What the test workers do: ("echo", x), ("fail", text), ("odd",), ("pid",), ("sleep", s)."""
    if message is None:
        return None
    name, *args = message
    if name == "echo":
        return args[0]
    if name == "fail":
        raise ValueError(args[0])
    if name == "odd":
        raise Unpicklable("odd")
    if name == "pid":
        return os.getpid()
    if name == "sleep":
        time.sleep(args[0])
        return "slept"
    raise AssertionError(name)


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether process `pid` has ended (a zombie waiting for its parent has ended too)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_answers_come_back_in_order_from_each_worker() -> None:
    with forked.Forked(2, _handler) as workers:
        for i in range(5):
            workers.send(i % 2, ("echo", i))
        assert [workers.receive(0) for _ in range(3)] == [0, 2, 4]
        assert [workers.receive(1) for _ in range(2)] == [1, 3]
        pids = {workers.send(w, ("pid",)) or workers.receive(w) for w in range(2)}
        assert len(pids) == 2 and os.getpid() not in pids
        workers.broadcast(("echo", "to all"))  # no reply asked: the next answers are the next calls'
        workers.send(0, ("echo", "next"))
        assert workers.receive(0) == "next"
    assert all(_gone(pid) for pid in pids)


def test_a_workers_error_is_raised_here_with_its_traceback() -> None:
    with forked.Forked(1, _handler) as workers:
        workers.send(0, ("fail", "boom"))
        with pytest.raises(ValueError, match="boom") as caught:
            workers.receive(0)
        assert any("in report worker 0" in note and "_handler" in note for note in caught.value.__notes__)
        workers.send(0, ("odd",))  # an exception that cannot cross the pipe: said in a RuntimeError
        with pytest.raises(RuntimeError, match="Unpicklable: odd"):
            workers.receive(0)
        workers.send(0, ("fail", "quiet"), reply=False)  # raised by the next answer asked for
        workers.send(0, ("echo", 1))
        with pytest.raises(ValueError, match="quiet"):
            workers.receive(0)
        workers.send(0, ("echo", 2))
        assert workers.receive(0) == 2  # and the worker goes on


def test_a_worker_that_dies_is_said_to_have_died() -> None:
    with forked.Forked(1, _handler) as workers:
        workers.send(0, ("pid",))
        pid = workers.receive(0)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(forked.WorkerDied, match="exit code -9"):
            workers.send(0, ("echo", 1))
            workers.receive(0)


def test_an_error_here_ends_the_workers_at_once() -> None:
    with pytest.raises(KeyboardInterrupt), forked.Forked(2, _handler) as workers:
        pids = []
        for w in range(2):
            workers.send(w, ("pid",))
            pids.append(workers.receive(w))
        workers.send(0, ("sleep", 60))  # busy: ended, not waited for
        raise KeyboardInterrupt
    assert all(_gone(pid, within=3) for pid in pids)


def test_workers_ignore_ctrl_c_and_wait_for_their_report() -> None:
    with forked.Forked(1, _handler) as workers:
        workers.send(0, ("pid",))
        pid = workers.receive(0)
        os.kill(pid, signal.SIGINT)  # what the terminal sends the whole group
        workers.send(0, ("echo", "still here"))
        assert workers.receive(0) == "still here"


def test_workers_end_when_their_report_process_dies(tmp_path: Path) -> None:
    """Killed outright (no cleanup runs), the report's process leaves its workers reading the end of
    their pipes: they exit, idle or busy."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_forked import _handler
        from phonehome.report import forked
        workers = forked.Forked(2, _handler)
        pids = []
        for w in range(2):
            workers.send(w, ("pid",))
            pids.append(workers.receive(w))
        workers.send(1, ("sleep", 1))
        print(*pids, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2 and all(_gone(pid) for pid in pids)


def test_close_is_idempotent_and_a_worker_that_will_not_stop_is_killed(monkeypatch: Any) -> None:
    monkeypatch.setattr(forked, "JOIN_SECONDS", 0.5)
    workers = forked.Forked(1, _handler)
    workers.send(0, ("pid",))
    pid = workers.receive(0)
    workers.send(0, ("sleep", 60))
    started = time.monotonic()
    workers.close()  # told to stop after its sleep: killed past JOIN_SECONDS
    assert time.monotonic() - started < 10 and _gone(pid)
    workers.close()
    workers.abort()
    assert len(workers) == 0
