#!/usr/bin/env python3
"""Type-check the package as it installs: `python tools/typecheck.py [mypy options]`.

mypy names a module after the folders it sits in, so checking `classifiers/` in the checkout
would call it `classifiers.model` while the code imports `phonehome.classifiers.model`, and the
two would be different modules to it.  This script lays out the installed tree as symlinks in a
temporary folder (from pyproject.toml's package-dir) and runs `mypy -p phonehome` there, with the
project's mypy settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def link_tree(dest: Path) -> Path:
    """`dest/phonehome` holding the package's files as the wheel would, as links into the checkout."""
    package_dir = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    top = dest / "phonehome"
    top.mkdir()
    for entry in (ROOT / "phonehome").iterdir():
        if entry.name != "__pycache__":
            (top / entry.name).symlink_to(entry)
    for name, folder in package_dir.items():
        parts = name.split(".")
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(ROOT / folder)
    return top


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="phonehome-typecheck-") as tmp:
        link_tree(Path(tmp))
        cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "-p", "phonehome"]
        env = {**os.environ, "MYPYPATH": tmp}
        return subprocess.run([*cmd, *argv], cwd=tmp, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
