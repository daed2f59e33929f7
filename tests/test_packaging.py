"""What `pip install` puts on a user's machine: one `phonehome` namespace and nothing else.

Generic top-level names (`db`, `addons`, `classifiers`) would collide with other distributions;
the repository keeps its folders and maps them into `phonehome.` (pyproject.toml, package-dir).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.test_layers import modules

ROOT = Path(__file__).resolve().parents[1]


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_the_only_top_level_package_is_phonehome(wheel: Path) -> None:
    tops = {name.split("/")[0] for name in _names(wheel)}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"phonehome"}
    top_level = [n for n in _names(wheel) if n.endswith("top_level.txt")]
    if top_level:  # setuptools writes it for some builds
        with zipfile.ZipFile(wheel) as zf:
            assert zf.read(top_level[0]).decode().split() == ["phonehome"]


def test_every_module_and_the_shipped_data_are_in_the_wheel(wheel: Path) -> None:
    names = set(_names(wheel))
    for module, path in modules():
        as_file = module.replace(".", "/") + ("/__init__.py" if path.name == "__init__.py" else ".py")
        assert as_file in names, f"{module} ({path.relative_to(ROOT)}) is not installed"
    for data in ("classifiers/data/geo-country.mmdb", "classifiers/data/entities.toml",
                 "classifiers/data/ATTRIBUTION.md", "db/migrations/versions/0001_first_schema.py",
                 "db/migrations/script.py.mako", "examples/phone-session.har", "addons/phonehome.py"):  # fmt: skip
        assert f"phonehome/{data}" in names


def test_maintainer_tools_and_tests_are_not_installed(wheel: Path) -> None:
    names = _names(wheel)
    assert not [n for n in names if "make_geodata" in n or n.startswith(("tools/", "tests/"))]
    assert not [n for n in names if "/tests/" in n or "benchmarks" in n]


def _env(site: Path) -> dict[str, str]:
    # The unpacked copy first on the path: it, not the checkout, provides `phonehome`.
    return {**os.environ, "PYTHONPATH": str(site)}


def test_the_installed_copy_works_on_its_own(installed_copy: Path, tmp_path: Path) -> None:
    code = (
        "import phonehome.cli.main, phonehome.classifiers.registry as r, phonehome.db.store as s, sys\n"
        "from phonehome.classifiers.destinations.place import Destinations\n"
        "from phonehome.classifiers.model import Exchange\n"
        "print(r.__file__); print(s.__file__)\n"
        "d = Destinations().of('data.mistat.intl.xiaomi.com', '8.8.8.8')\n"
        "print(d.entity, d.country)\n"
        "store = s.Store(sys.argv[1], create=True); store.dispose()\n"
        "import datetime as dt\n"
        "a = r.analyze(Exchange(dt.datetime.now(dt.UTC), 'GET', 'https://x.example/a?imei=490154203237518'))\n"
        "print(sorted(f.kind.value for f in a.findings))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "x.db")],
        cwd=tmp_path, env=_env(installed_copy), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    registry, store, place, kinds = result.stdout.splitlines()
    assert Path(registry).is_relative_to(installed_copy) and Path(store).is_relative_to(installed_copy)
    assert place.startswith("Xiaomi") and kinds == "['imei']"


def test_mitmdump_loads_the_installed_script(installed_copy: Path, tmp_path: Path) -> None:
    """`mitmdump -s <site-packages>/phonehome/addons/phonehome.py` records flows as the checkout's does."""
    from mitmproxy import io
    from mitmproxy.test import tflow

    flows = tmp_path / "one.flows"
    flow = tflow.tflow(resp=True)
    flow.request.url = "http://example.com/s?imei=490154203237518"
    with flows.open("wb") as fh:
        io.FlowWriter(fh).add(flow)
    db = tmp_path / "x.db"
    script = installed_copy / "phonehome" / "addons" / "phonehome.py"
    mitmdump = Path(sys.executable).with_name("mitmdump")
    result = subprocess.run(
        [str(mitmdump), "-n", "-q", "-r", str(flows), "-s", str(script), "--set", f"phonehome_db={db}"],
        cwd=tmp_path, env=_env(installed_copy), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    from phonehome.db.queries import Filters, findings
    from phonehome.db.store import Store

    store = Store(str(db), create=False)
    try:
        assert [(f["kind"], f["value"]) for f in findings(store, Filters())] == [("imei", "490154203237518")]
    finally:
        store.dispose()
