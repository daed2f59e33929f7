"""tools/typecheck.py: the installed layout, laid out as links so mypy names modules as they import."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("typecheck", ROOT / "tools" / "typecheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_link_tree_maps_every_folder_into_the_namespace(tmp_path: Path) -> None:
    top = _load().link_tree(tmp_path)
    assert (top / "classifiers" / "model.py").resolve() == ROOT / "classifiers" / "model.py"
    assert (top / "db" / "store.py").resolve() == ROOT / "db" / "store.py"
    assert (top / "addons" / "capture.py").resolve() == ROOT / "addons" / "capture.py"
    assert (top / "pipeline.py").resolve() == ROOT / "phonehome" / "pipeline.py"
    # Nothing of the repository's other folders is laid out as part of the package.
    assert not (tmp_path / "classifiers").exists() and not (top / "tests").exists()
