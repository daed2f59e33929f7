"""Imports point one way: classifiers <- db <- the application library <- addons <- the CLI.

Every module of the installed package is read as source (nothing is imported), so a lower layer
reaching up, an old top-level name (`import db`), or mitmproxy / SQLAlchemy / the network inside
the classifiers fails here, wherever the import hides (inside a function too).  The order and
its reasons are in docs/architecture.md.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first: a module may import its own layer and the layers before it.
LAYERS = ("classifiers", "db", "library", "addons", "cli")

# Inside the classifiers: decoding and placing know only the model; detectors may use the
# destinations' domain helpers but never decode anything themselves (decode once); the registry
# at the top wires them all.
CLASSIFIER_ROOMS: dict[str, frozenset[str]] = {
    "model": frozenset({"model"}),
    "decode": frozenset({"model", "decode"}),
    "destinations": frozenset({"model", "destinations"}),
    "detect": frozenset({"model", "detect", "destinations"}),
    "registry": frozenset({"model", "decode", "detect", "destinations", "registry"}),
}

# What the pure analysis never touches: the proxy, the database, the network.
CLASSIFIERS_NEVER = (
    "mitmproxy", "sqlalchemy", "alembic", "socket", "ssl", "asyncio", "http.client", "urllib.request",
    "requests", "httpx", "aiohttp", "urllib3", "ftplib", "smtplib", "dns",
)  # fmt: skip

# Folder names that exist only in the repository: importing them means the namespace was bypassed.
NOT_MODULES = ("classifiers", "db", "addons", "examples", "tools", "benchmarks")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. phonehome.db.store
    target: str  # what it imports, absolute, e.g. phonehome.classifiers.model
    line: int
    top_level: bool  # at module level (runs on import) rather than inside a function


def package_dirs() -> dict[str, Path]:
    """The installed package names and the repository folders they come from (pyproject.toml)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = {name: ROOT / folder for name, folder in config["package-dir"].items()}
    mapping.setdefault("phonehome", ROOT / "phonehome")
    return mapping


def modules() -> Iterator[tuple[str, Path]]:
    """Every module of the package, by its installed name."""
    dirs = package_dirs()
    for package, folder in dirs.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("")
            # A folder mapped to a package of its own is walked under that name, not this one.
            if any(
                other != package and other.startswith(package + ".") and path.is_relative_to(f)
                for other, f in dirs.items()
            ):
                continue
            parts = [p for p in rel.parts if p != "__init__"]
            yield ".".join([package, *parts]), path


def imports_of(module: str, source: str, is_package: bool = False) -> Iterator[Import]:
    tree = ast.parse(source)
    top = {id(node) for node in tree.body}
    # Imports under `if TYPE_CHECKING:` never run; they still may not point the wrong way.
    for node in tree.body:
        if isinstance(node, ast.If):
            top.update(id(child) for child in node.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno, id(node) in top)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for target in targets:
                yield Import(module, target, node.lineno, id(node) in top)


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "phonehome":
        return None
    if len(parts) == 1:
        return "library"
    room = parts[1]
    if room in ("classifiers", "db", "addons", "cli"):
        return room
    if room == "examples":
        return "examples"
    return "library"


def _is(target: str, name: str) -> bool:
    return target == name or target.startswith(name + ".")


def violations(found: list[Import]) -> list[str]:
    """Every import that breaks the layer rules."""
    problems = []
    for imp in found:
        where = f"{imp.module}:{imp.line} imports {imp.target}"
        first = imp.target.split(".")[0]
        if first in NOT_MODULES:
            problems.append(f"{where}: a repository folder, not a module; use phonehome.{imp.target}")
            continue
        importer, imported = layer_of(imp.module), layer_of(imp.target)
        if importer == "examples" and imported is not None:
            problems.append(f"{where}: the bundled sample stands alone")
        if importer is None or imported is None or imported == "examples":
            if importer == "classifiers" and any(_is(imp.target, n) for n in CLASSIFIERS_NEVER):
                problems.append(f"{where}: classifiers never use the proxy, the database or the network")
            if importer in ("classifiers", "db") and _is(imp.target, "mitmproxy"):
                problems.append(f"{where}: only addons (and the capture command) import mitmproxy")
            if importer == "cli" and _is(imp.target, "mitmproxy") and imp.top_level:
                problems.append(f"{where}: mitmproxy is imported only inside the capture command")
            continue
        if LAYERS.index(imported) > LAYERS.index(importer):
            problems.append(f"{where}: {importer} may not import {imported} (order: {' <- '.join(LAYERS)})")
        if importer == "cli" and imported == "addons":
            if imp.top_level or not imp.module.endswith(".capture"):
                problems.append(f"{where}: the CLI reaches the addon only inside the capture command")
        if importer == "classifiers" and imported == "classifiers":
            mine, theirs = _room(imp.module), _room(imp.target)
            if mine and theirs and theirs not in CLASSIFIER_ROOMS[mine]:
                problems.append(f"{where}: classifiers.{mine} may not import classifiers.{theirs}")
    return problems


