"""classifiers.browsing: other sites' URLs and search terms carried inside payloads."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.detect.browsing import _CODED, _GRAPHQL, detect_search_query, detect_visited_url
from phonehome.classifiers.model import Field, Kind, Source, Where

from tests._deadline import bounded
from tests.classifiers._helpers import essentials, fld

MI = "data.mistat.intl.xiaomi.com"  # the flow's own host in these tests
ARTICLE = "https://news.example.org/2024/05/story.html?ref=home"


def _at(key: str, value: str, where: Where = Where.BODY) -> Field:
    return fld(key, value, where, host=MI)


# -- visited URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "source", "confidence"),
    [
        (_at("url", ARTICLE), Source.KEY, 0.92),
        (_at("pageUrl", ARTICLE, Where.QUERY), Source.KEY, 0.92),
        (_at("referer", ARTICLE, Where.HEADER), Source.KEY, 0.9),
        (_at("item", ARTICLE), Source.PATTERN, 0.7),  # another site's page under an unknown key
        (_at("url", "https://cdn.other.net/photos/cat.png"), Source.KEY, 0.92),  # keyed: even an image
    ],
)
def test_visited_url_positive(field: Field, source: Source, confidence: float) -> None:
    found = detect_visited_url(field)
    assert essentials(found) == [(Kind.VISITED_URL, field.value, source, None)]
    assert found[0].confidence == confidence


def test_visited_url_keeps_location() -> None:
    field = fld(
        "url", ARTICLE, path="data_list[0].properties.url", encodings=("form", "base64", "gzip", "json")
    )
    [f] = detect_visited_url(field)
    assert (f.value, f.where, f.path, f.encodings) == (
        ARTICLE, Where.BODY, "data_list[0].properties.url", ("form", "base64", "gzip", "json"),
    )  # fmt: skip


@pytest.mark.parametrize(
    "field",
    [
        _at("url", "https://www.xiaomi.com/phones"),  # same site as the flow
        _at("url", "https://api.mistat.xiaomi.com/x"),
        _at("icon", "https://cdn.other.net/photos/cat.png"),  # an image asset without a URL key
        _at("font", "https://fonts.other.net/a.woff2"),
        _at("origin-page", ARTICLE, Where.HEADER),  # only Referer counts among headers
        _at("url", "news.example.org/story"),  # no scheme
        _at("url", "ftp://news.example.org/story"),
        _at("url", "https://news.example.org/a b"),  # a space: text, not a URL
        _at("url", "https://localhost:8080/debug"),  # no dot: not another site
    ],
)
def test_visited_url_negative(field: Field) -> None:
    assert detect_visited_url(field) == []


# -- search queries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected", "source"),
    [
        (_at("q", "cheap flights to lisbon", Where.QUERY), "cheap flights to lisbon", Source.KEY),
        (_at("keyword", " 深圳 天气 "), "深圳 天气", Source.KEY),
        (_at("searchTerm", "ibuprofen dosage"), "ibuprofen dosage", Source.KEY),
        # A search engine URL inside a payload: the engine's own parameter holds the text.
        (_at("url", "https://www.google.com/search?q=cheap+flights&hl=en"), "cheap flights", Source.PATTERN),
        (_at("u", "https://www.google.co.uk/search?hl=en&q=nhs+111"), "nhs 111", Source.PATTERN),
        (
            _at("referer", "https://www.baidu.com/s?wd=%E5%A4%A9%E6%B0%94", Where.HEADER),
            "天气",
            Source.PATTERN,
        ),
        (_at("page", "https://yandex.ru/search/?text=погода"), "погода", Source.PATTERN),
        (_at("from", "https://search.yahoo.com/search?p=tax+forms"), "tax forms", Source.PATTERN),
    ],
)
def test_search_query_positive(field: Field, expected: str, source: Source) -> None:
    assert essentials(detect_search_query(field)) == [(Kind.SEARCH_QUERY, expected, source, None)]


@pytest.mark.parametrize(
    "field",
    [
        _at("query", "query GetUser($id: ID!) { user(id: $id) { name } }"),  # a GraphQL document
        _at("query", "{ viewer { login } }"),
        _at("query", "mutation { logout }"),
        _at("query", '{"term": {"status": "active"}}'),
        _at("q", "0.9", Where.QUERY),  # no letters
        _at("q", "true"),  # placeholder
        _at("q", "x" * 201),  # too long for typed text
        _at("search", "cats", Where.COOKIE),
        _at("q", "cats", Where.PATH),
        _at("title", "cats"),  # not a search key
        _at("url", "https://www.example.com/?q=cats"),  # not a search engine
        fld("url", "https://www.google.com/search?q=cats", host="www.google.com"),  # the engine's own page
        _at("url", "https://www.google.com/search?hl=en"),  # engine URL without search text
    ],
)
def test_search_query_negative(field: Field) -> None:
    assert detect_search_query(field) == []


@pytest.mark.parametrize(
    "value", ["query($id:ID!){node(id:$id){id}}", "subscription OnMessage { message { id } }"]
)
def test_graphql_without_space_after_query_is_not_a_search(value: str) -> None:
    assert detect_search_query(_at("query", value)) == []


# -- API endpoints and identity claims are not pages ---------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        _at("url", "https://api.other.net/track"),  # an API host
        _at("url", "https://api-eu.other.net/track"),
        _at("url", "https://api2.other.net/track"),
        _at("url", "https://sdk.other.net/config"),
        _at("url", "https://graph.facebook.com/me"),
        _at("endpoint", "https://gateway.other.net/collect"),
        _at("url", "https://other.net/api/v1/items"),  # an API path
        _at("url", "https://other.net/v2/items"),
        _at("link", "https://other.net/graphql"),
        # JWT claims name the identity provider and audience, not pages the user visited.
        fld("iss", "https://accounts.google.com", encodings=("jwt",), host=MI),
        fld("iss", "https://login.example-idp.com/tenant", encodings=("json", "jwt"), host=MI),
        fld("url", ARTICLE, encodings=("jwt",), host=MI),
    ],
)
def test_api_endpoints_and_jwt_claims_are_not_visited_urls(field: Field) -> None:
    assert detect_visited_url(field) == []


@pytest.mark.parametrize(
    "value",
    [
        "https://www.other.net/articles/v2-review",  # `v2-` is no API version segment
        "https://www.other.net/apis-of-the-world/story",  # ... and `/apis-...` no API path
        "https://www.google.com/api/x",  # a search engine's own pages are never "API"
        "https://news.other.net/2024/graphql-explained",
    ],
)
def test_api_like_near_misses_are_visited_urls(value: str) -> None:
    assert essentials(detect_visited_url(_at("url", value))) == [(Kind.VISITED_URL, value, Source.KEY, None)]


# Sites served from their bare domain whose name merely starts with an API-host word.
@pytest.mark.parametrize(
    "value",
    [
        "https://wsj.com/articles/fed-holds-rates-steady-2024",
        "https://syncedreview.com/2024/05/01/story/",
        "https://graphic.com.gh/news/politics/story.html",
    ],
)
def test_sites_whose_names_start_like_api_hosts_are_visited_urls(value: str) -> None:
    assert essentials(detect_visited_url(_at("url", value))) == [(Kind.VISITED_URL, value, Source.KEY, None)]


# -- referrers of the same company's other host ---------------------------------------------------

TENCENT_AD = "c.gdt.qq.com"
QQ_NEWS = "https://news.qq.com/a/20240501/story.html"


@pytest.mark.parametrize(
    ("key", "where"),
    [
        ("ref_url", Where.BODY),
        ("refUrl", Where.QUERY),
        ("referrer", Where.BODY),
        ("dr", Where.QUERY),
        ("page_referrer", Where.BODY),
        ("referer_url", Where.BODY),
    ],
)
def test_referrer_of_the_same_companys_other_host_counts(key: str, where: Where) -> None:
    found = detect_visited_url(fld(key, QQ_NEWS, where, host=TENCENT_AD))
    assert essentials(found) == [(Kind.VISITED_URL, QQ_NEWS, Source.KEY, None)]
    assert found[0].confidence == 0.92


@pytest.mark.parametrize(
    "field",
    [
        fld("url", QQ_NEWS, host=TENCENT_AD),  # same site under a plain URL key
        fld("page", QQ_NEWS, Where.QUERY, host=TENCENT_AD),
        fld("ref_url", QQ_NEWS, host="news.qq.com"),  # the flow's own host
        fld("referer", QQ_NEWS, Where.HEADER, host=TENCENT_AD),  # the header names the app's own page
        fld("ref_url", "https://api.qq.com/v1/x", host=TENCENT_AD),  # an API, not a page
    ],
)
def test_same_site_urls_are_not_visited_urls(field: Field) -> None:
    assert detect_visited_url(field) == []


# -- callbacks are not visits, codes are not searches ---------------------------------------------


@pytest.mark.parametrize(
    "key", ["cb", "redir", "redirect_uri", "partner_callback", "tgt", "return_url", "next"]
)
def test_callback_and_redirect_urls_are_not_pages_visited(key: str) -> None:
    assert detect_visited_url(fld(key, "https://news.example.org/story/1", Where.QUERY)) == []


@pytest.mark.parametrize("value", ["sc.1.23.4", "v:3|p:1|x:2", "a1b2c3d4e5f6a7b8c9d0"])
def test_coded_values_under_q_are_not_searches(value: str) -> None:
    assert detect_search_query(fld("q", value, Where.QUERY)) == []


@pytest.mark.parametrize("value", ["best pho", "iphone 15", "covid-19", "weather"])
def test_words_under_q_are_searches(value: str) -> None:
    assert [f.value for f in detect_search_query(fld("q", value, Where.QUERY))] == [value]


def test_urls_cut_short_and_style_sheet_referers_are_not_pages() -> None:
    assert detect_visited_url(fld("dl", "https://www.ferguson....", Where.BODY, host="col.example")) == []
    assert detect_visited_url(fld("dl", "https://...", Where.BODY, host="col.example")) == []
    css = fld(
        "referer",
        "http://www.aftonbladet.se/dist/css/general.css?1440665195",
        Where.HEADER,
        host="gfx.cdn.example",
    )
    assert detect_visited_url(css) == []


@pytest.mark.parametrize("value", ["unspecific", "qstring", "search", "all"])
def test_placeholder_words_are_not_searches(value: str) -> None:
    assert detect_search_query(fld("q", value, Where.QUERY)) == []


def test_resources_frames_and_cookies_are_no_visits() -> None:
    for referer in ("https://fonts.googleapis.com/css?family=Work+Sans", "https://www.youtube.com/embed/cQ7STILAS0M",
                    "http://www.facebook.com/plugins/like.php?href=x"):  # fmt: skip
        assert detect_visited_url(fld("referer", referer, Where.HEADER, host="cdn.example")) == []
    assert (
        detect_visited_url(
            fld("__ybotc", "http://ads-adseast.yldbt.com/m/", Where.COOKIE, host="news.example")
        )
        == []
    )
    assert (
        detect_search_query(fld("q", "tbn:ANd9GcSOuvpz3rolSrMnzJXqKeYHjmAH7jcG8NKnvm05e", Where.QUERY)) == []
    )


# The patterns as first written, which backtracked catastrophically: the references the rewrites
# must agree with on every string.
_CODED_BEFORE = re.compile(
    r"^\S{30,}$|^(?=[^ ]*\d)(?:[\w]*[.:|;,_=/-]){2,}[\w.:|;,_=/-]*$|^[0-9a-fA-F-]{16,}$"
)
_GRAPHQL_BEFORE = re.compile(
    r"(?:query|mutation|subscription)\s*\w*\s*(?:\([^)]*\))?\s*\{|fragment\s+\w+\s+on\b"
)


def _joined(*tokens: str, most: int = 10) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=most).map("".join)


@given(_joined("1", "a", "_", ".", ":", "-", "|", "=", " ", "\u00e9", "\n", "!", "f0", most=14))
def test_the_coded_pattern_reads_as_it_did_before(value: str) -> None:
    assert bool(_CODED.match(value)) == bool(_CODED_BEFORE.match(value))


@given(_joined("query", "mutation", "fragment", " ", "\n", "Q", "_1", "(", ")", "$id: ID", "{", "on", "x"))
def test_the_graphql_pattern_reads_as_it_did_before(value: str) -> None:
    before, after = _GRAPHQL_BEFORE.match(value), _GRAPHQL.match(value)
    assert (before and before.span()) == (after and after.span())


def test_a_search_value_made_to_backtrack_is_read_at_once() -> None:
    """`q=1____…_ x`: underscores, then a space.  As first written the coded test tried 2^n splits
    of the underscores (30 characters took seconds, holding the proxy's interpreter)."""
    value = "1" + "_" * 150 + " x"
    with bounded():
        found = detect_search_query(fld("q", value, Where.QUERY))
        assert [f.kind for f in found] == [Kind.SEARCH_QUERY]  # a space: not a code, as before
        assert _GRAPHQL.match("query" + " " * 20_000 + "x") is None
