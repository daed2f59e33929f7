"""classifiers.adapters.base: path patterns, host and path matching, and the explicit registry."""

from __future__ import annotations

import pytest
from phonehome.classifiers.detect import adapters
from phonehome.classifiers.detect.adapters import (
    ADAPTERS,
    Adapter,
    adjust,
    analytics,
    appsflyer,
    compile_path,
    facebook,
    google,
    huawei,
    tencent,
    umeng,
    xiaomi,
)
from phonehome.classifiers.model import Field, Hash, Kind, Source, Where
from phonehome.classifiers.registry import _adapter_findings, adapters_for

MODULES = (google, facebook, appsflyer, adjust, xiaomi, huawei, umeng, tencent, analytics)


def _match(pattern: str, path: str) -> bool:
    # The registry matches with `.match`: anchored at the start by it, at the end by the pattern.
    return compile_path(pattern).match(path) is not None


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("rdid", "rdid"),
        ("extinfo[5]", "extinfo[5]"),
        ("data_list[*].properties.url", "data_list[0].properties.url"),
        ("data_list[*].properties.url", "data_list[17].properties.url"),
        ("events[*].*.screen", "events[3].home.screen"),
        ("data_list[*].properties.$model", "data_list[0].properties.$model"),
        ("1.19", "1.19"),
        ("x.1.19", "x.1.19"),
        ("[*].H.oaid", "[2].H.oaid"),
        ("device-type", "device-type"),
    ],
)
def test_pattern_matches(pattern: str, path: str) -> None:
    assert _match(pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("rdid", "xrdid"),  # anchored at the start
        ("rdid", "rdid2"),  # and at the end
        ("rdid", "a.rdid"),
        ("a.b", "a.b.c"),
        ("a.b", "aXb"),  # a dot is a dot, not any character
        ("extinfo[5]", "extinfo[50]"),
        ("extinfo[5]", "extinfo[4]"),
        ("data_list[*].url", "data_list.url"),  # [*] needs an index
        ("data_list[*].url", "data_list[a].url"),
        ("events[*].*.screen", "events[3].a.b.screen"),  # * is one key, not several
        ("events[*].*.screen", "events[3].screen"),
        ("*.oaid", "[0].oaid"),  # * does not swallow a list index
        ("properties.$model", "properties.model"),  # `$` is literal
        ("1.19", "1.190"),
        ("1.19", "11.19"),
    ],
)
def test_pattern_does_not_match(pattern: str, path: str) -> None:
    assert not _match(pattern, path)


SAMPLE = Adapter(
    name="sample",
    hosts=("example-sdk.com",),
    path=r"^/v\d+/track$",
    fields={"device": Kind.DEVICE_ID, "mail_hash": (Kind.EMAIL, Hash.SHA256)},
)


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        ("example-sdk.com", "/v2/track", True),
        ("eu.example-sdk.com", "/v2/track", True),  # subdomains match
        ("a.b.example-sdk.com", "/v10/track", True),
        ("notexample-sdk.com", "/v2/track", False),  # a suffix without the dot is another site
        ("example-sdk.com.evil.net", "/v2/track", False),
        ("example-sdk.com", "/v2/track/extra", False),  # the path regex decides
        ("example-sdk.com", "/track", False),
    ],
)
def test_adapter_matches_host_suffix_and_path(host: str, path: str, expected: bool) -> None:
    assert SAMPLE.matches(host, path) is expected


def test_empty_path_matches_every_path() -> None:
    anywhere = Adapter(name="anywhere", hosts=("example-sdk.com",), fields={"device": Kind.DEVICE_ID})
    assert anywhere.matches("example-sdk.com", "/")
    assert anywhere.matches("example-sdk.com", "/whatever/else")


def test_path_regex_is_searched_not_anchored() -> None:
    loose = Adapter(name="loose", hosts=("example-sdk.com",), path=r"/androidevent", fields={})
    assert loose.matches("example-sdk.com", "/api/v6.12/androidevent")


def test_rules_carry_kind_and_digest() -> None:
    rules = {pattern.pattern: (kind, hashed) for pattern, (kind, hashed, _when) in SAMPLE.rules}
    assert rules[compile_path("device").pattern] == (Kind.DEVICE_ID, None)
    assert rules[compile_path("mail_hash").pattern] == (Kind.EMAIL, Hash.SHA256)


def _field(path: str, value: str, where: Where = Where.BODY) -> Field:
    return Field(where, path, path.rsplit(".", 1)[-1].lower(), value, ("form",), "example-sdk.com")


