"""classifiers.entities: the curated company map and longest-suffix matching."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.destinations.entities import (
    _DOMAIN,
    ENTITIES,
    EntityCategory,
    EntityMap,
    entity_map,
    load,
)

SMALL: list[dict[str, Any]] = [
    {
        "id": "acme", "name": "Acme", "legal_name": "Acme Corp.", "country": "US",
        "categories": ["os_vendor", "telemetry"], "brands": ["acme", "roadrunner"], "apps": ["com.acme.", "org.exact"],
        "domains": ["acme.com", "acme.net"],
        "service": [{"name": "AcmeStat", "categories": ["analytics"], "domains": ["stat.intl.acme.com"]}],
    },
    {"id": "acme_cn", "name": "Acme China", "country": "CN", "parent": "acme", "categories": ["cloud"],
     "domains": ["cn.acme.com"]},
]  # fmt: skip


@pytest.fixture()
def small() -> EntityMap:
    return EntityMap(SMALL)


@pytest.mark.parametrize(
    ("host", "entity", "service", "categories"),
    [
        ("acme.com", "acme", None, ("os_vendor", "telemetry")),
        ("www.acme.com", "acme", None, ("os_vendor", "telemetry")),
        ("a.stat.intl.acme.com", "acme", "AcmeStat", ("analytics",)),
        ("stat.intl.acme.com.", "acme", "AcmeStat", ("analytics",)),
        ("x.cn.acme.com", "acme_cn", None, ("cloud",)),
        ("STAT.INTL.ACME.COM", "acme", "AcmeStat", ("analytics",)),
    ],
)
def test_longest_suffix_wins(
    small: EntityMap, host: str, entity: str, service: str | None, categories: tuple[str, ...]
) -> None:
    m = small.match(host)
    assert m is not None
    assert (m.entity.id, m.service, tuple(m.categories)) == (entity, service, categories)


@pytest.mark.parametrize("host", ["notacme.com", "acme.com.evil.org", "com", "", "intl.acme.org", "acme"])
def test_label_boundaries(small: EntityMap, host: str) -> None:
    assert small.match(host) is None


def test_root_app_owner_and_brands(small: EntityMap) -> None:
    assert small.root(small.entities["acme_cn"]).id == "acme"
    assert small.app_owner("com.acme.browser").id == "acme"  # type: ignore[union-attr]
    assert small.app_owner("org.exact").id == "acme"  # type: ignore[union-attr]
    assert small.app_owner("org.exactly") is None
    assert small.app_owner("com.acmex.app") is None
    assert small.brand_in("Mozilla/5.0 (Linux; Android 12; RoadRunner 5 Build/X)").id == "acme"  # type: ignore[union-attr]
    assert small.brand_in("Mozilla/5.0 (Linux; Android 12; Acmeish 5)") is None
    assert small.find("Acme China").id == "acme_cn"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "Bad Id"}, "not lower-case"),
        ({"country": "China"}, "not an ISO 3166"),
        ({"categories": ["spyware"]}, "spyware"),
        ({"parent": "nobody"}, "parent 'nobody' is not in the map"),
        ({"domains": ["acme.com"]}, "listed twice"),
        ({"domains": ["https://x.org/"]}, "not a host name"),
    ],
)
def test_bad_maps_are_refused(change: dict[str, object], message: str) -> None:
    extra = {
        "id": "other",
        "name": "Other",
        "country": "DE",
        "categories": [],
        "domains": ["other.org"],
        **change,
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        EntityMap([*SMALL, extra])


# -- the shipped map --------------------------------------------------------------------------------


def test_shipped_map_size_and_licence() -> None:
    emap = entity_map()
    assert len(emap.entities) >= 300
    assert len(emap.domains) >= 3000
    head = ENTITIES.read_text(encoding="utf-8")[:2000]
    assert "CC0" in head


def test_shipped_map_loads_strictly() -> None:
    emap = load(ENTITIES)  # raises on any schema error
    for e in emap.entities.values():
        assert e.name and e.legal_name and re.fullmatch(r"[A-Z]{2}", e.country)
        assert e.categories, e.id
        assert all(isinstance(c, EntityCategory) for c in e.categories)
        assert e.source.startswith("https://"), e.id


REQUIRED = {
    # id: (HQ country, a host that must map to it)
    "xiaomi": ("CN", "api.xiaomi.com"), "huawei": ("CN", "www.huawei.com"), "honor": ("CN", "www.hihonor.com"),
    "samsung": ("KR", "www.samsung.com"), "oppo": ("CN", "www.oppo.com"), "vivo": ("CN", "www.vivo.com"),
    "realme": ("CN", "www.realme.com"), "oneplus": ("CN", "www.oneplus.com"), "transsion": ("CN", "www.transsion.com"),
    "lenovo": ("CN", "www.lenovo.com"), "motorola": ("US", "www.motorola.com"), "google": ("US", "www.google.com"),
    "apple": ("US", "www.apple.com"), "meta": ("US", "graph.facebook.com"), "bytedance": ("CN", "www.tiktok.com"),
    "tencent": ("CN", "www.qq.com"), "alibaba": ("CN", "www.alibaba.com"), "baidu": ("CN", "www.baidu.com"),
    "amazon": ("US", "www.amazon.com"), "microsoft": ("US", "www.microsoft.com"), "yandex": ("RU", "yandex.ru"),
    "appsflyer": ("US", "t.appsflyer.com"), "adjust": ("DE", "app.adjust.com"), "branch": ("US", "api2.branch.io"),
    "singular": ("US", "sdk-api-v1.singular.net"), "kochava": ("US", "control.kochava.com"),
    "applovin": ("US", "ms.applovin.com"), "ironsource": ("IL", "outcome-ssp.supersonicads.com"),
    "unity": ("US", "config.unityads.unity3d.com"), "vungle": ("US", "api.vungle.com"),
    "chartboost": ("US", "live.chartboost.com"), "sentry": ("US", "o1.ingest.sentry.io"),
    "amplitude": ("US", "api2.amplitude.com"), "mixpanel": ("US", "api.mixpanel.com"),
    "segment": ("US", "api.segment.io"), "onesignal": ("US", "api.onesignal.com"), "braze": ("US", "sdk.iad-01.braze.com"),
    "sensors_data": ("CN", "www.sensorsdata.cn"), "umeng": ("CN", "ulogs.umeng.com"),
    "growingio": ("CN", "www.growingio.com"), "jpush": ("CN", "www.jiguang.cn"), "getui": ("CN", "www.getui.com"),
    "bugly": ("CN", "android.bugly.qq.com"), "pangle": ("SG", "api16-access-sg.pangle.io"),
    "mintegral": ("CN", "www.mintegral.com"), "appmetrica": ("RU", "report.appmetrica.yandex.net"),
    "inmobi": ("IN", "www.inmobi.com"),
}  # fmt: skip


@pytest.mark.parametrize("ident", sorted(REQUIRED))
def test_required_companies(ident: str) -> None:
    emap = entity_map()
    assert ident in emap.entities, f"{ident} missing from the entity map"
    country, host = REQUIRED[ident]
    assert emap.entities[ident].country == country
    m = emap.match(host)
    assert m is not None, host
    assert m.entity.id == ident or emap.root(m.entity).id == emap.root(emap.entities[ident]).id, (
        host,
        m.entity.id,
    )


@pytest.mark.parametrize(
    ("host", "service", "category"),
    [
        ("data.mistat.intl.xiaomi.com", "MiStat", "telemetry"),
        ("tracking.intl.miui.com", "OneTrack", "telemetry"),
        ("app-measurement.com", None, "analytics"),
        ("googleads.g.doubleclick.net", None, "advertising"),
    ],
)
def test_specific_services_beat_the_company(host: str, service: str | None, category: str) -> None:
    m = entity_map().match(host)
    assert m is not None
    if service:
        assert m.service and service.lower() in m.service.lower()
    assert category in m.categories


def test_map_file_path_is_in_the_package() -> None:
    assert (
        ENTITIES.parent.name == "data"
        and ENTITIES.parent.parent == Path(__file__).resolve().parents[3] / "classifiers"
    )


# -- privacy contacts (phonehome letter) -------------------------------------------------------------

CONTACT = {
    "privacy_email": "privacy@other.org",
    "privacy_url": "https://other.org/privacy",
    "privacy_address": "Other GmbH\nStraße 1\n10115 Berlin",
    "privacy_source": "https://other.org/privacy",
}


def _other(**change: object) -> dict[str, object]:
    return {"id": "other", "name": "Other", "legal_name": "Other GmbH", "country": "DE", "categories": [],
            "domains": ["other.org"], **change}  # fmt: skip


def test_privacy_contact_is_loaded() -> None:
    e = EntityMap([*SMALL, _other(**CONTACT)]).entities["other"]
    assert (e.privacy_email, e.privacy_url, e.privacy_source) == (
        "privacy@other.org",
        "https://other.org/privacy",
        "https://other.org/privacy",
    )
    assert e.privacy_address.splitlines() == ["Other GmbH", "Straße 1", "10115 Berlin"]
    assert EntityMap(SMALL).entities["acme"].privacy_email == ""  # optional


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"privacy_email": "privacy at other.org"}, "is not an email address"),
        ({"privacy_email": "privacy@other"}, "is not an email address"),
        ({"privacy_email": "a b@other.org"}, "is not an email address"),
        (
            {"privacy_url": "http://other.org/privacy"},
            "privacy_url 'http://other.org/privacy' is not an https://",
        ),
        ({"privacy_url": "https://"}, "is not an https://"),
        ({"privacy_url": "javascript:alert(1)"}, "is not an https://"),
        ({"privacy_source": "ftp://other.org/"}, "privacy_source 'ftp://other.org/' is not an https://"),
        ({"privacy_address": "Other\x1b[31m GmbH"}, "control characters"),
        ({"privacy_source": ""}, "without privacy_source"),
    ],
)
def test_bad_privacy_contacts_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        EntityMap([*SMALL, _other(**{**CONTACT, **change})])


def test_find_by_id_name_or_legal_name_and_subsidiaries(small: EntityMap) -> None:
    assert small.find("ACME CORP.").id == "acme"  # type: ignore[union-attr]
    assert small.find(" acme_cn ").id == "acme_cn"  # type: ignore[union-attr]
    assert small.find("Acme Corp") is None
    assert [e.id for e in small.subsidiaries(small.entities["acme"])] == ["acme_cn"]
    assert small.subsidiaries(small.entities["acme_cn"]) == []
    emap = entity_map()
    assert {"pangle", "tokopedia"} <= {e.id for e in emap.subsidiaries(emap.entities["bytedance"])}
    # Grandchildren too: Tapjoy belongs to ironSource, which belongs to Unity.
    assert {"ironsource", "tapjoy"} <= {e.id for e in emap.subsidiaries(emap.entities["unity"])}


def test_shipped_privacy_contacts_name_their_source() -> None:
    emap = entity_map()
    with_contact = [
        e for e in emap.entities.values() if e.privacy_email or e.privacy_url or e.privacy_address
    ]
    assert {"adjust", "apple", "google", "meta", "xiaomi"} <= {e.id for e in with_contact}
    for e in with_contact:
        assert e.privacy_source.startswith("https://"), e.id
    assert emap.entities["adjust"].privacy_email == "privacy@adjust.com"


def _everything(emap: EntityMap) -> list[Any]:
    hosts = [
        "data.mistat.intl.xiaomi.com",
        "www.google-analytics.com",
        "graph.facebook.com",
        "nothing.invalid",
    ]
    return [emap.entities, [emap.match(h) for h in hosts]]


def test_the_cached_copy_gives_the_same_map_and_a_bad_copy_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHONEHOME_CACHE_DIR", str(tmp_path / "cache"))
    first = load()
    [copy] = (tmp_path / "cache").glob("entities-*.json")
    assert _everything(load()) == _everything(first)  # read from the copy this time
    copy.write_text('{"entity": [{"id": "BAD ID"', encoding="utf-8")  # cut short: not JSON
    assert _everything(load()) == _everything(first)
    copy.write_text('{"entity": [{"id": "BAD ID", "name": "x", "country": "US"}]}', encoding="utf-8")
    with pytest.raises(ValueError, match="not lower-case"):
        load()  # a copy is checked like the TOML itself


def test_a_changed_file_gets_its_own_copy_and_an_unwritable_cache_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "own.toml"
    own.write_text('[[entity]]\nid = "acme"\nname = "Acme"\ncountry = "DE"\ndomains = ["acme.example"]\n')
    monkeypatch.setenv("PHONEHOME_CACHE_DIR", str(tmp_path / "cache"))
    assert load(own).match("x.acme.example") is not None
    own.write_text('[[entity]]\nid = "acme"\nname = "Acme"\ncountry = "FR"\ndomains = ["acme.example"]\n')
    match = load(own).match("x.acme.example")
    assert match is not None and match.entity.country == "FR"
    assert len(list((tmp_path / "cache").glob("entities-*.json"))) == 2
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("PHONEHOME_CACHE_DIR", str(blocked / "cache"))  # under a file: cannot be made
    assert load(own).match("x.acme.example") is not None


# As first written: `[a-z0-9-]*[a-z]+[a-z0-9-]*` split a last label three ways (cubic).
_DOMAIN_BEFORE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z]+[a-z0-9-]*\Z")


@given(
    st.lists(st.sampled_from(["a", "z9", "0", "-", ".", "com", "x-y", "1", "_", "A"]), max_size=10).map(
        "".join
    )
)
def test_the_domain_pattern_reads_as_it_did_before(domain: str) -> None:
    assert bool(_DOMAIN.match(domain)) == bool(_DOMAIN_BEFORE.match(domain))


def test_matches_are_kept_for_the_latest_hosts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A capture of days meets new hosts all the while: the cache of matches does not grow with them."""
    from phonehome.classifiers.destinations import entities

    monkeypatch.setattr(entities, "CACHED", 16)
    m = EntityMap(SMALL)
    for i in range(500):
        assert m.match(f"h{i}.acme.com") is not None
        assert m.match(f"h{i}.unknown.example") is None
    assert m._cached.cache_info().currsize == 16  # noqa: SLF001


def test_a_map_pickled_for_a_worker_matches_as_before(small: EntityMap) -> None:
    import pickle

    small.match("stat.intl.acme.com")
    copy = pickle.loads(pickle.dumps(small))
    assert copy._cached.cache_info().currsize == 0  # noqa: SLF001 - sent without its cache
    for host in ("a.stat.intl.acme.com", "x.cn.acme.com", "acme.com", "example.org"):
        assert copy.match(host) == small.match(host)
