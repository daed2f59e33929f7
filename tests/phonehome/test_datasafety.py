"""phonehome.datasafety: kinds as app-store data types, and declarations read strictly."""

from __future__ import annotations

from pathlib import Path

import pytest
from phonehome.classifiers.model import Kind

from phonehome.datasafety import APPLE_TYPES, DATA_TYPES, PLAY_TYPES, DeclaredError, load_declared


def test_every_kind_maps_to_both_stores() -> None:
    assert set(DATA_TYPES) == {k.value for k in Kind}
    for play, apple in DATA_TYPES.values():
        assert play in PLAY_TYPES and apple in APPLE_TYPES


def test_specific_mappings() -> None:
    assert DATA_TYPES["advertising_id"] == ("Device or other IDs", "Device ID")
    assert DATA_TYPES["coordinates"] == ("Precise location", "Precise Location")
    assert DATA_TYPES["visited_url"] == ("Web browsing history", "Browsing History")


def test_toml_and_json_declarations(tmp_path: Path) -> None:
    toml = tmp_path / "d.toml"
    toml.write_text(
        '[[declared]]\nwho = "Xiaomi"\ndata_types = ["Device or other IDs", "precise location"]\n'
    )
    (d,) = load_declared(toml)
    assert d.who == "Xiaomi" and d.covers("imei") and d.covers("coordinates") and not d.covers("visited_url")
    js = tmp_path / "d.json"
    js.write_text('{"declared": [{"who": "com.example.app", "data_types": ["Browsing History"]}]}')
    (d,) = load_declared(js)
    assert d.covers("visited_url") and not d.covers("imei")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("who = 1", "expected a list named 'declared'"),
        ("[[declared]]\ndata_types = []", "needs a 'who'"),
        ('[[declared]]\nwho = "x"\ndata_types = ["Mind reading"]', "unknown data type 'Mind reading'"),
        ('[[declared]]\nwho = "x"\ndata_types = "Device ID"', "must be a list"),
        ("[[declared", "not valid TOML"),
    ],
)
def test_bad_declarations_are_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "d.toml"
    path.write_text(content)
    with pytest.raises(DeclaredError, match=message):
        load_declared(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DeclaredError, match="--declared"):
        load_declared(tmp_path / "nope.toml")
