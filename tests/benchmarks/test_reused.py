"""benchmarks/_reused.py: the replay it times stores what a replay stores, classifying each distinct
request once (docs/performance.md, the floor of a dense replay)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from benchmarks._common import synthetic_har

ROOT = Path(__file__).resolve().parents[2]
# What a finding and a flow are, without the ids and fingerprints two stores give them apart.
FINDINGS = """SELECT fl.time, fl.url, f.category, f.kind, f.value, f.location, f.path, f.encodings, f.confidence,
                     f.source, f.detector, f.hashed, f.evidence
              FROM findings f JOIN flows fl ON f.flow_id = fl.id ORDER BY 1, 2, 3, 4, 5, 6, 7"""
FLOWS = "SELECT time, url, method, status, notes, app, app_evidence, findings, tls FROM flows ORDER BY 1, 2"


def _stored(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(FLOWS).fetchall(), conn.execute(FINDINGS).fetchall()


def test_analyses_reused_store_what_a_replay_stores(tmp_path: Path) -> None:
    har = synthetic_har(tmp_path / "dense.har", 150)  # the sample's 50 requests, three times each
    plain = subprocess.run(
        [sys.executable, "-m", "phonehome.cli.main", "replay", str(har), "--db", str(tmp_path / "plain.db"),
         "--workers", "0"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    reused = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "_reused.py"), "replay", str(har), "--db",
         str(tmp_path / "reused.db"), "--workers", "0"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert (plain.returncode, reused.returncode) == (0, 0), plain.stderr[-500:] + reused.stderr[-500:]
    assert "reused: 150 flows, 50 classified" in reused.stderr
    flows, findings = _stored(tmp_path / "plain.db")
    assert len(flows) == 150 and len(findings) > 150
    assert _stored(tmp_path / "reused.db") == (flows, findings)
