"""Start-up: how long `phonehome` takes before it does anything, for the commands people run most.

    python benchmarks/startup.py [--runs 7] [--no-bytecode] [--tree DIR] [--imports]

Each command runs in a fresh interpreter, timed with `time.perf_counter` around `subprocess.run`,
best of `--runs`: `phonehome --help`, `phonehome findings --help`, `phonehome findings --db <the
demo's database> --format jsonl` (a small database: the demo's 17 flows), `phonehome lookup
example.com`, beside `python -c pass` as the floor. Prints one summary line: the best wall time of
each and, in brackets, its least CPU time (user + system), which a busy machine moves less.

Bytecode: by default the runs keep compiled modules in a temporary folder (`PYTHONPYCACHEPREFIX`)
after one warm-up run, as an installed copy has them; `--no-bytecode` compiles phonehome's modules
on every run (`PYTHONDONTWRITEBYTECODE`, as in some CI containers). `--tree DIR` measures another
checkout (say `git archive <commit> | tar -x -C DIR`) laid out as the package installs;
`--imports` adds, per command, the modules that cost most as `python -X importtime` reports them.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def entry(root: Path) -> str:
    """What the `phonehome` console script of the tree at `root` does (pyproject's [project.scripts])."""
    target = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]["phonehome"]
    module, func = target.split(":")
    return f"import sys; from {module} import {func}; sys.argv[0] = 'phonehome'; {func}()"


def link_tree(root: Path, dest: Path) -> None:
    """`dest/phonehome` as the wheel lays it out, as links into the checkout at `root`."""
    package_dir = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    top = dest / "phonehome"
    top.mkdir()
    for entry in (root / "phonehome").iterdir():
        if entry.name != "__pycache__":
            (top / entry.name).symlink_to(entry.resolve())
    for name, folder in package_dir.items():
        target = dest.joinpath(*name.split("."))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to((root / folder).resolve())


def best(cmd: list[str], env: dict[str, str], cwd: str, runs: int) -> tuple[float, float]:
    """The shortest wall time and the least CPU time of `runs` runs, in seconds."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return min(walls), min(cpus)


def heaviest(cmd: list[str], env: dict[str, str], cwd: str, top: int = 6) -> str:
    """The top-level imports that cost most (cumulative), from `python -X importtime`."""
    argv = [cmd[0], "-X", "importtime", *cmd[1:]]
    err = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=True).stderr
    found = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "| cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        if not name.startswith("  "):  # imported by the script itself, not by another module
            found.append((int(cumulative), name.strip()))
    found.sort(reverse=True)
    return ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in found[:top])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true", help="compile phonehome's modules on every run")
    parser.add_argument("--tree", type=Path, help="measure this checkout instead of the installed one")
    parser.add_argument("--imports", action="store_true", help="also list the costliest imports per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phonehome-startup-") as tmp:
        unset = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
        env = {k: v for k, v in os.environ.items() if k not in unset}
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        if args.tree:
            layout = Path(tmp) / "site"
            layout.mkdir()
            link_tree(args.tree.resolve(), layout)
            env["PYTHONPATH"] = str(layout)  # before the editable install's finder
        # Every run starts in the temporary folder: in the checkout, `-c` would find ./phonehome first.
        db = str(Path(tmp) / "demo.db")
        phonehome = [sys.executable, "-c", entry((args.tree or ROOT).resolve())]
        subprocess.run([*phonehome, "demo", "--db", db], env=env, cwd=tmp, check=True, capture_output=True)
        cases = {
            "--help": ["--help"],
            "findings --help": ["findings", "--help"],
            "findings --db (demo, jsonl)": ["findings", "--db", db, "--format", "jsonl"],
            "lookup example.com": ["lookup", "example.com"],
        }
        floor = best([sys.executable, "-c", "pass"], env, tmp, args.runs)
        timed = {}
        for name, argv in cases.items():
            best([*phonehome, *argv], env, tmp, 1)  # warm-up: bytecode written, files in the page cache
            timed[name] = best([*phonehome, *argv], env, tmp, args.runs)
        bytecode = "compiled every run" if args.no_bytecode else "bytecode cached"
        where = f", tree {args.tree}" if args.tree else ""
        shown = [f"phonehome {name} {wall:.2f} s ({cpu:.2f})" for name, (wall, cpu) in timed.items()]
        print(
            f"startup: {', '.join(shown)}; python -c pass {floor[0]:.2f} s ({floor[1]:.2f}) "
            f"(wall, best of {args.runs}; CPU in brackets; {bytecode}{where})"
        )
        if args.imports:
            for name, argv in cases.items():
                print(f"  {name}: {heaviest([*phonehome, *argv], env, tmp)}")


if __name__ == "__main__":
    main()
