"""phonehome.letter: what a company received, counted from a stored capture, and the letter that asks it
what it holds; every captured string escaped, values masked unless named."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonehome.classifiers.destinations.entities import EntityMap, entity_map
from phonehome.db.store import Store

from phonehome.letter import (
    KindSeen,
    Received,
    Shown,
    UnknownCompany,
    closest_names,
    find_company,
    gather,
    render,
)
from tests.phonehome.cli._run import run

GAID = "3f6c1e2a-9b7d-4c58-a1e3-6d2f0b9c8a47"  # the demo's advertising ID


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The bundled demo capture, replayed into SQLite once for this module."""
    path = tmp_path_factory.mktemp("letter") / "demo.db"
    code, _, err = run("demo", "--db", str(path))
    assert code == 0, err
    store = Store(str(path), create=False)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def emap() -> EntityMap:
    return entity_map()


def test_find_company_by_name_legal_name_id_or_domain(emap: EntityMap) -> None:
    assert find_company(emap, "google") == (emap.entities["google"], None)
    assert find_company(emap, "Meta Platforms, Inc.")[0].id == "meta"
    assert find_company(emap, "facebook") == (emap.entities["meta"], "facebook.com")
    assert find_company(emap, "graph.facebook.com")[0].id == "meta"
    with pytest.raises(UnknownCompany) as exc:
        find_company(emap, "Gogle")
    assert "Google" in exc.value.closest
    assert closest_names(emap, "zzzzqqq") == []


def test_gather_counts_what_google_received(demo: Store, emap: EntityMap) -> None:
    got = gather(demo, emap, emap.entities["google"])
    assert got.sessions == ["demo"] and got.devices == ["demo"]
    assert got.first == "2026-11-20T08:00:00Z" and got.first <= got.last
    assert got.flows == sum(got.hosts.values()) > 0
    assert all(emap.match(h).entity.id == "google" for h in got.hosts)  # type: ignore[union-attr]
    ad = got.kinds["advertising_id"]
    assert list(ad.values) == [GAID]
    assert ad.count == 4 and ad.first < ad.last
    assert set(ad.hosts) == {"app-measurement.com", "googleads.g.doubleclick.net"}
    assert set(ad.where) == {"body", "query"}
    assert "protobuf" in ad.encodings and "plain" in ad.encodings
    assert ad.examples and all(x["url"].startswith("https://") for x in ad.examples)
    assert got.findings == sum(k.count for k in got.kinds.values())
    assert got.by_entity["google"] == got.findings


def test_subsidiaries_only_when_asked(demo: Store, emap: EntityMap) -> None:
    alone = gather(demo, emap, emap.entities["bytedance"])
    assert not alone.kinds and list(alone.left_out) == ["Pangle"]
    both = gather(demo, emap, emap.entities["bytedance"], with_subsidiaries=True)
    assert both.kinds and not both.left_out
    assert both.by_entity["pangle"] == both.findings == alone.left_out["Pangle"]
    text = render(both, fmt="text", today=date(2026, 12, 1))
    assert "ByteDance Ltd.'s subsidiary Bytedance Pte. Ltd." in text
    assert "Tokopedia" not in text  # covered, but it received nothing


def test_nothing_received_and_scope(demo: Store, emap: EntityMap) -> None:
    assert not gather(demo, emap, emap.entities["tencent"]).kinds
    assert not gather(demo, emap, emap.entities["google"], device="someone else").kinds


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_gdpr_letter(demo: Store, emap: EntityMap, fmt: str) -> None:
    text = render(gather(demo, emap, emap.entities["google"]), fmt=fmt, today=date(2026, 12, 1))
    assert "2026-12-01" in text
    assert "Article 15" in text and "15(1)(h)" in text and "one month" in text
    assert "2026-11-20 08:00:00 UTC" in text  # the capture period, to the second, the zone named
    assert "Your name" in text and "Your postal address" in text and "Proof of identity" in text
    assert "https://policies.google.com/privacy" in text  # the contact from the entity map
    assert GAID not in text and "3f" in text  # masked by default
    assert "advertising ID: sent 4 times" in text
    if fmt == "markdown":
        assert "\\[Your name\\]" in text and "## Evidence summary" in text
    else:
        assert "[Your name]" in text and "\\[" not in text


def test_ccpa_letter(demo: Store, emap: EntityMap) -> None:
    text = render(
        gather(demo, emap, emap.entities["google"]), law="ccpa", fmt="text", today=date(2026, 12, 1)
    )
    assert "1798.110" in text and "1798.115" in text and "45 days" in text
    assert "specific pieces of personal information" in text
    assert "Article 15" not in text


