"""classifiers.browsing: other sites' URLs and search terms carried inside payloads."""

from __future__ import annotations

import pytest

from classifiers.browsing import detect_search_query, detect_visited_url
from classifiers.model import Field, Kind, Source, Where
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