def _room(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 3:
        return None  # phonehome.classifiers itself
    return parts[2] if parts[2] in CLASSIFIER_ROOMS else None


def _all_imports() -> tuple[list[Import], set[str]]:
    found: list[Import] = []
    names = set()
    for module, path in modules():
        names.add(module)
        found.extend(imports_of(module, path.read_text(), path.name == "__init__.py"))
    return found, names


def test_the_package_has_the_expected_rooms() -> None:
    _, names = _all_imports()
    for module in (
        "phonehome.classifiers.model",
        "phonehome.classifiers.registry",
        "phonehome.classifiers.decode",
        "phonehome.classifiers.detect",
        "phonehome.classifiers.destinations",
        "phonehome.db.store",
        "phonehome.addons.capture",
        "phonehome.cli",
        "phonehome.pipeline",
    ):
        assert module in names
    assert not [n for n in names if layer_of(n) is None]


def test_imports_point_one_way() -> None:
    found, names = _all_imports()
    assert len(found) > 300  # the walk really read the package
    assert violations(found) == []


@pytest.mark.parametrize(
    ("module", "source", "complaint"),
    [
        ("phonehome.db.store", "from phonehome.pipeline import replay", "db may not import library"),
        ("phonehome.pipeline", "from phonehome.addons import capture", "library may not import addons"),
        ("phonehome.classifiers.model", "import phonehome.db.models", "classifiers may not import db"),
        ("phonehome.addons.capture", "from phonehome.cli.main import main", "addons may not import cli"),
        ("phonehome.report.html", "from db import queries", "a repository folder, not a module"),
        ("phonehome.classifiers.decode.walker", "def f():\n    import socket", "never use the proxy"),
        ("phonehome.classifiers.detect.apps", "import sqlalchemy", "never use the proxy"),
        (
            "phonehome.classifiers.detect.apps",
            "from ..decode import walker",
            "may not import classifiers.decode",
        ),
        ("phonehome.db.store", "import mitmproxy.http", "only addons"),
        (
            "phonehome.cli.query",
            "def f():\n    from phonehome.addons import embed",
            "only inside the capture",
        ),
        ("phonehome.cli.capture", "from phonehome.addons import embed", "only inside the capture"),
        ("phonehome.cli.main", "import mitmproxy", "only inside the capture command"),
    ],
)
def test_the_check_catches(module: str, source: str, complaint: str) -> None:
    found = list(imports_of(module, source))
    problems = violations(found)
    assert problems and complaint in problems[0], problems


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("phonehome.cli.capture", "def capture():\n    from phonehome.addons.embed import run_capture"),
        ("phonehome.addons.capture", "from phonehome.pipeline import make_analyzer"),
        ("phonehome.classifiers.detect.browsing", "from ..destinations.domains import same_site"),
        ("phonehome.classifiers.registry", "from phonehome.classifiers.decode import request"),
        ("phonehome.db.store", "from phonehome.classifiers.model import Exchange\nimport sqlalchemy"),
    ],
)
def test_the_check_allows(module: str, source: str) -> None:
    assert violations(list(imports_of(module, source))) == []


# -- what a command loads before its work: start-up ------------------------------------------------------
#
# Each case runs the CLI in a fresh interpreter (this test process has imported everything already)
# and reads sys.modules afterwards. Start-up time follows from what is imported; the time itself is
# measured by benchmarks/startup.py, not here (the machines are shared and noisy).

PROXY = ("mitmproxy", "phonehome.addons")
DATABASE = ("sqlalchemy", "alembic", "phonehome.db")
DETECTORS = ("phonehome.classifiers.registry", "phonehome.classifiers.decode", "phonehome.classifiers.detect",
             "phonenumbers")  # fmt: skip
GEO = ("geoip2", "maxminddb", "tldextract", "pycountry")
COMMAND_MODULES = tuple(
    f"phonehome.cli.{name}" for name in ("common", "capture", "replay", "query", "report", "setup")
)
LOOK = PROXY + DATABASE + DETECTORS + GEO + ("rich",)

# The command line (DB: a small database holding the demo), and what it must not have imported.
STARTUP = {
    "--help": (*LOOK, *COMMAND_MODULES, "phonehome.classifiers"),
    "findings --help": LOOK,
    "lookup --help": LOOK,
    "capture --help": PROXY,
    "report --help": PROXY,
    "lookup example.com": PROXY + DATABASE + DETECTORS,
    "findings --db DB --format jsonl": (*PROXY, "alembic", "sqlalchemy.orm", *DETECTORS, *GEO, "rich"),
    "sessions --db DB --format jsonl": (*PROXY, "alembic", "sqlalchemy.orm", *DETECTORS, *GEO, "rich"),
}

RUN_CLI = """
import json, sys
out = sys.argv[1]
sys.argv = ["phonehome", *sys.argv[2:]]
from phonehome.cli.main import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(out, "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""


def _run_cli(args: list[str], folder: Path) -> tuple[dict[str, Any], str]:
    """`phonehome ARGS` in a fresh interpreter started in `folder`: its exit code and modules."""
    out = folder / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUN_CLI, str(out), *args], capture_output=True, text=True, timeout=120,
        cwd=folder,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(out.read_text()), result.stdout + result.stderr


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    # Made by the same code the commands below run (a fresh interpreter), not by this test process.
    folder = tmp_path_factory.mktemp("startup")
    db = str(folder / "demo.db")
    ran, output = _run_cli(["demo", "--db", db], folder)
    assert ran["code"] == 0, output
    return db


@pytest.mark.parametrize("command", sorted(STARTUP))
def test_a_command_imports_only_what_it_needs(command: str, small_db: str, tmp_path: Path) -> None:
    ran, output = _run_cli([small_db if a == "DB" else a for a in command.split()], tmp_path)
    assert ran["code"] == 0, output
    loaded = [m for m in ran["modules"] if any(_is(m, name) for name in STARTUP[command])]
    assert loaded == [], (
        f"phonehome {command} imported {sorted({m.split('.')[0] for m in loaded})}: {loaded[:8]}"
    )