def test_include_a_kind_or_a_value(demo: Store, emap: EntityMap) -> None:
    got = gather(demo, emap, emap.entities["google"])
    by_kind = render(got, shown=Shown.of(["advertising_id"]), today=date(2026, 12, 1))
    assert GAID in by_kind
    by_value = render(got, shown=Shown.of([GAID]), fmt="text", today=date(2026, 12, 1))
    assert GAID in by_value
    assert "23021RAAEG" in by_value  # the phone model: not an identifier, never masked
    assert Shown.of(["advertising_id", "nope", "imei"]).unmatched(got) == ["imei", "nope"]


def test_contact_unknown_leaves_a_placeholder(demo: Store, emap: EntityMap) -> None:
    text = render(gather(demo, emap, emap.entities["appsflyer"]), fmt="text")
    assert "[the company's postal address: phonehome does not know it]" in text
    assert "phonehome has no privacy contact for AppsFlyer" in text
    adjust = render(gather(demo, emap, emap.entities["adjust"]), fmt="text")
    assert "privacy@adjust.com" in adjust and "10405 Berlin" in adjust


# -- hostile captured strings ----------------------------------------------------------------------------

_HOSTILE = st.lists(
    st.sampled_from(
        list("a1-.:/?=&<>[]()*_`|~\\#!\"' \n\r\t\x1b\x07\x00\u202e\u2066") + ["](http://x)", "<script>"]
    ),
    min_size=1,
    max_size=20,
).map("".join)


def _received(value: str, host: str, path: str, device: str, kind: str = "imei", wrap: str = "") -> Received:
    emap = entity_map()
    company = emap.entities["google"]
    seen = KindSeen(kind, "identifier")
    flow = {"flow_id": 1, "method": "GET", "url": f"https://{host}/x?{path}={value}"}
    seen.add("2026-01-01T00:00:00Z", host, "query", path, ["base64", wrap or value], None, value, flow)
    got = Received(company, [company], None, None, sessions=[device], devices=[device],
                   first="2026-01-01T00:00:00Z", last="2026-01-01T00:00:01Z", flows=1)  # fmt: skip
    got.hosts[host] += 1
    got.kinds[kind] = seen
    got.by_entity["google"] = 1
    return got


# Characters Markdown would read as syntax; our own prose uses none of them unescaped.
_MD_SPECIAL = re.compile(r"(?<!\\)[`*_\[\]|~<>]")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_HOSTILE, host=_HOSTILE, path=_HOSTILE, device=_HOSTILE)
def test_hostile_strings_are_escaped(value: str, host: str, path: str, device: str) -> None:
    got = _received(value, host, path, device)
    for shown in (Shown(), Shown.of(["imei"])):
        markdown = render(got, fmt="markdown", shown=shown, today=date(2026, 1, 2))
        text = render(got, fmt="text", shown=shown, today=date(2026, 1, 2))
        for out in (markdown, text):
            assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\u202e\u2066]", out), repr(out)
        # Unescaped Markdown syntax only where we wrote it ("- " list items, "---", "## ").
        stripped = re.sub(r"\\\\", "", markdown)
        assert not _MD_SPECIAL.search(stripped), repr(markdown)
        assert "&lt;" in markdown or "<" not in value + host + path + device


@settings(max_examples=50, deadline=None)
@given(secret=st.text(alphabet="abcdefghXYZ0123456789", min_size=8, max_size=20))
def test_passwords_never_shown(secret: str) -> None:
    got = _received(secret, "h.example", "password", "d", kind="password", wrap="form")
    for shown in (Shown(), Shown.of(["password", secret])):
        for fmt in ("markdown", "text"):
            out = render(got, fmt=fmt, shown=shown)
            assert secret not in out
            assert "\\*\\*\\*\\*\\*\\*\\*\\*" in out or "********" in out


def test_render_refuses_an_unknown_law(demo: Store, emap: EntityMap) -> None:
    with pytest.raises(ValueError):
        render(gather(demo, emap, emap.entities["google"]), law="lgpd")


def test_the_module_is_in_the_map() -> None:
    assert "`letter.py`" in (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()


def test_times_are_in_the_captures_zone_named(tmp_path: Path, emap: EntityMap) -> None:
    path = tmp_path / "berlin.db"
    code, _, err = run("demo", "--db", str(path))
    assert code == 0, err
    store = Store(str(path), create=False)
    try:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE sessions SET zone = 'Europe/Berlin'")
        text = render(gather(store, emap, emap.entities["google"]), fmt="text", today=date(2026, 12, 1))
    finally:
        store.dispose()
    assert "2026-11-20 09:00:00 CET" in text and "08:00:00 UTC" not in text
