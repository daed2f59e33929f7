"""db/preload.py: the fork server builds the classifiers' tables once and freezes them, so the
classifier processes share those pages instead of each building its own copy."""

from __future__ import annotations

import subprocess
import sys

from phonehome.db.workers import PRELOAD, WRITER_PRELOAD


def test_the_fork_server_loads_it_first() -> None:
    assert PRELOAD[0] == WRITER_PRELOAD[0] == "phonehome.db.preload"


def test_importing_it_builds_the_tables_and_freezes_them() -> None:
    code = (
        "import gc\n"
        "assert gc.get_freeze_count() == 0\n"
        "import phonehome.db.preload\n"
        "from phonehome.classifiers.destinations.entities import entity_map\n"
        "from phonehome.classifiers.destinations.domains import _extractor\n"
        "assert entity_map.cache_info().currsize == 1 and _extractor.cache_info().currsize == 1\n"
        "print(gc.get_freeze_count())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert int(out.stdout) > 10_000  # the classifiers' objects, kept out of the children's collections
