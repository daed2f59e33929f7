"""tools/screenshots.py: the pictures of the report in docs/img/ show the report phonehome makes now.

The check cannot flake on fonts or on the Chromium of the machine: the script keeps the SHA-256 of
the exact HTML it shot, the demo's report has no clock in it, and this test rebuilds it and compares.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "screenshots.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_screenshots_show_the_current_report() -> None:
    shots = _load()
    recorded = shots.HASH_FILE.read_text().split()[0]
    assert shots.digest(shots.demo_html()) == recorded, "the report changed: run python tools/screenshots.py"
    for name, _, _ in shots.SHOTS:
        data = (shots.IMG / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 400_000, name


def test_the_demo_report_has_no_clock_and_no_hash_order() -> None:
    """Two fresh interpreters with different hash seeds make the same bytes."""
    code = f"import runpy; m = runpy.run_path({str(SCRIPT)!r}); print(m['digest'](m['demo_html']()))"
    digests = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout.strip()
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(digests) == 1 and len(next(iter(digests))) == 64, digests
