"""Browsing: URLs of other sites and search terms carried inside payloads."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from phonehome.classifiers.destinations.domains import registrable_domain, same_site
from phonehome.classifiers.detect.keys import has_letter, is_placeholder, norm
from phonehome.classifiers.model import Field, Finding, Kind, Source, Where, finding, split_url

URL_KEYS = frozenset(
    {
        "url", "pageurl", "currenturl", "visitedurl", "weburl", "href", "link", "referrer", "referer",
        "dl", "dr", "page", "pagelocation", "pagereferrer", "location", "uri", "siteurl", "openurl",
        "loadurl", "landingurl", "lastpage", "fromurl", "tourl", "h5url", "browserurl", "taburl",
        "refurl", "referurl", "refererurl", "sourceurl", "documenturl", "documentlocation",
    }
)  # fmt: skip
# Where a tracker sends the browser next (cookie syncing, redirects, JSONP callbacks): its own or a
# partner's URL, not a page the user visited.
CALLBACK_KEYS = frozenset(
    {"cb", "callback", "redir", "redirect", "redirecturl", "redirecturi", "returnurl", "returnto", "return",
     "next", "continue", "tgt", "target", "dest", "destination", "ru", "rurl", "goto", "successurl",
     "failureurl", "cancelurl", "syncurl", "pixelurl", "postbackurl", "notifyurl", "r"}
)  # fmt: skip
CALLBACK_SUFFIXES = ("callback", "redirect", "redir", "redirecturl", "redirecturi", "returnurl", "syncurl")
REFERRER_KEYS = frozenset({"refurl", "referurl", "refererurl", "referrer", "referer", "dr", "pagereferrer"})
SEARCH_KEYS = frozenset(
    {
        "q", "wd", "word", "query", "keyword", "keywords", "searchterm", "searchword", "searchkey",
        "searchquery", "searchtext", "kw", "searchkeyword", "search",
    }
)  # fmt: skip
# Search engines and the parameter carrying the search text.
SEARCH_ENGINES = {
    "google": ("q",), "bing.com": ("q",), "baidu.com": ("wd", "word"), "yandex": ("text",),
    "duckduckgo.com": ("q",), "yahoo.com": ("p",), "sogou.com": ("query",), "so.com": ("q",),
    "naver.com": ("query",), "ecosia.org": ("q",), "brave.com": ("q",), "qwant.com": ("q",),
    "sm.cn": ("q",), "yahoo.co.jp": ("p",), "seznam.cz": ("q",),
}  # fmt: skip
# Referers that are resources or embedded frames, not pages: style sheets (`fonts.googleapis.com/css`),
# Flash files, embedded players and social plugins.
_RESOURCE_PATH = re.compile(r"\.(?:css|js|swf|png|jpe?g|gif|webp|svg|woff2?)$|^/css2?$|/embed/|/plugins/")
# Each part can be read one way only: `\s*\w*\s*(...)?\s*` tried every split of a run of spaces
# (cubic; a value is at most 200 characters here, but the pattern should not rely on it).
_GRAPHQL = re.compile(
    r"(?:query|mutation|subscription)\s*(?:\w+\s*)?(?:\([^)]*\)\s*)?\{|fragment\s+\w+\s+on\b"
)
_ASSET_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".svg",
    ".css",
    ".js",
    ".woff",
    ".woff2",
    ".ico",
    ".mp4",
    ".swf",
)


def _engine_params(host: str) -> tuple[str, ...] | None:
    site = registrable_domain(host)
    for name, params in SEARCH_ENGINES.items():
        if site == name or site.startswith(name + ".") or site.endswith("." + name):
            return params
    return None


_API_HOST = re.compile(r"^(?:api|apis|sdk|graph|gateway|ws|rpc|sync|lh\d|accounts)(?:[-\d][\w-]*)?\.")
_API_PATH = re.compile(r"/(?:api|v\d+(?:\.\d+)?|graphql|rpc)(?:/|$)")


def _api_endpoint(host: str, path: str) -> bool:
    return bool(_API_HOST.match(host) or _API_PATH.search(path)) and not _engine_params(host)


def detect_visited_url(field: Field) -> list[Finding]:
    value = field.value.strip()
    if not value.lower().startswith(("http://", "https://")) or " " in value:
        return []
    target = split_url(value)
    host = target.host
    if not host or "." not in host or host.endswith(".") or ".." in host or value.endswith("..."):
        return []  # a URL a beacon cut short (`https://www.ferguson....`) names no page
    key = norm(field.key)
    if key in CALLBACK_KEYS or key.endswith(CALLBACK_SUFFIXES):
        return []
    keyed = key in URL_KEYS
    if field.where == Where.COOKIE and not keyed:
        return []  # a URL a site keeps in a cookie (an ad server's endpoint) was not sent as a page
    # Another site's page; or, under a key naming the page the user came from (`ref_url`), another
    # host's page of the same company (news.qq.com reported to Tencent's ad network).
    referrer = norm(field.key) in REFERRER_KEYS and field.where != Where.HEADER
    if same_site(host, field.host) and not (referrer and host != field.host):
        return []
    if field.where == Where.HEADER:
        if field.key != "referer" or _RESOURCE_PATH.search(target.path.lower()):
            return []  # a style sheet, a plugin or an embedded player as Referer is no page the user visited
        return [finding(field, Kind.VISITED_URL, value, 0.9, Source.KEY, "visited_url")]
    if target.path.lower().endswith(_ASSET_SUFFIXES) and not keyed:
        return []
    if _api_endpoint(host, target.path) or "jwt" in field.encodings:
        return []  # an app's own API, an identity provider's claim: not a page the user visited
    return [
        finding(
            field,
            Kind.VISITED_URL,
            value,
            0.92 if keyed else 0.7,
            Source.KEY if keyed else Source.PATTERN,
            "visited_url",
        )
    ]


def detect_search_query(field: Field) -> list[Finding]:
    value = field.value.strip()
    if value.lower().startswith(("http://", "https://")):
        return _search_in_url(field, value)
    if field.where in (Where.HEADER, Where.COOKIE, Where.PATH) or norm(field.key) not in SEARCH_KEYS:
        return []
    # GraphQL documents and SQL-like filters also travel as `query`.
    if is_placeholder(value) or len(value) > 200 or value.startswith(("{", "[")) or _GRAPHQL.match(value):
        return []
    if not has_letter(value) or _CODED.match(value) or _SIZE.fullmatch(value) or value.lower() in _NO_SEARCH:
        return []
    return [finding(field, Kind.SEARCH_QUERY, value, 0.85, Source.KEY, "search_query")]


# Words that stand where a search would, when there is none.
_NO_SEARCH = frozenset({"unspecific", "unspecified", "qstring", "query", "search", "keyword", "keywords", "none",
                        "empty", "default", "all", "null", "undefined", "n/a", "na", "-"})  # fmt: skip
_SIZE = re.compile(r"\d{2,5}\s*[x*×]\s*\d{2,5}", re.IGNORECASE)  # `wd=1024x702` is a window size
# Counters, IDs and codes that travel as `q` (`sc.1.23`, `a1b2c3d4e5f6`, `v:3|p:1`): no spaces, digits
# among punctuation, or a long hex string.  People search for words.  The second form cuts at the
# first two separators, so it reads a value one way only: `(?:\w*[sep]){2,}`, with `_` both a word
# character and a separator, tried 2^n ways to split a run of `_` before it failed (a 30-character
# `q=1____…_ x` took seconds, holding the interpreter).
_CODED = re.compile(r"^\S{30,}$|^(?=[^ ]*\d)(?:[^\W_]*[.:|;,_=/-]){2}[\w.:|;,_=/-]*$|^[0-9a-fA-F-]{16,}$")


def _search_in_url(field: Field, url: str) -> list[Finding]:
    target = split_url(url)
    params = _engine_params(target.host)
    if params is None or same_site(target.host, field.host):
        return []
    for name, text in parse_qsl(target.query):
        if name in params and text.strip():
            return [finding(field, Kind.SEARCH_QUERY, text.strip(), 0.95, Source.PATTERN, "search_query")]
    return []
