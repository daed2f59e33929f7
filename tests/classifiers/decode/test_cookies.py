"""classifiers.decode.cookies: Cookie headers split as browsers split them, JSON values and all."""

from __future__ import annotations

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import IMEI, at, only, rows


def test_cookie_that_simplecookie_rejects_is_split_by_hand() -> None:
    d = decode(exchange(headers=(("Cookie", "a=hello world; b=2"),)))
    assert rows(d) == [(Where.COOKIE, "a", "a", "hello world", ()), (Where.COOKIE, "b", "b", "2", ())]


def test_json_cookie_and_the_cookies_after_it_are_decoded() -> None:
    d = decode(exchange(headers=(("Cookie", 'uid=1; prefs={"email":"alice@example.com"}; imei=' + IMEI),)))
    assert only(d, "prefs.email", "alice@example.com").encodings == ("json",)
    assert at(d, "imei")[0].value == IMEI


def test_a_10_mb_cookie_header_is_cut_before_it_is_split() -> None:
    d = decode(exchange(headers=(("Cookie", f"imei={IMEI}" + ";" * 10_000_000),)))
    assert [f.value for f in d.fields] == [IMEI]
    assert d.notes == ["limit: cookie header has over 5001 pieces, rest not decoded"]
    d = decode(exchange(headers=(("Cookie", "; ".join(f"c{i}=v{i}" for i in range(1_000_000))),)))
    assert len(d.fields) == 5000 and d.notes == ["limit: more than 5000 fields, rest not decoded"]