def test_adapter_findings_normalise_and_skip_placeholders() -> None:
    found = list(_adapter_findings(_field("device", "  AbC-123 "), (SAMPLE,)))
    assert [(f.kind, f.value, f.source, f.detector) for f in found] == [
        (Kind.DEVICE_ID, "AbC-123", Source.ADAPTER, "adapter:sample")
    ]
    assert list(_adapter_findings(_field("device", "unknown"), (SAMPLE,))) == []
    assert list(_adapter_findings(_field("device", ""), (SAMPLE,))) == []


def test_adapter_findings_keep_digests_as_sent() -> None:
    digest = "5f" * 32
    found = list(_adapter_findings(_field("mail_hash", digest), (SAMPLE,)))
    assert [(f.kind, f.value, f.hashed) for f in found] == [(Kind.EMAIL, digest, Hash.SHA256)]


def test_adapter_where_restricts_the_parts_read() -> None:
    body_only = Adapter(
        name="body-only", hosts=("example-sdk.com",), fields={"device": Kind.DEVICE_ID},
        where=frozenset({Where.BODY}),
    )  # fmt: skip
    assert list(_adapter_findings(_field("device", "abc", Where.QUERY), (body_only,))) == []
    assert len(list(_adapter_findings(_field("device", "abc", Where.BODY), (body_only,)))) == 1


def test_every_module_adapter_is_registered_once() -> None:
    from_modules = [a for module in MODULES for a in module.ADAPTERS]
    assert list(ADAPTERS) == from_modules
    assert adapters.ADAPTERS is ADAPTERS


def test_adapter_names_are_unique_and_adapters_are_complete() -> None:
    names = [a.name for a in ADAPTERS]
    assert len(names) == len(set(names))
    for adapter in ADAPTERS:
        assert adapter.hosts or adapter.path, adapter.name
        assert adapter.rules or adapter.keys, adapter.name
        for host in adapter.hosts:
            assert host == host.lower() and not host.startswith(".")


def test_unrelated_hosts_have_no_adapters() -> None:
    assert adapters_for("example.org", "/") == ()
    assert adapters_for("app-measurement.com.example.org", "/a") == ()


def test_literal_indexes_select_one_position() -> None:
    # Positional arrays (Facebook's `extinfo`) name fields by index: `[5]` is that index only.
    positional = Adapter(
        name="positional", hosts=("example-sdk.com",), fields={"extinfo[5]": Kind.DEVICE_MODEL}
    )
    assert list(_adapter_findings(_field("extinfo[5]", "Pixel 7"), (positional,)))
    assert not list(_adapter_findings(_field("extinfo[4]", "13"), (positional,)))
    assert not list(_adapter_findings(_field("extinfo[15]", "Europe/Berlin"), (positional,)))


def test_wildcards_and_literals_mix() -> None:
    mixed = Adapter(
        name="mixed", hosts=("example-sdk.com",),
        fields={"events[*].*.screen": Kind.APP_ACTIVITY, "data[2].id": Kind.DEVICE_ID, "H.oaid": Kind.ADVERTISING_ID},
    )  # fmt: skip
    assert [f.kind for f in _adapter_findings(_field("events[7].home.screen", "Settings"), (mixed,))] == [
        Kind.APP_ACTIVITY
    ]
    assert [f.kind for f in _adapter_findings(_field("data[2].id", "abc123"), (mixed,))] == [Kind.DEVICE_ID]
    assert not list(_adapter_findings(_field("data[3].id", "abc123"), (mixed,)))
    assert [f.kind for f in _adapter_findings(_field("H.oaid", "a1b2c3d4e5f60718"), (mixed,))] == [
        Kind.ADVERTISING_ID
    ]
    assert not list(_adapter_findings(_field("B.oaid", "a1b2c3d4e5f60718"), (mixed,)))


def test_conditional_meaning_needs_its_sibling() -> None:
    from phonehome.classifiers.detect.adapters.base import When

    params = Adapter(
        name="params", hosts=("example-sdk.com",),
        fields={"1.2.1.2": When(Kind.APP_ACTIVITY, "1", frozenset({"_sn"}))},
    )  # fmt: skip
    screen = Field(
        Where.BODY, "1.2.1.2", "2", "CheckoutScreen", ("protobuf",), "example-sdk.com", {"1": "_sn"}
    )
    other = Field(Where.BODY, "1.2.1.2", "2", "red", ("protobuf",), "example-sdk.com", {"1": "colour"})
    assert [(f.kind, f.value) for f in _adapter_findings(screen, (params,))] == [
        (Kind.APP_ACTIVITY, "CheckoutScreen")
    ]
    assert _adapter_findings(other, (params,)) == []
