"""Build the bundled sample capture that `phonehome demo` replays.

Writes two files next to this script (or into the folder given as the only argument):

* ``phone-session.har``: about twenty minutes of one Android phone's traffic, laid out the way
  mitmproxy's "save.har" exports it: a Xiaomi Redmi Note 12 (MIUI 14, Android 13) on Movistar in
  Madrid, using Mi Browser (normal and incognito), a weather app and a puzzle game full of ad SDKs,
  with the OEM's own telemetry running underneath.
* ``phone-session.expected.json``: the labels, one object per piece of personal data a request
  carries (entry index, host, kind, value normalised as in DESIGN.md, where, path, and ``hashed``
  when the value is a digest).

Every identifier, address, account and reading in it is invented.  Hosts and endpoint shapes
follow public research on these SDKs; no request here was ever sent.  Standard library only and
fully deterministic: run it twice and you get the same bytes.

    python examples/make_sample.py            # rewrite examples/phone-session.{har,expected.json}
    python examples/make_sample.py OUT_DIR    # write somewhere else
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

HAR_NAME = "phone-session.har"
LABELS_NAME = "phone-session.expected.json"
START = datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)
SEED = 20261120
MITMPROXY_VERSION = "11.0.2"

# -- the invented phone and its owner -------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(body: str) -> str:
    """`body` plus the check digit that makes it Luhn-valid."""
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


IMEI = luhn_complete("86812305417263")
GAID = "3f6c1e2a-9b7d-4c58-a1e3-6d2f0b9c8a47"
ANDROID_ID = "7c3e91a4d2f60b58"
OAID = "e1a7c4f09b32d685"  # Xiaomi's OAID is 16 hex digits too: easy to mistake for an Android ID
WIFI_MAC = "64:cc:2e:7a:1d:93"
BSSID = "e4:ab:89:52:0c:7d"
SSID = "MOVISTAR_5C2A"
EMAIL = "lucia.moreno84@example.com"
PHONE = "+34622418937"
LAT4, LON4 = "40.4169", "-3.7035"  # the weather API rounds to 4 decimals
LAT6, LON6 = 40.416915, -3.703521  # the fused-location fix, Puerta del Sol, Madrid
MCC, MNC, LAC, CID = "214", "07", 28005, 117604873  # the serving LTE cell (TAC as "lac")
MODEL = "23021RAAEG"  # Build.MODEL of the Redmi Note 12 (global/EEA)
MARKETING_NAME = "Redmi Note 12"
OS_VERSION = "13"
MIUI_VERSION = "V14.0.6.0.TMTEUXM"
BUILD_ID = "TKQ1.221114.001"
CARRIER = "Movistar"
LOCALE = "es_ES"
ADJUST_UUID = "c5b1f0d2-6e3a-4d7b-9f18-2a4e6c8b0d31"
FB_ANON_ID = "XZ8b24d9e1-53f7-4a0c-b6e2-91d3f5a7c04e"
AF_UID = "1795000532187-6402918375518824136"
FIREBASE_INSTANCE = "b37f0e9c2d5a4816a0c3e7f91d24b658"

INSTALLED_APPS = [
    "com.whatsapp",
    "com.instagram.android",
    "com.spotify.music",
    "com.bbva.bbvacontigo",
    "com.wallapop",
    "com.glovoapp",
    "com.idealista.android",
    "com.tinder",
    "org.telegram.messenger",
    "com.nimbus.weather",
    "com.pixelforge.blockpuzzle",
]

# The three look-alikes that are NOT personal data and carry no label.
NEG_ORDER_NO = "862026112008154"  # 15 digits starting like an IMEI, fails Luhn
NEG_REQUEST_ID = "9d2e47a1-0c5b-4f83-b6a9-3e71c8d05f2a"  # a per-request trace UUID
NEG_PLACEHOLDER_MAC = "02:00:00:00:00:00"  # what Android returns to apps that may not see the MAC

BROWSER_PKG = "com.mi.globalbrowser"
WEATHER_PKG = "com.nimbus.weather"
GAME_PKG = "com.pixelforge.blockpuzzle"
FB_APP_ID = "1458203947721036"

UA_BROWSER = (
    f"Mozilla/5.0 (Linux; U; Android {OS_VERSION}; es-es; {MODEL} Build/{BUILD_ID}) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 XiaoMi/MiuiBrowser/14.9.1-gn"
)
UA_WEBVIEW = (
    f"Mozilla/5.0 (Linux; Android {OS_VERSION}; {MODEL} Build/{BUILD_ID}; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36"
)
UA_DALVIK = f"Dalvik/2.1.0 (Linux; U; Android {OS_VERSION}; {MODEL} Build/{BUILD_ID})"
UA_OKHTTP = "okhttp/4.11.0"

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
JPEG_STUB = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + bytes(64) + b"\xff\xd9"
WEBP_STUB = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - reproducing what the SDKs send


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def epoch_ms(offset: float) -> int:
    return int((START + timedelta(seconds=offset)).timestamp() * 1000)


def compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def org_json(obj: Any) -> str:
    """JSON the way Android's org.json writes it: slashes escaped, non-ASCII left alone."""
    return compact(obj).replace("/", "\\/")


def java_hash(text: str) -> int:
    h = 0
    for ch in text:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


# -- a hand-rolled protobuf writer (enough for GA4 bundles and a checkin) ----------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_int(field_no: int, value: int) -> bytes:
    return _varint(field_no << 3) + _varint(value)


def pb_bytes(field_no: int, value: bytes | str) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return _varint(field_no << 3 | 2) + _varint(len(raw)) + raw


def ga4_event(name: str, ts: int, params: list[tuple[str, str | int]]) -> bytes:
    body = b""
    for key, value in params:
        param = pb_bytes(1, key) + (pb_bytes(2, value) if isinstance(value, str) else pb_int(4, value))
        body += pb_bytes(1, param)
    return body + pb_bytes(2, name) + pb_int(3, ts) + pb_int(4, ts - 4200)


def ga4_batch(app_id: str, app_version: str, gmp_app_id: str, t: float, events: list[bytes]) -> bytes:
    """MeasurementBatch{bundle=1: Bundle{...}} with the field numbers of gmp_measurement.proto."""
    ts = epoch_ms(t)
    bundle = pb_int(1, 1)
    for event in events:
        bundle += pb_bytes(2, event)
    bundle += pb_int(4, ts) + pb_int(5, ts - 61_000) + pb_int(6, ts - 500)
    bundle += pb_bytes(8, "android") + pb_bytes(9, OS_VERSION) + pb_bytes(10, MODEL)
    bundle += pb_bytes(11, "es-es") + pb_int(12, 60) + pb_bytes(13, "com.android.vending")
    bundle += pb_bytes(14, app_id) + pb_bytes(16, app_version) + pb_int(17, 233710) + pb_int(18, 243932)
    bundle += pb_bytes(19, GAID) + pb_int(20, 0) + pb_bytes(21, FIREBASE_INSTANCE)
    bundle += pb_int(23, 1) + pb_bytes(25, gmp_app_id)
    return pb_bytes(1, bundle)


# -- the session ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Label:
    kind: str
    value: str
    where: str
    path: str
    hashed: str | None = None


def lab(kind: str, value: str, where: str, path: str, hashed: str | None = None) -> Label:
    return Label(kind, value, where, path, hashed)


