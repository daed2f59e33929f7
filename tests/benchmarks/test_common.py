"""benchmarks/_common.py's launcher: a command's peak RSS is its own, not that of the benchmark that
started it (docs/performance.md, a child's peak RSS)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks._common import launched, read_launched

# A parent this much bigger than a bare interpreter (about 10-15 MB) makes the difference plain.
HELD_MB = 160
SELF_PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"


def _held() -> bytearray:
    held = bytearray(HELD_MB << 20)
    for i in range(0, len(held), 4096):  # touched: resident, not only reserved
        held[i] = 1
    return held


@pytest.mark.skipif(
    sys.platform != "linux", reason="the kernel's carrying of the peak across execve is Linux's"
)
def test_a_command_started_by_the_launcher_is_measured_alone(tmp_path: Path) -> None:
    held = _held()
    # Started directly, a bare interpreter reports this process's peak as its own...
    direct = int(subprocess.run([sys.executable, "-c", SELF_PEAK], capture_output=True, text=True).stdout)
    assert direct >= HELD_MB
    # ...through the launcher, what it used: a bare interpreter's few MB.
    report = tmp_path / "launched"
    started = time.monotonic()
    done = subprocess.run(launched([sys.executable, "-c", "pass"], report), check=False)
    ended = time.monotonic()
    assert done.returncode == 0
    measured = read_launched(report)
    assert measured.peak_rss_mb < HELD_MB / 4
    assert started <= measured.started <= measured.ended <= ended
    del held


def test_the_launcher_passes_the_exit_status_and_output_on(tmp_path: Path) -> None:
    report = tmp_path / "launched"
    done = subprocess.run(
        launched([sys.executable, "-c", "print('out'); raise SystemExit(3)"], report),
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (3, "out\n")
    assert read_launched(report).seconds > 0


def test_a_launcher_told_to_stop_kills_its_command_and_still_reports(tmp_path: Path) -> None:
    report = tmp_path / "launched"
    proc = subprocess.Popen(launched([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"],
                                     report), stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == "up\n"
    proc.terminate()
    assert proc.wait(timeout=20) == -signal.SIGKILL
    assert read_launched(report).seconds < 30