class Session:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.entries: list[dict[str, Any]] = []
        self.labels: list[dict[str, Any]] = []
        self.servers_seen: set[str] = set()

    def add(
        self,
        t: float,
        method: str,
        url: str,
        *,
        headers: list[tuple[str, str]],
        ip: str,
        h2: bool = False,
        body: bytes | str | None = None,
        binary_body: bool = False,
        status: int = 200,
        resp_headers: list[tuple[str, str]] | None = None,
        resp_body: bytes | str = b"",
        resp_mime: str = "",
        resp_cookies: list[dict[str, Any]] | None = None,
        error: str | None = None,
        labels: Sequence[Label] = (),
    ) -> int:
        index = len(self.entries)
        split = urlsplit(url)
        host = split.hostname or ""
        version = "HTTP/2.0" if h2 else "HTTP/1.1"
        req_headers = [(k.lower(), v) if h2 else (k, v) for k, v in headers]
        if not h2:
            req_headers.insert(0, ("Host", split.netloc))
        raw_body = body.encode() if isinstance(body, str) else (body or b"")
        if raw_body:
            req_headers.append(("content-length" if h2 else "Content-Length", str(len(raw_body))))
        cookies = []
        for name, value in req_headers:
            if name.lower() == "cookie":
                for piece in value.split(";"):
                    cname, _, cvalue = piece.strip().partition("=")
                    cookies.append({"name": cname, "value": cvalue})

        # Timings as mitmproxy computes them: connect/ssl only on a connection's first flow.
        conn_key = f"{split.scheme}://{split.netloc}"
        if conn_key in self.servers_seen:
            connect, ssl = -1.0, -1.0
        else:
            self.servers_seen.add(conn_key)
            connect = round(self.rng.uniform(18, 65), 3)
            ssl = round(self.rng.uniform(25, 90), 3) if split.scheme == "https" else -1.0
        send = round(self.rng.uniform(0.2, 3.5) + len(raw_body) / 4000, 3)
        if error:
            wait, receive = 0.0, 0.0
        else:
            wait = round(self.rng.uniform(30, 260), 3)
            receive = round(self.rng.uniform(0.5, 12), 3)
        timings = {"connect": connect, "ssl": ssl, "send": send, "receive": receive, "wait": wait}

        request: dict[str, Any] = {
            "method": method,
            "url": url,
            "httpVersion": version,
            "cookies": cookies,
            "headers": [{"name": k, "value": v} for k, v in req_headers],
            "queryString": [
                {"name": k, "value": v} for k, v in parse_qsl(split.query, keep_blank_values=True)
            ],
            "headersSize": _headers_size(req_headers),
            "bodySize": len(raw_body),
        }
        if method in ("POST", "PUT", "PATCH"):
            mime = next((v for k, v in req_headers if k.lower() == "content-type"), "")
            encoded = any(k.lower() == "content-encoding" for k, _ in req_headers)
            post: dict[str, Any] = {"mimeType": mime}
            if binary_body or encoded:
                # HAR text cannot hold raw bytes: base64 them and say so (our importer honours it).
                post["text"] = base64.b64encode(raw_body).decode()
                post["encoding"] = "base64"
                post["params"] = []
            else:
                text = raw_body.decode()
                post["text"] = text
                form = "x-www-form-urlencoded" in mime
                pairs = parse_qsl(text, keep_blank_values=True) if form else []
                post["params"] = [{"name": k, "value": v} for k, v in pairs]
            request["postData"] = post

        response: dict[str, Any]
        if error:
            response = {
                "status": 0,
                "statusText": "",
                "httpVersion": "",
                "headers": [],
                "cookies": [],
                "content": {},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
                "_transferSize": 0,
                "_error": error,
            }
        else:
            rbody = resp_body.encode() if isinstance(resp_body, str) else resp_body
            rh = list(resp_headers or [])
            if resp_mime:
                rh.insert(0, ("Content-Type", resp_mime))
            if status not in (204, 304):
                rh.append(("Content-Length", str(len(rbody))))
            rh = [(k.lower(), v) if h2 else (k, v) for k, v in rh]
            content: dict[str, Any] = {"size": len(rbody), "compression": 0, "mimeType": resp_mime}
            if rbody and _mostly_binary(rbody):
                content["text"] = base64.b64encode(rbody).decode()
                content["encoding"] = "base64"
            else:
                content["text"] = rbody.decode()
            response = {
                "status": status,
                "statusText": "" if h2 else _REASONS[status],
                "httpVersion": version,
                "cookies": resp_cookies or [],
                "headers": [{"name": k, "value": v} for k, v in rh],
                "content": content,
                "redirectURL": next((v for k, v in rh if k.lower() == "location"), ""),
                "headersSize": _headers_size(rh),
                "bodySize": len(rbody),
            }

        entry: dict[str, Any] = {
            "startedDateTime": (START + timedelta(seconds=t)).isoformat(),
            "time": round(sum(v for v in timings.values() if v >= 0), 3),
            "request": request,
            "response": response,
            "cache": {},
            "timings": timings,
            "serverIPAddress": ip,
        }
        self.entries.append(entry)
        for label in [*labels, *_user_agent_labels(req_headers)]:
            row: dict[str, Any] = {
                "entry": index,
                "host": host,
                "kind": label.kind,
                "value": label.value,
                "where": label.where,
                "path": label.path,
            }
            if label.hashed:
                row["hashed"] = label.hashed
            self.labels.append(row)
        return index

    def har(self) -> dict[str, Any]:
        return {
            "log": {
                "version": "1.2",
                "creator": {"name": "mitmproxy", "version": MITMPROXY_VERSION, "comment": ""},
                "pages": [],
                "entries": self.entries,
            }
        }


_REASONS = {200: "OK", 204: "No Content", 304: "Not Modified"}


def _user_agent_labels(headers: list[tuple[str, str]]) -> list[Label]:
    """Android user agents name the model and the OS release: that is personal data sent too."""
    ua = next((v for k, v in headers if k.lower() == "user-agent"), "")
    out = []
    if MODEL in ua:
        out.append(lab("device_model", MODEL, "header", "user-agent"))
    if f"Android {OS_VERSION}" in ua:
        out.append(lab("os_version", f"Android {OS_VERSION}", "header", "user-agent"))
    if "MK/" in ua:
        # Xiaomi's account SDK appends the marketing name, base64-encoded, as "MK/<base64>".
        out.append(lab("device_model", MARKETING_NAME, "header", "user-agent"))
    return out


def _headers_size(headers: list[tuple[str, str]]) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers) + 2


def _mostly_binary(data: bytes) -> bool:
    sample = data[:100]
    return sum(1 for b in sample if b < 9 or 13 < b < 32 or b > 126) > len(sample) * 0.3


def form(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs, quote_via=quote, safe="")


def json_resp(obj: Any) -> str:
    return compact(obj)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def html_page(title: str) -> str:
    head = f'<head><meta charset="utf-8"><title>{title}</title></head>'
    return f'<!DOCTYPE html><html lang="es">{head}<body>…</body></html>'


def google_search(query: str) -> str:
    q = quote(query).replace("%20", "+")
    return (
        f"https://www.google.com/search?q={q}&ie=UTF-8&client=ms-android-xiaomi-rvo3&sourceid=chrome-mobile"
    )


# -- the payloads, in the order the phone sent them -------------------------------------------------


def build(s: Session) -> None:
    rng = s.rng

    # 08:00:00 - screen on.  Google Play services checks in (protobuf; the IDs in it are binary).
    build_msg = (
        pb_bytes(1, f"Redmi/tapas_eea/tapas:{OS_VERSION}/{BUILD_ID}/{MIUI_VERSION}:user/release-keys")
        + pb_bytes(2, "qcom")
        + pb_bytes(3, "Redmi")
        + pb_bytes(9, "tapas")
        + pb_int(10, 33)
        + pb_bytes(12, "Xiaomi")
        + pb_bytes(13, "tapas_eea")
    )
    checkin = (
        pb_int(2, 4186309175320157233)
        + pb_bytes(4, pb_bytes(1, build_msg) + pb_int(2, epoch_ms(-43_200)))
        + pb_bytes(6, "es_ES")
        + pb_bytes(12, "Europe/Madrid")
        + pb_int(14, 3)
        + pb_int(22, 0)
    )
    s.add(
        0.0,
        "POST",
        "https://android.clients.google.com/checkin",
        headers=[
            ("Content-Type", "application/x-protobuffer"),
            ("User-Agent", f"Android-Checkin/2.0 (tapas {BUILD_ID}); gzip"),
            ("Accept-Encoding", "gzip"),
        ],
        body=checkin,
        binary_body=True,
        ip="142.250.184.206",
        resp_mime="application/x-protobuffer",
        resp_body=pb_int(1, 1) + pb_int(3, epoch_ms(0)),
    )

    s.add(
        1.9,
        "GET",
        "http://connectivitycheck.gstatic.com/generate_204",
        headers=[("User-Agent", UA_DALVIK), ("Connection", "Keep-Alive"), ("Accept-Encoding", "gzip")],
        ip="142.250.200.35",
        status=204,
        resp_headers=[("Date", "Fri, 20 Nov 2026 08:00:01 GMT")],
    )

    ocsp_req = bytes.fromhex(
        "3051304f304d304b3049300906052b0e03021a05000414"
        "1e3a7c9f2b6d4e5a8c0f3b1d7e9a2c4b6d8f0a1e0414"
        "8a747faf85cdee95cd3d9cd0e24614f371351d27021011a4c6d2e8f3079b5d1e2c3a4b5c6d7e8f"
    )
    s.add(
        2.7,
        "POST",
        "http://ocsp.pki.goog/gts1c3",
        headers=[
            ("Content-Type", "application/ocsp-request"),
            ("User-Agent", "Cronet/112.0.5615.136"),
            ("Accept", "*/*"),
        ],
        body=ocsp_req,
        binary_body=True,
        ip="142.250.178.3",
        resp_mime="application/ocsp-response",
        resp_body=bytes.fromhex("308201d30a0100a08201cc") + bytes(40),
    )

    s.add(
        3.3,
        "POST",
        "https://www.googleapis.com/experimentsandconfigs/v1/getExperimentsAndConfigs?r=3&c=1",
        headers=[
            ("content-type", "application/x-protobuf"),
            ("user-agent", "com.google.android.gms/233710022 (Linux; U; Android 13; es_ES; 23021RAAEG)"),
            ("accept-encoding", "gzip, deflate, br"),
        ],
        body=pb_bytes(1, pb_bytes(1, "com.google.android.gms.measurement") + pb_int(2, 233710))
        + pb_int(3, 33),
        binary_body=True,
        h2=True,
        ip="142.250.185.74",
        resp_mime="application/x-protobuf",
        resp_body=pb_bytes(1, pb_bytes(1, "flag_ttl") + pb_int(2, 86400)),
    )

    # Xiaomi OneTrack: the security app's daily-active ping, plain JSON.
    onetrack_h = {
        "app_id": "31000000142",
        "pkg": "com.miui.securitycenter",
        "app_ver": "7.6.9-231012.0.1",
        "sdk_ver": "2.2.4",
        "model": MODEL,
        "os_ver": OS_VERSION,
        "miui_ver": MIUI_VERSION,
        "region": "ES",
        "lang": LOCALE,
        "carrier": CARRIER,
        "net": "WIFI",
        "android_id": ANDROID_ID,
        "gaid": GAID,
        "mac": WIFI_MAC.upper(),
        "ts": epoch_ms(4.8),
    }
    body = compact(
        {
            "H": onetrack_h,
            "B": [
                {
                    "H": {"event": "onetrack_dau", "seq": 1, "ts": epoch_ms(4.7)},
                    "B": {"first_screen_on": True},
                },
                {
                    "H": {"event": "sc_scan_finish", "seq": 2, "ts": epoch_ms(4.75)},
                    "B": {"risk": 0, "ms": 812},
                },
            ],
        }
    )
    s.add(
        4.8,
        "POST",
        "https://tracking.intl.miui.com/track/v4",
        headers=[
            ("Content-Type", "application/json; charset=utf-8"),
            ("User-Agent", UA_OKHTTP),
            ("OT-Platform", "android"),
            ("Accept-Encoding", "gzip"),
        ],
        body=body,
        ip="47.241.125.33",
        resp_mime="application/json",
        resp_body=json_resp({"code": 0, "msg": "success"}),
        labels=[
            lab("device_model", MODEL, "body", "H.model"),
            lab("os_version", OS_VERSION, "body", "H.os_ver"),
            lab("os_version", MIUI_VERSION, "body", "H.miui_ver"),
            lab("carrier", CARRIER, "body", "H.carrier"),
            lab("android_id", ANDROID_ID, "body", "H.android_id"),
            lab("advertising_id", GAID, "body", "H.gaid"),
            lab("mac_address", WIFI_MAC, "body", "H.mac"),
        ],
    )

    # MiStat from the launcher: a form with the IMEI and the installed apps as one comma list.
    pairs = [
        ("ai", "2882303761517492566"),
        ("ak", "5601749275566"),
        ("rc", "ES"),
        ("pkg", "com.miui.home"),
        ("ver", "4.39.14.6512-09151847"),
        ("imei", IMEI),
        ("model", MODEL),
        ("os_ver", OS_VERSION),
        ("operator", CARRIER),
        ("apps", ",".join(INSTALLED_APPS)),
        ("ts", str(epoch_ms(6.2))),
    ]
    pairs.append(("sign", md5("".join(v for _, v in pairs))))
    s.add(
        6.2,
        "POST",
        "https://data.mistat.intl.xiaomi.com/mistats/v3",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("User-Agent", UA_DALVIK),
            ("Accept-Encoding", "gzip"),
        ],
        body=form(pairs),
        ip="8.219.52.190",
        resp_mime="application/json",
        resp_body=json_resp({"status": "ok", "next": 3600}),
        labels=[
            lab("imei", IMEI, "body", "imei"),
            lab("device_model", MODEL, "body", "model"),
            lab("os_version", OS_VERSION, "body", "os_ver"),
            lab("carrier", CARRIER, "body", "operator"),
            lab("installed_apps", ",".join(INSTALLED_APPS), "body", "apps"),
        ],
    )

    # Ad config unchanged since yesterday: 304.
    s.add(
        9.0,
        "GET",
        "https://sdkconfig.ad.intl.xiaomi.com/api/v4/detail/config?pkg=com.miui.msa.global&v=2.8.7&r=ES&l=es",
        headers=[("User-Agent", UA_OKHTTP), ("If-None-Match", '"c3f1a9-4b1"'), ("Accept-Encoding", "gzip")],
        ip="47.241.16.207",
        status=304,
        resp_headers=[("ETag", '"c3f1a9-4b1"')],
    )

    # Mi Cloud sign-in: the e-mail address in a form.
    pairs = [
        ("_json", "true"),
        ("sid", "micloud"),
        ("qs", "%3Fsid%3Dmicloud%26_json%3Dtrue"),
        ("callback", "https://sts.api.io.mi.com/sts"),
        ("_sign", "2&V1_micloud&BmJmdFhUE3QcKfN0WMd0nEYn5PE="),
        ("user", EMAIL),
        ("hash", md5("Tortilla!2026").upper()),
    ]
    s.add(
        15.5,
        "POST",
        "https://account.xiaomi.com/pass/serviceLoginAuth2",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            (
                "User-Agent",
                f"{UA_DALVIK} APP/xiaomi.account APPV/1.4.7 MK/{b64(MARKETING_NAME)}",
            ),
            ("Cookie", "sdkVersion=accountsdk-18.8.15; uLocale=es_ES"),
            ("Accept-Encoding", "gzip"),
        ],
        body=form(pairs),
        ip="161.117.98.14",
        resp_mime="application/json;charset=UTF-8",
        resp_body="&&&START&&&"
        + json_resp({"code": 0, "desc": "成功", "location": "https://sts.api.io.mi.com/sts"}),
        resp_headers=[
            ("Set-Cookie", "passToken=V1:Jz9s0fQkX2...; Domain=.account.xiaomi.com; Path=/; Secure; HttpOnly")
        ],
        resp_cookies=[
            {
                "name": "passToken",
                "value": "V1:Jz9s0fQkX2...",
                "path": "/",
                "domain": ".account.xiaomi.com",
                "httpOnly": True,
                "secure": True,
            }
        ],
        labels=[lab("email", EMAIL, "body", "user")],
    )

    # The SIM is bound to the account: the phone number, plus a SHA-1 of the Android ID.
    pairs = [
        ("phone", PHONE),
        ("simIndex", "0"),
        ("carrier", CARRIER),
        ("hashedDeviceId", sha1(ANDROID_ID)),
        ("_locale", LOCALE),
    ]
    s.add(
        17.0,
        "POST",
        "https://api.account.xiaomi.com/pass/v2/sim/activate",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("User-Agent", f"{UA_DALVIK} APP/xiaomi.account APPV/1.4.7"),
            ("Accept-Encoding", "gzip"),
        ],
        body=form(pairs),
        ip="161.117.98.25",
        resp_mime="application/json;charset=UTF-8",
        resp_body="&&&START&&&" + json_resp({"code": 0, "result": "ok"}),
        labels=[
            lab("phone_number", PHONE, "body", "phone"),
            lab("carrier", CARRIER, "body", "carrier"),
            lab("android_id", sha1(ANDROID_ID), "body", "hashedDeviceId", "sha1"),
        ],
    )

    # 08:01 - Mi Browser opens on its news feed.  The Android ID rides in a cookie.
    s.add(
        60.2,
        "GET",
        "https://api-browser.intl.miui.com/browser/feed/v2/list?channel=recommend&lang=es_ES&region=ES"
        f"&model={MODEL}&version=14.9.1-gn&net=wifi&page=1",
        headers=[
            ("User-Agent", UA_BROWSER),
            ("Accept", "application/json"),
            ("Cookie", f"mibrowser_did={ANDROID_ID}; lang=es_ES; theme=light"),
            ("Accept-Encoding", "gzip"),
        ],
        ip="47.241.204.80",
        resp_mime="application/json",
        resp_body=json_resp(
            {
                "code": 0,
                "data": [
                    {
                        "id": "n_81273",
                        "title": "El Metro de Madrid amplía su horario nocturno",
                        "source": "El País",
                        "img": "https://cdn.browser.intl.miui.com/feed/img/81273.webp",
                    },
                    {"id": "n_81290", "title": "Previsión: nubes y claros en Madrid", "source": "AEMET"},
                ],
            }
        ),
        labels=[
            lab("device_model", MODEL, "query", "model"),
            lab("android_id", ANDROID_ID, "cookie", "mibrowser_did"),
        ],
    )

    s.add(
        61.0,
        "GET",
        "https://cdn.browser.intl.miui.com/feed/img/81273.webp",
        headers=[
            ("User-Agent", UA_BROWSER),
            ("Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"),
            ("X-Requested-With", BROWSER_PKG),
        ],
        ip="2.16.186.72",
        resp_mime="image/webp",
        resp_body=WEBP_STUB,
        resp_headers=[("Cache-Control", "public, max-age=2592000")],
    )

    search1 = "farmacia de guardia madrid centro"
    search1_url = google_search(search1)
    s.add(
        75.3,
        "GET",
        search1_url,
        headers=[
            ("user-agent", UA_BROWSER),
            ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("accept-language", "es-ES,es;q=0.9"),
            ("x-requested-with", BROWSER_PKG),
        ],
        h2=True,
        ip="142.250.201.68",
        resp_mime="text/html; charset=UTF-8",
        resp_body=html_page(f"{search1} - Buscar con Google"),
        labels=[lab("search_query", search1, "query", "q")],
    )

    cofm_url = "https://www.cofm.es/es/farmacias/guardias/?municipio=madrid&zona=centro"
    s.add(
        82.0,
        "GET",
        cofm_url,
        headers=[
            ("User-Agent", UA_BROWSER),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "es-ES,es;q=0.9"),
            ("X-Requested-With", BROWSER_PKG),
        ],
        ip="217.76.128.35",
        resp_mime="text/html; charset=utf-8",
        resp_body=html_page("Farmacias de guardia - COFM"),
    )

    article = "https://elpais.com/espana/madrid/2026-11-20/el-metro-de-madrid-amplia-su-horario-nocturno.html"
    s.add(
        110.4,
        "GET",
        article,
        headers=[
            ("user-agent", UA_BROWSER),
            ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("accept-language", "es-ES,es;q=0.9"),
            ("x-requested-with", BROWSER_PKG),
        ],
        h2=True,
        ip="151.101.1.91",
        resp_mime="text/html; charset=utf-8",
        resp_body=(
            '<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
            '<meta name="referrer" content="no-referrer-when-downgrade">'
            "<title>El Metro de Madrid amplía su horario nocturno | EL PAÍS</title></head>"
            "<body><article>…</article></body></html>"
        ),
    )

    s.add(
        111.2,
        "GET",
        "https://imagenes.elpais.com/resizer/v2/X7KQ3MBW4JFTBNM2YQZ5R6P2LA.jpg?auth=5f0c9e&width=414",
        headers=[
            ("user-agent", UA_BROWSER),
            ("accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"),
            ("x-requested-with", BROWSER_PKG),
        ],
        h2=True,
        ip="151.101.2.91",
        resp_mime="image/jpeg",
        resp_body=JPEG_STUB,
    )

    # The news site's ad slot: the article URL goes out twice, in the query and in the Referer.
    gam_query = [
        ("iu", "/7811748/elpais_web/madrid/articulo"),
        ("sz", "320x50|320x100"),
        ("fluid", "height"),
        ("url", article),
        ("correlator", str(rng.randrange(10**15, 10**16))),
        ("output", "ldjh"),
        ("impl", "fifs"),
        ("u_w", "393"),
        ("u_h", "873"),
        ("dt", str(epoch_ms(112.9))),
    ]
    s.add(
        112.9,
        "GET",
        "https://securepubads.g.doubleclick.net/gampad/ads?" + form(gam_query),
        headers=[
            ("user-agent", UA_BROWSER),
            ("accept", "*/*"),
            ("referer", article),
            ("x-requested-with", BROWSER_PKG),
        ],
        h2=True,
        ip="142.250.184.194",
        resp_mime="text/plain; charset=UTF-8",
        resp_body='{"/7811748/elpais_web/madrid/articulo":["html",0,null,null,0,50,320,0]}',
        labels=[
            lab("visited_url", article, "query", "url"),
            lab("visited_url", article, "header", "referer"),
        ],
    )

    # Mi Browser's Sensors Analytics batch: every page and search, base64(gzip(JSON)) in a form.
    def sa_props(extra: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {
            "$lib": "Android",
            "$lib_version": "4.3.6",
            "$os": "Android",
            "$os_version": OS_VERSION,
            "$manufacturer": "Xiaomi",
            "$model": MODEL,
            "$brand": "Redmi",
            "$app_version": "14.9.1-gn",
            "$screen_width": 1080,
            "$screen_height": 2400,
            "$carrier": CARRIER,
            "$network_type": "WIFI",
            "$wifi": True,
        }
        props.update(extra)
        return props

    def sa_batch(t: float, events: list[tuple[str, float, dict[str, Any]]]) -> tuple[str, list[Label]]:
        rows = []
        labels: list[Label] = []
        for i, (name, offset, extra) in enumerate(events):
            rows.append(
                {
                    "_track_id": rng.randrange(-(2**31), 2**31),
                    "time": epoch_ms(offset),
                    "type": "track",
                    "distinct_id": ANDROID_ID,
                    "lib": {
                        "$lib": "Android",
                        "$lib_version": "4.3.6",
                        "$app_version": "14.9.1-gn",
                        "$lib_method": "code",
                    },
                    "event": name,
                    "properties": sa_props(extra),
                    "_flush_time": epoch_ms(t),
                }
            )
            p = f"data_list[{i}]"
            labels += [
                lab("android_id", ANDROID_ID, "body", f"{p}.distinct_id"),
                lab("os_version", OS_VERSION, "body", f"{p}.properties.$os_version"),
                lab("device_model", MODEL, "body", f"{p}.properties.$model"),
                lab("carrier", CARRIER, "body", f"{p}.properties.$carrier"),
                lab("visited_url", extra["url"], "body", f"{p}.properties.url"),
            ]
            if "search_word" in extra:
                labels.append(
                    lab("search_query", extra["search_word"], "body", f"{p}.properties.search_word")
                )
        packed = base64.b64encode(gzip.compress(org_json(rows).encode(), mtime=0)).decode()
        return form([("crc", str(java_hash(packed))), ("gzip", "1"), ("data_list", packed)]), labels

    sa_url = "https://sa.api.intl.miui.com/sa?project=global_browser"
    sa_headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("User-Agent", UA_DALVIK),
        ("Accept-Encoding", "gzip"),
    ]
    body, labels = sa_batch(
        150.0,
        [
            (
                "search",
                75.1,
                {
                    "url": search1_url,
                    "search_word": search1,
                    "search_engine": "google",
                    "search_position": "address_bar",
                    "is_incognito": False,
                },
            ),
            (
                "url_visit",
                82.0,
                {
                    "url": cofm_url,
                    "title": "Farmacias de guardia - COFM",
                    "stay_time": 26400,
                    "is_incognito": False,
                },
            ),
            (
                "url_visit",
                110.4,
                {
                    "url": article,
                    "title": "El Metro de Madrid amplía su horario nocturno | EL PAÍS",
                    "stay_time": 38200,
                    "from": "feed",
                    "is_incognito": False,
                },
            ),
        ],
    )
    s.add(
        150.0,
        "POST",
        sa_url,
        headers=sa_headers,
        body=body,
        ip="8.219.114.23",
        resp_mime="text/plain",
        resp_body="",
        labels=labels,
    )

    # Incognito: a sensitive search and page.  Mi Browser reports them all the same.
    search2 = "síntomas ansiedad por la noche"
    search2_url = google_search(search2)
    s.add(
        200.4,
        "GET",
        search2_url,
        headers=[
            ("user-agent", UA_BROWSER),
            ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("accept-language", "es-ES,es;q=0.9"),
            ("x-requested-with", BROWSER_PKG),
        ],
        h2=True,
        ip="142.250.201.68",
        resp_mime="text/html; charset=UTF-8",
        resp_body=html_page(f"{search2} - Buscar con Google"),
        labels=[lab("search_query", search2, "query", "q")],
    )

    cun_url = "https://www.cun.es/enfermedades-tratamientos/enfermedades/trastorno-ansiedad"
    s.add(
        209.8,
        "GET",
        cun_url,
        headers=[
            ("User-Agent", UA_BROWSER),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "es-ES,es;q=0.9"),
            ("X-Requested-With", BROWSER_PKG),
        ],
        ip="185.42.105.40",
        resp_mime="text/html; charset=utf-8",
        resp_body=html_page("Trastorno de ansiedad. Síntomas y tratamiento | CUN"),
    )

    body, labels = sa_batch(
        240.0,
        [
            (
                "search",
                200.2,
                {
                    "url": search2_url,
                    "search_word": search2,
                    "search_engine": "google",
                    "search_position": "address_bar",
                    "is_incognito": True,
                },
            ),
            (
                "url_visit",
                209.8,
                {
                    "url": cun_url,
                    "title": "Trastorno de ansiedad. Síntomas y tratamiento | CUN",
                    "stay_time": 27100,
                    "is_incognito": True,
                },
            ),
        ],
    )
    s.add(
        240.0,
        "POST",
        sa_url,
        headers=sa_headers,
        body=body,
        ip="8.219.114.23",
        resp_mime="text/plain",
        resp_body="",
        labels=labels,
    )

    s.add(
        245.5,
        "GET",
        "https://api-browser.intl.miui.com/browser/hotwords/v1?region=ES&lang=es&count=10",
        headers=[
            ("User-Agent", UA_BROWSER),
            ("Accept", "application/json"),
            ("If-None-Match", 'W/"7d-19a2"'),
        ],
        ip="47.241.204.80",
        status=304,
        resp_headers=[("ETag", 'W/"7d-19a2"')],
    )

    # 08:05 - the weather app.  Its own backend puts the Android ID in the URL path...
    s.add(
        300.5,
        "GET",
        f"https://api.nimbusweather.io/v1/device/{ANDROID_ID}/config?app_ver=3.8.1&lang=es",
        headers=[("User-Agent", UA_OKHTTP), ("Accept", "application/json"), ("Accept-Encoding", "gzip")],
        ip="13.38.141.77",
        resp_mime="application/json",
        resp_body=json_resp({"radar": True, "ads": {"banner": "admob"}, "refresh_min": 30}),
        labels=[lab("android_id", ANDROID_ID, "path", "/2")],
    )

    # ...then posts the precise fix, the Wi-Fi it is on and the serving cell.  request_id is a
    # trace UUID (look-alike negative).
    body = compact(
        {
            "request_id": NEG_REQUEST_ID,
            "app": {"id": WEATHER_PKG, "ver": "3.8.1"},
            "location": {
                "latitude": LAT6,
                "longitude": LON6,
                "accuracy": 11.8,
                "provider": "fused",
                "fix_time": epoch_ms(299.0),
            },
            "wifi": {"bssid": BSSID, "ssid": SSID, "rssi": -58},
            "cell": {"type": "lte", "mcc": MCC, "mnc": MNC, "lac": LAC, "cid": CID},
            "locale": "es-ES",
            "units": "metric",
        }
    )
    s.add(
        301.4,
        "POST",
        "https://api.nimbusweather.io/v2/locate",
        headers=[
            ("Content-Type", "application/json; charset=UTF-8"),
            ("User-Agent", UA_OKHTTP),
            ("X-Device-Id", ANDROID_ID),
            ("Accept-Encoding", "gzip"),
        ],
        body=body,
        ip="13.38.141.77",
        resp_mime="application/json",
        resp_body=json_resp({"city": "Madrid", "district": "Centro", "station": "LEMD"}),
        labels=[
            lab("android_id", ANDROID_ID, "header", "x-device-id"),
            lab("coordinates", f"{LAT6},{LON6}", "body", "location.latitude"),
            lab("wifi_network", BSSID, "body", "wifi.bssid"),
            lab("wifi_network", SSID, "body", "wifi.ssid"),
            lab("cell_tower", f"{MCC}-{MNC}-{LAC}-{CID}", "body", "cell"),
        ],
    )

    owm_key = "8f3c2a9d71e64b05a1c7e2f4d9b3a6c0"
    for t, endpoint in ((302.0, "weather"), (302.3, "forecast")):
        s.add(
            t,
            "GET",
            f"http://api.openweathermap.org/data/2.5/{endpoint}?lat={LAT4}&lon={LON4}&units=metric&lang=es&appid={owm_key}",
            headers=[("User-Agent", UA_OKHTTP), ("Accept-Encoding", "gzip")],
            ip="37.139.20.5",
            resp_mime="application/json; charset=utf-8",
            resp_body=json_resp(
                {
                    "coord": {"lon": -3.7035, "lat": 40.4169},
                    "name": "Sol",
                    "cod": 200,
                    "main": {"temp": 9.4, "humidity": 71},
                }
            ),
            labels=[lab("coordinates", f"{LAT4},{LON4}", "query", "lat")],
        )

    s.add(
        303.1,
        "GET",
        "https://openweathermap.org/img/wn/02d@2x.png",
        headers=[("User-Agent", UA_OKHTTP), ("Accept-Encoding", "gzip")],
        ip="37.139.1.159",
        resp_mime="image/png",
        resp_body=PNG_1X1,
    )

    # Firebase Analytics (protobuf, sent as "form" the way the SDK labels it).  Only the GAID
    # string is labelled: the model and OS version strings in it have no key to say what they are.
    events = [
        ga4_event("_s", epoch_ms(299.5), [("_o", "auto"), ("_sid", 1795163099)]),
        ga4_event("_vs", epoch_ms(300.0), [("_o", "auto"), ("_sc", "MainActivity"), ("_si", 4102963351)]),
        ga4_event("_e", epoch_ms(304.0), [("_o", "auto"), ("_et", 4012)]),
    ]
    s.add(
        305.0,
        "POST",
        "https://app-measurement.com/a",
        headers=[
            ("content-type", "application/x-www-form-urlencoded"),
            ("user-agent", UA_DALVIK),
            ("accept-encoding", "gzip"),
        ],
        body=ga4_batch(WEATHER_PKG, "3.8.1", "1:604512298113:android:2b7e41f09c3d5a86", 305.0, events),
        binary_body=True,
        h2=True,
        ip="142.250.185.206",
        status=204,
        labels=[lab("advertising_id", GAID, "body", "1.19")],
    )

    def gma_query(pkg: str, app_ver: str, fmt: str, t: float) -> list[tuple[str, str]]:
        return [
            ("submodel", MODEL),
            ("is_lat", "0"),
            ("rdid", GAID),
            ("u_sd", "2.75"),
            ("u_w", "393"),
            ("u_h", "873"),
            ("msid", pkg),
            ("an", f"{app_ver}.android.{pkg}"),
            ("net", "wi"),
            ("u_audio", "3"),
            ("u_so", "p"),
            ("format", fmt),
            ("output", "html"),
            ("region", "mobile_app"),
            ("u_tz", "60"),
            ("gl", "ES"),
            ("hl", "es"),
            ("js", "afma-sdk-a-v233710999.233710000.1"),
            ("session_id", str(rng.randrange(10**18, 10**19))),
            ("seq_num", "1"),
            ("dt", str(epoch_ms(t))),
        ]

    s.add(
        330.2,
        "GET",
        "https://googleads.g.doubleclick.net/mads/gma?"
        + form(gma_query(WEATHER_PKG, "381", "320x50_mb", 330.2)),
        headers=[("user-agent", UA_WEBVIEW), ("accept-encoding", "gzip"), ("x-requested-with", WEATHER_PKG)],
        h2=True,
        ip="142.250.186.66",
        resp_mime="text/html; charset=UTF-8",
        resp_body='<!doctype html><html><body><div id="ad"></div></body></html>',
        labels=[
            lab("device_model", MODEL, "query", "submodel"),
            lab("advertising_id", GAID, "query", "rdid"),
        ],
    )

    s.add(
        331.0,
        "GET",
        "https://tpc.googlesyndication.com/simgad/11827364512849201773",
        headers=[
            ("user-agent", UA_WEBVIEW),
            ("accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"),
            ("x-requested-with", WEATHER_PKG),
        ],
        h2=True,
        ip="172.217.16.129",
        resp_mime="image/png",
        resp_body=PNG_1X1,
    )

    # 08:07 - MIUI's cleaner shows an ad: the request is JSON in a form field.
    client_info = {
        "deviceInfo": {
            "screenWidth": 1080,
            "screenHeight": 2400,
            "screenDensity": 440,
            "model": MODEL,
            "androidVersion": OS_VERSION,
            "miuiVersion": MIUI_VERSION,
            "miuiVersionName": "V140",
            "bc": "stable",
            "make": "xiaomi",
            "isInter": True,
            "os": "android",
        },
        "userInfo": {
            "locale": LOCALE,
            "language": "es",
            "country": "ES",
            "customization": "",
            "connectionType": "WIFI",
            "serviceProvider": CARRIER,
            "gaid": GAID,
            "isPersonalizedAdEnabled": True,
        },
        "applicationInfo": {"platform": "xiaomi", "packageName": "com.miui.cleanmaster", "version": 40000720},
        "impRequests": [{"tagId": "1.305.1.2", "adsCount": 1, "template": "2.11"}],
        "context": {},
    }
    pairs = [("clientInfo", compact(client_info)), ("appKey", "GLOBAL_CLEANMASTER"), ("v", "3.0")]
    pairs.append(("sign", md5(pairs[0][1] + "GLOBAL_CLEANMASTER")))
    s.add(
        420.3,
        "POST",
        "https://api.ad.intl.xiaomi.com/u/api",
        headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("User-Agent", UA_DALVIK),
            ("Accept-Encoding", "gzip"),
        ],
        body=form(pairs),
        ip="47.241.66.108",
        resp_mime="application/json",
        resp_body=json_resp({"code": 0, "adInfos": [{"id": 60012873, "title": "Limpieza rápida"}]}),
        labels=[
            lab("device_model", MODEL, "body", "clientInfo.deviceInfo.model"),
            lab("os_version", OS_VERSION, "body", "clientInfo.deviceInfo.androidVersion"),
            lab("os_version", MIUI_VERSION, "body", "clientInfo.deviceInfo.miuiVersion"),
            lab("carrier", CARRIER, "body", "clientInfo.userInfo.serviceProvider"),
            lab("advertising_id", GAID, "body", "clientInfo.userInfo.gaid"),
        ],
    )

    # GetApps' recommendation engine gets the installed apps as objects (no flat list to match).
    apps = [
        {"pkg": p, "vc": 1000 + 37 * i, "fit": epoch_ms(-86_400 * (40 - 3 * i)) // 1000, "sys": False}
        for i, p in enumerate(INSTALLED_APPS)
    ]
    body = compact(
        {
            "gaid": GAID,
            "model": MODEL,
            "region": "ES",
            "miuiVersion": MIUI_VERSION,
            "apps": apps,
            "ts": epoch_ms(425.0),
        }
    )
    s.add(
        425.0,
        "POST",
        "https://globalapi.ad.xiaomi.com/api/v2/appinfo/report",
        headers=[
            ("Content-Type", "application/json; charset=utf-8"),
            ("User-Agent", UA_OKHTTP),
            ("Accept-Encoding", "gzip"),
        ],
        body=body,
        ip="8.219.33.170",
        resp_mime="application/json",
        resp_body=json_resp({"code": 0}),
        labels=[
            lab("advertising_id", GAID, "body", "gaid"),
            lab("device_model", MODEL, "body", "model"),
            lab("os_version", MIUI_VERSION, "body", "miuiVersion"),
            lab("installed_apps", ",".join(INSTALLED_APPS), "body", "apps"),
        ],
    )

    # 08:08 - the game starts: Adjust, AppsFlyer, Facebook, its own backend, Firebase.
    def adjust_pairs(t: float, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
        stamp = (START + timedelta(seconds=t)).strftime(
            "%Y-%m-%dT%H:%M:%S."
        ) + f"{int(t * 1000) % 1000:03d}Z+0000"
        return [
            ("app_token", "3kz8a9vfb2yo"),
            ("attribution_deeplink", "1"),
            ("connectivity_type", "1"),
            ("country", "ES"),
            ("cpu_type", "arm64-v8a"),
            ("created_at", stamp),
            ("device_manufacturer", "Xiaomi"),
            ("device_name", MODEL),
            ("device_type", "phone"),
            ("display_height", "2400"),
            ("display_width", "1080"),
            ("environment", "production"),
            ("gps_adid", GAID),
            ("gps_adid_attempt", "1"),
            ("gps_adid_src", "service"),
            ("language", "es"),
            ("mcc", MCC),
            ("mnc", MNC),
            ("needs_response_details", "1"),
            ("os_name", "android"),
            ("os_version", OS_VERSION),
            ("package_name", GAME_PKG),
            ("screen_density", "high"),
            ("screen_format", "long"),
            ("screen_size", "normal"),
            ("android_uuid", ADJUST_UUID),
            ("tracking_enabled", "1"),
            *extra,
            ("sent_at", stamp),
        ]

    adjust_labels = [
        lab("device_model", MODEL, "body", "device_name"),
        lab("advertising_id", GAID, "body", "gps_adid"),
        lab("cell_tower", f"{MCC}-{MNC}--", "body", "mcc"),
        lab("os_version", OS_VERSION, "body", "os_version"),
        lab("device_id", ADJUST_UUID, "body", "android_uuid"),
    ]
    adjust_headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Client-SDK", "android4.38.0"),
        ("User-Agent", UA_DALVIK),
        ("Accept-Encoding", "gzip"),
    ]
    s.add(
        480.2,
        "POST",
        "https://app.adjust.com/session",
        headers=adjust_headers,
        body=form(
            adjust_pairs(
                480.2, [("session_count", "3"), ("subsession_count", "1"), ("last_interval", "48211")]
            )
        ),
        ip="3.65.142.9",
        resp_mime="application/json",
        resp_body=json_resp(
            {
                "app_token": "3kz8a9vfb2yo",
                "adid": "8a1fd0e2c3b94f5e7d6a",
                "timestamp": "2026-11-20T08:08:00.512Z+0000",
            }
        ),
        labels=adjust_labels,
    )

    def appsflyer_body(t: float, extra: dict[str, Any]) -> str:
        payload = {
            "advertiserId": GAID,
            "advertiserIdEnabled": "true",
            "af_events_api": "1",
            "af_preinstalled": "false",
            "af_timestamp": str(epoch_ms(t)),
            "app_version_code": "412",
            "app_version_name": "4.1.2",
            "appsflyerKey": "Qm7fXp2tKd9wYc4vRb8sLa",
            "brand": "Redmi",
            "carrier": CARRIER,
            "counter": "3",
            "country": "ES",
            "date1": "2026-11-18_193204+0100",
            "deviceData": {
                "arch": "",
                "btch": "no",
                "btl": "82.0",
                "build_display_id": BUILD_ID,
                "cpu_abi": "arm64-v8a",
                "cpu_abi2": "",
                "dim": {
                    "d_dpi": "440",
                    "size": "2",
                    "x_px": "1080",
                    "xdp": "395.0",
                    "y_px": "2400",
                    "ydp": "394.0",
                },
            },
            "installDate": "2026-11-18_183201+0000",
            "installer_package": "com.android.vending",
            "isFirstCall": "false",
            "isGaidWithGps": "true",
            "lang": "español",
            "lang_code": "es",
            "model": MODEL,
            "network": "WIFI",
            "operator": CARRIER,
            "platformextension": "android_native",
            "tzDisplayName": "hora estándar de Europa central",
            "tzOffset": "3600000",
            "uid": AF_UID,
        }
        payload.update(extra)
        return compact(payload)

    appsflyer_labels = [
        lab("advertising_id", GAID, "body", "advertiserId"),
        lab("carrier", CARRIER, "body", "carrier"),
        lab("device_model", MODEL, "body", "model"),
        lab("carrier", CARRIER, "body", "operator"),
        lab("device_id", AF_UID, "body", "uid"),
    ]
    af_headers = [
        ("content-type", "application/json"),
        ("user-agent", UA_DALVIK),
        ("accept-encoding", "gzip"),
    ]
    s.add(
        481.0,
        "POST",
        f"https://launches.appsflyer.com/api/v6.9/androidevent?app_id={GAME_PKG}&buildnumber=6.9.4",
        headers=af_headers,
        body=appsflyer_body(481.0, {"timepassedsincelastlaunch": "48"}),
        h2=True,
        ip="52.16.190.32",
        resp_mime="text/plain",
        resp_body="ok",
        labels=appsflyer_labels,
    )

    extinfo = [
        "a2",
        GAME_PKG,
        412,
        "4.1.2",
        OS_VERSION,
        MARKETING_NAME,
        LOCALE,
        "CET",
        CARRIER,
        1080,
        2400,
        "2.75",
        8,
        112,
        64,
        "Europe/Madrid",
    ]

    def facebook_pairs(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [
            ("format", "json"),
            ("sdk", "android"),
            ("sdk_version", "16.3.0"),
            ("event", "CUSTOM_APP_EVENTS"),
            ("advertiser_id", GAID),
            ("advertiser_tracking_enabled", "true"),
            ("anon_id", FB_ANON_ID),
            ("application_tracking_enabled", "true"),
            ("extinfo", compact(extinfo)),
            ("application_package_name", GAME_PKG),
            ("installer_package", "com.android.vending"),
            ("ud", compact({"em": sha256(EMAIL), "ph": sha256(PHONE.lstrip("+"))})),
            ("custom_events", compact(events)),
            ("num_skipped_events", "0"),
        ]

    fb_labels = [
        lab("advertising_id", GAID, "body", "advertiser_id"),
        lab("device_id", FB_ANON_ID, "body", "anon_id"),
        lab("os_version", OS_VERSION, "body", "extinfo[4]"),
        lab("device_model", MARKETING_NAME, "body", "extinfo[5]"),
        lab("carrier", CARRIER, "body", "extinfo[8]"),
        lab("email", sha256(EMAIL), "body", "ud.em", "sha256"),
        lab("phone_number", sha256(PHONE.lstrip("+")), "body", "ud.ph", "sha256"),
    ]
    fb_url = f"https://graph.facebook.com/v17.0/{FB_APP_ID}/activities"
    fb_headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("user-agent", "FBAndroidSDK.16.3.0"),
        ("accept-language", "es_ES"),
        ("accept-encoding", "gzip"),
    ]
    session_id = "6e0b9f3d-21c8-47a5-8d6e-b2f4a9c13e70"
    body = form(
        facebook_pairs(
            [
                {
                    "_eventName": "fb_mobile_activate_app",
                    "_logTime": epoch_ms(481.5) // 1000,
                    "_ui": "unknown",
                    "_session_id": session_id,
                    "fb_mobile_launch_source": "Unclassified",
                    "_implicitlyLogged": "1",
                }
            ]
        )
    )
    s.add(
        482.1,
        "POST",
        fb_url,
        headers=fb_headers,
        body=body,
        h2=True,
        ip="157.240.201.15",
        resp_mime="application/json; charset=UTF-8",
        resp_body=json_resp({"success": True}),
        labels=fb_labels,
    )

    # The game's backend: an unusable placeholder MAC (look-alike negative).
    body = compact(
        {
            "client": {"ver": "4.1.2", "build": 412, "unity": "2022.3.21f1"},
            "device": {
                "model": MODEL,
                "os": f"Android {OS_VERSION}",
                "mac": NEG_PLACEHOLDER_MAC,
                "lang": "es-ES",
                "tz": "Europe/Madrid",
                "ram_mb": 6144,
            },
            "resume": True,
        }
    )
    s.add(
        483.4,
        "POST",
        "https://api.pixelforge.games/v1/player/login",
        headers=[
            ("Content-Type", "application/json"),
            ("User-Agent", "UnityPlayer/2022.3.21f1 (UnityWebRequest/1.0, libcurl/8.5.0-DEV)"),
            ("X-Unity-Version", "2022.3.21f1"),
            ("Accept-Encoding", "gzip"),
        ],
        body=body,
        ip="34.120.88.201",
        resp_mime="application/json",
        resp_body=json_resp({"ok": True, "level": 5, "coins": 1240, "motd": "¡Nuevo evento de invierno!"}),
        labels=[
            lab("device_model", MODEL, "body", "device.model"),
            lab("os_version", f"Android {OS_VERSION}", "body", "device.os"),
        ],
    )

    s.add(
        485.0,
        "GET",
        "https://cdn.pixelforge.games/config/remote_config_v412.json",
        headers=[
            ("User-Agent", "UnityPlayer/2022.3.21f1 (UnityWebRequest/1.0, libcurl/8.5.0-DEV)"),
            ("Accept-Encoding", "gzip"),
        ],
        ip="104.21.45.182",
        resp_mime="application/json",
        resp_body=json_resp(
            {"interstitial_every": 3, "rewarded": True, "mediation": ["admob", "pangle", "mintegral"]}
        ),
        resp_headers=[("CF-Cache-Status", "HIT"), ("Cache-Control", "public, max-age=600")],
    )

    events = [
        ga4_event("_s", epoch_ms(480.0), [("_o", "auto"), ("_sid", 1795163280)]),
        ga4_event(
            "_vs", epoch_ms(480.4), [("_o", "auto"), ("_sc", "UnityPlayerActivity"), ("_si", 2270461932)]
        ),
        ga4_event("level_start", epoch_ms(484.0), [("_o", "app"), ("level", 5)]),
    ]
    s.add(
        486.2,
        "POST",
        "https://app-measurement.com/a",
        headers=[
            ("content-type", "application/x-www-form-urlencoded"),
            ("user-agent", UA_DALVIK),
            ("accept-encoding", "gzip"),
        ],
        body=ga4_batch(GAME_PKG, "4.1.2", "1:881204671532:android:7c0d3e9a1f6b2c48", 486.2, events),
        binary_body=True,
        h2=True,
        ip="142.250.185.206",
        status=204,
        labels=[lab("advertising_id", GAID, "body", "1.19")],
    )

    # 08:09 - Pangle ad request: hashed IMEI, OAID, MAC, Android ID, and a JSON string inside.
    device_ext = compact(
        {"gaid": GAID, "is_limit_ad": 0, "boot": epoch_ms(-3_600 * 31) // 1000, "timezone": "Europe/Madrid"}
    )
    body = compact(
        {
            "ad_sdk_version": "5.4.1.1",
            "source_type": "app",
            "app": {
                "appid": "8152361",
                "name": "Block Puzzle Forge",
                "package_name": GAME_PKG,
                "version": "4.1.2",
                "version_code": 412,
                "is_paid_app": False,
            },
            "device": {
                "os": 1,
                "os_version": OS_VERSION,
                "model": MODEL,
                "vendor": "Xiaomi",
                "conn_type": 1,
                "carrier_name": CARRIER,
                "imei_md5": md5(IMEI),
                "oaid": OAID,
                "android_id": ANDROID_ID,
                "mac1": WIFI_MAC,
                "screen_width": 1080,
                "screen_height": 2400,
                "language": "es",
                "device_ext": device_ext,
            },
            "adslots": [
                {
                    "id": "952361847",
                    "adtype": 2,
                    "pos": 5,
                    "ad_count": 1,
                    "accepted_size": [{"width": 1080, "height": 1920}],
                }
            ],
            "ts": epoch_ms(540.0) // 1000,
            "req_sign": md5(f"pangle{epoch_ms(540.0)}"),
        }
    )
    s.add(
        540.0,
        "POST",
        "https://api16-access-sg.pangle.io/api/ad/union/sdk/get_ads/",
        headers=[
            ("content-type", "application/json; charset=utf-8"),
            ("user-agent", UA_WEBVIEW),
            ("accept-encoding", "gzip"),
        ],
        body=body,
        h2=True,
        ip="71.18.3.23",
        resp_mime="application/json",
        resp_body=json_resp({"status_code": 20000, "desc": "success", "ads": []}),
        labels=[
            lab("os_version", OS_VERSION, "body", "device.os_version"),
            lab("device_model", MODEL, "body", "device.model"),
            lab("carrier", CARRIER, "body", "device.carrier_name"),
            lab("imei", md5(IMEI), "body", "device.imei_md5", "md5"),
            lab("advertising_id", OAID, "body", "device.oaid"),
            lab("android_id", ANDROID_ID, "body", "device.android_id"),
            lab("mac_address", WIFI_MAC, "body", "device.mac1"),
            lab("advertising_id", GAID, "body", "device.device_ext.gaid"),
        ],
    )

    s.add(
        541.2,
        "GET",
        "https://sf16-fe-tos-sg.i18n-pglstatp.com/obj/ad-pattern-sg/renderer/package.json",
        headers=[("user-agent", UA_WEBVIEW), ("accept", "*/*"), ("x-requested-with", GAME_PKG)],
        h2=True,
        ip="23.55.161.40",
        resp_mime="application/json",
        resp_body=json_resp({"name": "pangle-renderer", "version": "5.4.1"}),
    )

    # Mintegral analytics over cleartext HTTP.
    mtg = [
        ("key", "2000047"),
        ("platform", "1"),
        ("os_version", OS_VERSION),
        ("package_name", GAME_PKG),
        ("app_version_name", "4.1.2"),
        ("orientation", "1"),
        ("brand", "Redmi"),
        ("model", MODEL),
        ("gaid", GAID),
        ("mnc", MNC),
        ("mcc", MCC),
        ("network_type", "9"),
        ("language", "es-ES"),
        ("timezone", "GMT+01:00"),
        ("sdk_version", "MAL_16.5.11"),
        ("screen_size", "1080x2400"),
        ("app_id", "158372"),
        ("unit_id", "1672945"),
        ("ts", str(epoch_ms(560.0))),
    ]
    s.add(
        560.0,
        "GET",
        "http://analytics.rayjump.com/?" + form(mtg),
        headers=[("User-Agent", UA_WEBVIEW), ("Accept-Encoding", "gzip")],
        ip="13.251.94.18",
        resp_mime="text/plain",
        resp_body="",
        labels=[
            lab("os_version", OS_VERSION, "query", "os_version"),
            lab("device_model", MODEL, "query", "model"),
            lab("advertising_id", GAID, "query", "gaid"),
            lab("cell_tower", f"{MCC}-{MNC}--", "query", "mcc"),
        ],
    )

    s.add(
        561.1,
        "GET",
        f"https://configure.rayjump.com/setting?app_id=158372&sign={md5('158372mtgkey')}&platform=1&sdk_version=MAL_16.5.11",
        headers=[("User-Agent", UA_WEBVIEW), ("Accept-Encoding", "gzip")],
        ip="54.255.91.3",
        resp_mime="application/json",
        resp_body=json_resp({"status": 1, "data": {"cc": "ES", "upal": 0, "ct": 1800}}),
    )

    # 08:10 - an interstitial between levels: AdMob from the game's WebView.
    s.add(
        600.4,
        "GET",
        "https://googleads.g.doubleclick.net/mads/gma?"
        + form(gma_query(GAME_PKG, "412", "interstitial_mb", 600.4)),
        headers=[("user-agent", UA_WEBVIEW), ("accept-encoding", "gzip"), ("x-requested-with", GAME_PKG)],
        h2=True,
        ip="142.250.186.66",
        resp_mime="text/html; charset=UTF-8",
        resp_body='<!doctype html><html><body><div id="ad"></div></body></html>',
        labels=[
            lab("device_model", MODEL, "query", "submodel"),
            lab("advertising_id", GAID, "query", "rdid"),
        ],
    )

    s.add(
        601.3,
        "GET",
        "https://tpc.googlesyndication.com/simgad/4471928306655123890",
        headers=[
            ("user-agent", UA_WEBVIEW),
            ("accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"),
            ("x-requested-with", GAME_PKG),
        ],
        h2=True,
        ip="172.217.16.129",
        resp_mime="image/png",
        resp_body=PNG_1X1,
    )

    # 08:12 - level up and a purchase.
    body = form(
        facebook_pairs(
            [
                {
                    "_eventName": "fb_mobile_level_achieved",
                    "_logTime": epoch_ms(718.0) // 1000,
                    "_ui": "GameScene",
                    "_session_id": session_id,
                    "fb_level": "6",
                },
                {
                    "_eventName": "fb_mobile_purchase",
                    "_logTime": epoch_ms(719.5) // 1000,
                    "_ui": "ShopScene",
                    "_session_id": session_id,
                    "_valueToSum": 1.99,
                    "fb_currency": "EUR",
                    "fb_content_id": "gems_500",
                },
            ]
        )
    )
    s.add(
        720.2,
        "POST",
        fb_url,
        headers=fb_headers,
        body=body,
        h2=True,
        ip="157.240.201.15",
        resp_mime="application/json; charset=UTF-8",
        resp_body=json_resp({"success": True}),
        labels=fb_labels,
    )

    s.add(
        725.0,
        "POST",
        "https://app.adjust.com/event",
        headers=adjust_headers,
        body=form(
            adjust_pairs(
                725.0,
                [
                    ("event_token", "k7q2zw"),
                    ("event_count", "4"),
                    ("revenue", "1.99"),
                    ("currency", "EUR"),
                    ("session_count", "3"),
                ],
            )
        ),
        ip="3.65.142.9",
        resp_mime="application/json",
        resp_body=json_resp({"app_token": "3kz8a9vfb2yo", "adid": "8a1fd0e2c3b94f5e7d6a"}),
        labels=adjust_labels,
    )

    # The purchase check carries a 15-digit order number that is not an IMEI (look-alike negative).
    body = compact(
        {
            "sku": "gems_500",
            "store": "google_play",
            "orderNo": NEG_ORDER_NO,
            "purchase_token": "ofkmnbjpgcjhlgmkebaodnad.AO-J1OzW3x8qV0mZtK5rB2nLc7yD4uE9sF1gH6jI0kM3oP8",
            "price_micros": 1990000,
            "currency": "EUR",
        }
    )
    s.add(
        726.1,
        "POST",
        "https://api.pixelforge.games/v1/shop/verify",
        headers=[
            ("Content-Type", "application/json"),
            ("User-Agent", "UnityPlayer/2022.3.21f1 (UnityWebRequest/1.0, libcurl/8.5.0-DEV)"),
            ("X-Unity-Version", "2022.3.21f1"),
            ("Accept-Encoding", "gzip"),
        ],
        body=body,
        ip="34.120.88.201",
        resp_mime="application/json",
        resp_body=json_resp({"valid": True, "granted": {"gems": 500}}),
    )

    s.add(
        727.3,
        "POST",
        f"https://inapps.appsflyer.com/api/v6.9/androidevent?app_id={GAME_PKG}&buildnumber=6.9.4",
        headers=af_headers,
        body=appsflyer_body(
            727.3,
            {
                "eventName": "af_purchase",
                # a JSON string inside the JSON body, as the SDK sends event values
                "eventValue": compact(
                    {"af_revenue": "1.99", "af_currency": "EUR", "af_content_id": "gems_500"}
                ),
            },
        ),
        h2=True,
        ip="52.16.190.33",
        resp_mime="text/plain",
        resp_body="ok",
        labels=appsflyer_labels,
    )

    # 08:15 - Pangle's event log: the connection is reset (status 0, no response).
    body = compact(
        {
            "header": {
                "aid": 5001121,
                "google_aid": GAID,
                "os_version": OS_VERSION,
                "device_model": MODEL,
                "package": GAME_PKG,
                "sdk_version": "5.4.1.1",
            },
            "event_v3": [
                {
                    "event": "show",
                    "params": compact({"ad_id": "1784203391", "rit": "952361847", "duration": 5200}),
                },
                {"event": "close", "params": compact({"ad_id": "1784203391", "rit": "952361847"})},
            ],
        }
    )
    s.add(
        900.6,
        "POST",
        "https://api16-log-sg.pangle.io/service/2/app_log/?aid=5001121&device_platform=android",
        headers=[
            ("content-type", "application/json; charset=utf-8"),
            ("user-agent", UA_WEBVIEW),
            ("accept-encoding", "gzip"),
        ],
        body=body,
        h2=True,
        ip="71.18.3.54",
        error="connection reset",
        labels=[
            lab("advertising_id", GAID, "body", "header.google_aid"),
            lab("os_version", OS_VERSION, "body", "header.os_version"),
            lab("device_model", MODEL, "body", "header.device_model"),
        ],
    )

    # 08:19 - OneTrack's app-usage report: every app and screen used, with durations, gzip body.
    usage = [
        (f"{BROWSER_PKG}/com.android.browser.BrowserActivity", 60.0, 239_600),
        (f"{WEATHER_PKG}/.ui.MainActivity", 300.0, 121_400),
        (f"{GAME_PKG}/com.unity3d.player.UnityPlayerActivity", 478.0, 571_900),
        ("com.whatsapp/.HomeActivity", 1_052.0, 83_300),
    ]
    events_json: list[dict[str, Any]] = [
        {
            "H": {"event": "app_usage", "seq": 3 + i, "ts": epoch_ms(start)},
            "B": {"component": comp, "start": epoch_ms(start), "duration": dur, "fg": True},
        }
        for i, (comp, start, dur) in enumerate(usage)
    ]
    h = dict(onetrack_h, pkg="com.miui.analytics", app_id="31000000285", app_ver="2.6.0", ts=epoch_ms(1150.0))
    raw = compact({"H": h, "B": events_json}).encode()
    s.add(
        1150.0,
        "POST",
        "https://tracking.intl.miui.com/track/v4",
        headers=[
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("User-Agent", UA_OKHTTP),
            ("OT-Platform", "android"),
            ("Accept-Encoding", "gzip"),
        ],
        body=gzip.compress(raw, mtime=0),
        ip="47.241.125.33",
        resp_mime="application/json",
        resp_body=json_resp({"code": 0, "msg": "success"}),
        labels=[
            lab("device_model", MODEL, "body", "H.model"),
            lab("os_version", OS_VERSION, "body", "H.os_ver"),
            lab("os_version", MIUI_VERSION, "body", "H.miui_ver"),
            lab("carrier", CARRIER, "body", "H.carrier"),
            lab("android_id", ANDROID_ID, "body", "H.android_id"),
            lab("advertising_id", GAID, "body", "H.gaid"),
            lab("mac_address", WIFI_MAC, "body", "H.mac"),
            *(
                lab("app_activity", comp, "body", f"B[{i}].B.component")
                for i, (comp, _, _) in enumerate(usage)
            ),
        ],
    )

    s.add(
        1163.7,
        "GET",
        "http://ocsp.digicert.com/MFEwTzBNMEswSTAJBgUrDgMCGgUABBSAUQYBMq2awn1Rh6Doh%2FsBYgFV7gQUA95QNVbRTLtm8KPiGxvDl7I90VUCEAJ0LqoXyo4hxxe7H%2Fz9DKA%3D",
        headers=[("User-Agent", "Cronet/112.0.5615.136"), ("Accept", "*/*")],
        ip="72.21.91.29",
        resp_mime="application/ocsp-response",
        resp_body=bytes.fromhex("308201d30a0100a08201cc") + bytes(32),
        resp_headers=[("Cache-Control", "max-age=170502")],
    )

    s.add(
        1188.4,
        "GET",
        "https://sdkconfig.ad.intl.xiaomi.com/api/v4/detail/config?pkg=com.miui.msa.global&v=2.8.7&r=ES&l=es",
        headers=[("User-Agent", UA_OKHTTP), ("If-None-Match", '"c3f1a9-4b1"'), ("Accept-Encoding", "gzip")],
        ip="47.241.16.207",
        status=304,
        resp_headers=[("ETag", '"c3f1a9-4b1"')],
    )


def check_invariants(s: Session) -> None:
    """Cheap guards so an edit cannot silently break what the sample promises."""
    assert luhn_ok(IMEI) and len(IMEI) == 15
    assert not luhn_ok(NEG_ORDER_NO) and len(NEG_ORDER_NO) == 15
    times = [e["startedDateTime"] for e in s.entries]
    assert times == sorted(times), "entries must be in time order"
    values = {label["value"] for label in s.labels}
    assert not values & {NEG_ORDER_NO, NEG_REQUEST_ID, NEG_PLACEHOLDER_MAC}


def main(out_dir: Path | None = None) -> tuple[Path, Path]:
    out = Path(out_dir) if out_dir is not None else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    session = Session()
    build(session)
    check_invariants(session)
    har_path = out / HAR_NAME
    labels_path = out / LABELS_NAME
    # indent=4 and ASCII escapes, byte for byte what mitmproxy's save.har writes.
    har_path.write_bytes(json.dumps(session.har(), indent=4).encode())
    labels_path.write_text(json.dumps(session.labels, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return har_path, labels_path


if __name__ == "__main__":
    har, labels = main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(f"wrote {har} and {labels}")
