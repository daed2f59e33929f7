"""Build phonehome's labelled accuracy corpus.

Writes into ``tests/corpus/`` (or the folder given as the only argument):

* ``corpus.har``: a HAR 1.2 capture (mitmproxy's layout) of four invented phones talking to real SDK and
  OEM endpoints, each request shaped like the real payload of that SDK, in every encoding layer
  phonehome decodes.
* ``labels.jsonl``: one object per personal datum in each entry (kind, normalised value, digest, the
  declared value it is).
* ``negatives.jsonl``: the look-alikes planted on purpose (timestamps, order numbers, request UUIDs...).
* ``manifest.jsonl``: per entry, the device, SDK family and the encoding layers its personal data sits in.
* ``known.toml``: the declared values of the four phones, in DESIGN.md's format.
* ``README.md``: what the corpus is, its counts and the labelling decisions.

Everything is invented; no request here was ever sent. Standard library plus brotli and zstandard;
fully deterministic (fixed seed, fixed clock from 2026-11-21T09:00:00Z).

    python tests/corpus/make_corpus.py            # rewrite tests/corpus/
    python tests/corpus/make_corpus.py OUT_DIR    # write somewhere else
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
import random
import struct
import sys
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import brotli
import zstandard

SEED = 20261121
START = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)
MITMPROXY_VERSION = "11.0.2"
HERE = Path(__file__).resolve().parent

# -- small helpers ---------------------------------------------------------------------------------


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
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def luhn_break(body: str) -> str:
    """`body` plus a last digit that makes it fail Luhn (a look-alike)."""
    return next(body + str(d) for d in (7, 3, 1, 8) if not luhn_ok(body + str(d)))


def digest(alg: str, text: str, style: str = "hex") -> str:
    raw = hashlib.new(alg, text.encode()).digest()
    if style == "hex":
        return raw.hex()
    if style == "HEX":
        return raw.hex().upper()
    if style == "b64":
        return base64.b64encode(raw).decode()
    raise ValueError(style)


def compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def org_json(obj: Any) -> str:
    """org.json style: slashes escaped."""
    return compact(obj).replace("/", "\\/")


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


def b64url(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_json(text: str) -> str:
    """base64url of a JSON text, unpadded. A text whose encoding has neither '-'/'_' nor a missing pad is
    also plain base64; SDKs' JSON varies in trailing whitespace, so add one to keep the corpus unambiguous."""
    out = b64url(text)
    while not set(out) & set("-_") and len(out) % 4 == 0:
        text += " "
        out = b64url(text)
    return out


def gz(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return gzip.compress(raw, compresslevel=6, mtime=0)


def zl(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return zlib.compress(raw, 6)


def deflate_raw(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    obj = zlib.compressobj(6, zlib.DEFLATED, -15)
    return obj.compress(raw) + obj.flush()


def br(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return bytes(brotli.compress(raw, quality=5))


def zst(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    return zstandard.ZstdCompressor(level=3).compress(raw)


def form(pairs: Iterable[tuple[str, Any]]) -> str:
    return urlencode([(k, str(v)) for k, v in pairs], quote_via=quote, safe="")


def form_plus(pairs: Iterable[tuple[str, Any]]) -> str:
    """Java's URLEncoder: spaces as '+'."""
    return urlencode([(k, str(v)) for k, v in pairs])


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


# -- protobuf and gRPC writers -----------------------------------------------------------------------


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


def grpc_frame(message: bytes) -> bytes:
    return b"\x00" + len(message).to_bytes(4, "big") + message


# -- the cast ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float


@dataclass(eq=False)
class Device:
    key: str
    brand: str
    manufacturer: str
    model: str
    market_name: str
    codename: str
    android: str
    api: int
    rom: str  # the OEM's own OS/ROM version string
    build_id: str
    fingerprint: str
    country: str
    cc: str  # phone country calling code
    locale: str
    lang: str
    tz: str
    tz_abbr: str
    tz_offset_min: int
    carrier: str
    mcc: str
    mnc: str
    imeis: list[str]
    meid: str | None
    imsi: str
    iccid: str
    serial: str
    android_id: str
    gaid: str | None
    oaid: str | None
    mac: str
    email: str
    phone: str  # E.164
    home: Place
    ssid: str
    bssid: str
    lac: int
    cid: int
    width: int
    height: int
    dpi: int
    installed: list[str]
    contacts: list[tuple[str, str]]  # (name, E.164)
    elsewhere: list[Place] = field(default_factory=list)  # places > 1 km from home
    neighbours: list[tuple[str, str]] = field(default_factory=list)  # (bssid, ssid)
    ip: str = ""

    @property
    def national(self) -> str:
        return self.phone[1 + len(self.cc) :]

    @property
    def mac_nosep(self) -> str:
        return self.mac.replace(":", "")


XIAOMI = Device(
    key="xiaomi",
    brand="Redmi",
    manufacturer="Xiaomi",
    model="2201117TG",
    market_name="Redmi Note 11",
    codename="spes",
    android="13",
    api=33,
    rom="V14.0.4.0.TGCEUXM",
    build_id="TKQ1.221114.001",
    fingerprint="Redmi/spes_eea/spes:13/TKQ1.221114.001/V14.0.4.0.TGCEUXM:user/release-keys",
    country="ES",
    cc="34",
    locale="es_ES",
    lang="es",
    tz="Europe/Madrid",
    tz_abbr="CET",
    tz_offset_min=60,
    carrier="Movistar",
    mcc="214",
    mnc="07",
    imeis=[luhn_complete("86253106471928"), luhn_complete("86253106471936")],
    meid=None,
    imsi="214073318264059",
    iccid=luhn_complete("893407120384756219"),
    serial="5e2ab7c1",
    android_id="3b9f0a6d2c8e1f47",
    gaid="6d1c9f3e-8a2b-4e57-9c04-b7e3a1d52f68",
    oaid="a4e7b2c91d3f6e08",
    mac="d4:38:9c:5a:7e:21",
    email="marta.puig88@example.com",
    phone="+34612457839",
    home=Place(41.392113, 2.164874),
    ssid="MOVISTAR_7F3A",
    bssid="e4:ab:89:3c:7f:3a",
    lac=8211,
    cid=118734592,
    width=1080,
    height=2400,
    dpi=440,
    installed=[
        "com.whatsapp",
        "com.instagram.android",
        "es.lacaixa.mobile.android.newwapicon",
        "com.spotify.music",
        "com.wallapop",
        "com.glovoapp",
        "com.idealista.android",
        "org.telegram.messenger",
        "com.tinder",
        "com.nimbus.weather",
        "com.pixelforge.blockpuzzle",
        "com.mi.globalbrowser",
    ],
    contacts=[("Jordi", "+34622418937"), ("Mama", "+34934127785"), ("Laia Ferrer", "+34678203114")],
    elsewhere=[Place(41.40362, 2.17436), Place(41.36917, 2.14533)],
    neighbours=[("a0:64:8f:21:c4:9b", "vodafone2C41"), ("5c:e2:8c:70:aa:13", "DIGIFIBRA-Kx7p")],
    ip="192.168.1.34",
)

SAMSUNG = Device(
    key="samsung",
    brand="samsung",
    manufacturer="samsung",
    model="SM-S911B",
    market_name="Galaxy S23",
    codename="dm1q",
    android="14",
    api=34,
    rom="6.0",  # One UI
    build_id="UP1A.231005.007",
    fingerprint="samsung/dm1qxxx/dm1q:14/UP1A.231005.007/S911BXXU3BWK5:user/release-keys",
    country="DE",
    cc="49",
    locale="de_DE",
    lang="de",
    tz="Europe/Berlin",
    tz_abbr="MEZ",
    tz_offset_min=60,
    carrier="Telekom.de",
    mcc="262",
    mnc="01",
    imeis=[luhn_complete("35175421803362"), luhn_complete("35175421803370")],
    meid=None,
    imsi="262011947720583",
    iccid=luhn_complete("894902200173649185"),
    serial="R5CW30ABX9K",
    android_id="e81f4a7c09b3d265",
    gaid="b2f8c41e-3d7a-4f09-a6c5-1e9d0b8f7a23",
    oaid=None,
    mac="f8:04:2e:91:b6:0c",
    email="jonas.becker@example.net",
    phone="+4915127384950",
    home=Place(52.540238, 13.412684),
    ssid="FRITZ!Box 7590 QX",
    bssid="3c:a6:2f:8e:51:d7",
    lac=40107,
    cid=26458113,
    width=1080,
    height=2340,
    dpi=480,
    installed=[
        "com.whatsapp",
        "de.dkb.portalapp",
        "de.hafas.android.db",
        "com.spotify.music",
        "de.zalando.mobile",
        "com.komoot.android",
        "de.lieferando.app",
        "com.fitpulse.tracker",
        "com.sec.android.app.sbrowser",
        "com.samsung.android.oneconnect",
        "com.pixelforge.blockpuzzle",
    ],
    contacts=[("Lena", "+4917612345098"), ("Papa", "+493044718263"), ("Tim Vogel", "+4916098713542")],
    elsewhere=[Place(52.50931, 13.37629), Place(52.52035, 13.40939)],
    neighbours=[("98:9b:cb:44:12:ef", "o2-WLAN42"), ("c8:0e:14:7a:3b:91", "Vodafone-5A2C")],
    ip="192.168.178.41",
)

HUAWEI = Device(
    key="huawei",
    brand="HUAWEI",
    manufacturer="HUAWEI",
    model="NOH-AN00",
    market_name="HUAWEI Mate 40 Pro",
    codename="HWNOH",
    android="12",
    api=31,
    rom="HarmonyOS 3.0.0",
    build_id="HUAWEINOH-AN00",
    fingerprint="HUAWEI/NOH-AN00/HWNOH:12/HUAWEINOH-AN00/103.0.0.168C00:user/release-keys",
    country="CN",
    cc="86",
    locale="zh_CN",
    lang="zh",
    tz="Asia/Shanghai",
    tz_abbr="CST",
    tz_offset_min=480,
    carrier="中国移动",
    mcc="460",
    mnc="00",
    imeis=[luhn_complete("86830305217740"), luhn_complete("86830305217757")],
    meid="A000009C3E1B27",
    imsi="460002158836417",
    iccid=luhn_complete("898600761417730952"),
    serial="NXA0222A18001537",
    android_id="c7e2a9f0413b6d58",
    gaid=None,
    oaid="f3c8e2a1-5b7d-4e9f-8c26-0d4b1a7e9f53",
    mac="0c:8f:ff:62:a1:5e",
    email="liwei1990@example.org",
    phone="+8615920348716",
    home=Place(23.129075, 113.264385),
    ssid="ChinaNet-8hQs",
    bssid="18:d2:76:0e:93:4c",
    lac=9741,
    cid=12345678,
    width=1344,
    height=2772,
    dpi=560,
    installed=[
        "com.tencent.mm",
        "com.eg.android.AlipayGphone",
        "com.ss.android.ugc.aweme",
        "com.taobao.taobao",
        "com.sina.weibo",
        "com.smile.gifmaker",
        "com.baidu.searchbox",
        "tv.danmaku.bili",
        "com.sankuai.meituan",
        "com.jingdong.app.mall",
    ],
    contacts=[("王芳", "+8613712345670"), ("张伟", "+8618620941375"), ("妈妈", "+862083746152")],
    elsewhere=[Place(23.11612, 113.32512), Place(23.14563, 113.23158)],
    neighbours=[("48:7d:2e:a1:c0:17", "TP-LINK_5G_A1C0"), ("b0:95:8e:36:2d:f4", "CMCC-3k9Q")],
    ip="192.168.3.27",
)

PIXEL = Device(
    key="pixel",
    brand="google",
    manufacturer="Google",
    model="Pixel 7",
    market_name="Pixel 7",
    codename="panther",
    android="14",
    api=34,
    rom="14",
    build_id="AP2A.240905.003",
    fingerprint="google/panther/panther:14/AP2A.240905.003/12231197:user/release-keys",
    country="US",
    cc="1",
    locale="en_US",
    lang="en",
    tz="America/Los_Angeles",
    tz_abbr="PST",
    tz_offset_min=-480,
    carrier="T-Mobile",
    mcc="310",
    mnc="260",
    imeis=[luhn_complete("35399572064183"), luhn_complete("35399572064191")],
    meid=None,
    imsi="310260427719035",
    iccid=luhn_complete("8901260334718265093"),
    serial="28251FDH3007SF",
    android_id="5a09d3e7b1c4f862",
    gaid="9e4a7c12-f05b-4d38-8b61-3c2e7f90a4d5",
    oaid=None,
    mac="b4:f1:da:27:6c:e0",
    email="sam.rivera@example.com",
    phone="+12068417392",
    home=Place(47.661532, -122.313182),
    ssid="Rivera-Home",
    bssid="70:3a:cb:19:d4:62",
    lac=11520,
    cid=85401857,
    width=1080,
    height=2400,
    dpi=420,
    installed=[
        "com.google.android.youtube",
        "com.reddit.frontpage",
        "com.venmo",
        "com.ubercab",
        "com.robinhood.android",
        "org.thoughtcrime.securesms",
        "com.grindrapp.android",
        "com.headspace.android",
        "com.fitpulse.tracker",
        "com.pixelforge.blockpuzzle",
    ],
    contacts=[("Alex", "+12065318824"), ("Mom", "+15034417729"), ("Dr. Patel", "+14252063317")],
    elsewhere=[Place(47.608013, -122.335167), Place(47.54411, -122.28766)],
    neighbours=[("2c:30:33:9b:7e:05", "xfinitywifi"), ("f0:9f:c2:6d:11:a8", "CenturyLink4471")],
    ip="10.0.0.23",
)

DEVICES = [XIAOMI, SAMSUNG, HUAWEI, PIXEL]


def coord_text(x: float) -> str:
    return repr(x)


def near(dev: Device, rng: random.Random, decimals: int, jitter_m: float = 0.0) -> tuple[float, float]:
    """A reading around home: jittered by up to `jitter_m` metres and rounded to `decimals`."""
    lat, lon = dev.home.lat, dev.home.lon
    if jitter_m:
        d = rng.uniform(0, jitter_m) / 111_320
        a = rng.uniform(0, 2 * math.pi)
        lat += d * math.sin(a)
        lon += d * math.cos(a) / math.cos(math.radians(lat))
    return round(lat, decimals), round(lon, decimals)


# -- UAs ---------------------------------------------------------------------------------------------

CHROME_FROZEN = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Mobile Safari/537.36"
)


def ua_dalvik(dev: Device) -> str:
    return f"Dalvik/2.1.0 (Linux; U; Android {dev.android}; {dev.model} Build/{dev.build_id})"


def ua_webview(dev: Device, chrome: str = "130.0.6723.107") -> str:
    return (
        f"Mozilla/5.0 (Linux; Android {dev.android}; {dev.model} Build/{dev.build_id}; wv) AppleWebKit/537.36 "
        f"(KHTML, like Gecko) Version/4.0 Chrome/{chrome} Mobile Safari/537.36"
    )


def ua_browser(dev: Device) -> str:
    if dev is XIAOMI:
        return (
            f"Mozilla/5.0 (Linux; U; Android {dev.android}; es-es; {dev.model} Build/{dev.build_id}) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 "
            "XiaoMi/MiuiBrowser/14.9.1-gn"
        )
    if dev is SAMSUNG:
        return (
            f"Mozilla/5.0 (Linux; Android {dev.android}; SAMSUNG {dev.model}) AppleWebKit/537.36 (KHTML, like "
            "Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
        )
    if dev is HUAWEI:
        return (
            f"Mozilla/5.0 (Linux; Android {dev.android}; HarmonyOS; {dev.model}; HMSCore 6.12.0.302) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.5.302 Mobile "
            "Safari/537.36"
        )
    return CHROME_FROZEN  # Chrome on the Pixel sends the reduced, frozen UA


def accept_language(dev: Device) -> str:
    tag = dev.locale.replace("_", "-")
    return f"{tag},{dev.lang};q=0.9,en-US;q=0.8,en;q=0.7"


# -- the corpus builder ------------------------------------------------------------------------------

KNOWN_KEYS = (
    "imei",
    "android_id",
    "advertising_id",
    "mac_address",
    "email",
    "phone_number",
    "serial_number",
    "coordinates",
    "imsi",
    "iccid",
)


def declared_coords(dev: Device) -> str:
    return f"{round(dev.home.lat, 4)},{round(dev.home.lon, 4)}"


def known_values() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in KNOWN_KEYS}
    for dev in DEVICES:
        out["imei"] += dev.imeis
        out["android_id"].append(dev.android_id)
        out["advertising_id"] += [x for x in (dev.gaid, dev.oaid) if x]
        out["mac_address"].append(dev.mac)
        out["email"].append(dev.email)
        out["phone_number"].append(dev.phone)
        out["serial_number"].append(dev.serial)
        out["coordinates"].append(declared_coords(dev))
        out["imsi"].append(dev.imsi)
        out["iccid"].append(dev.iccid)
    return out


def norm_mac(text: str) -> str:
    hexes = "".join(ch for ch in text.lower() if ch in "0123456789abcdef")
    return ":".join(hexes[i : i + 2] for i in range(0, 12, 2))


class Entry:
    def __init__(self, corpus: Corpus, dev: Device | None, family: str, t: float) -> None:
        self.c = corpus
        self.rng = corpus.rng
        self.dev = dev
        self.family = family
        self.t = t
        self.when = START + timedelta(seconds=t)
        self.ms = int(self.when.timestamp() * 1000)
        self.s = int(self.when.timestamp())
        self.method = "GET"
        self.url = ""
        self.headers: list[tuple[str, str]] = []
        self.body: bytes = b""
        self.binary = False
        self.h2 = False
        self.status = 200
        self.resp_body: bytes | str = ""
        self.resp_mime = ""
        self.ip = ""
        self.labels: list[dict[str, Any]] = []
        self.negs: list[dict[str, str]] = []
        self.enc: list[str] = []

    # -- bookkeeping
    def lab(self, kind: str, value: str, hashed: str | None = None, known: str | None = None) -> str:
        row = {"kind": kind, "value": value, "hashed": hashed, "known": known}
        if not any(r["kind"] == kind and r["value"] == value for r in self.labels):
            self.labels.append(row)
        return value

    def neg(self, category: str, value: Any, description: str) -> Any:
        self.negs.append({"category": category, "value": str(value), "description": description})
        return value

    def tag(self, *encodings: str) -> None:
        for e in encodings:
            if e not in self.enc:
                self.enc.append(e)

    def iso(self, offset_ms: int = 0) -> str:
        return (
            (self.when + timedelta(milliseconds=offset_ms))
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hexid(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    # -- personal data, each call returns the text to send and records its label
    def _hashed(self, kind: str, text: str, known: str | None, alg: str | None, style: str) -> str | None:
        if not alg:
            return None
        value = digest(alg, text, style)
        self.lab(kind, value, alg, known)
        return value

    def imei(self, i: int = 0, alg: str | None = None, style: str = "hex", dev: Device | None = None) -> str:
        d = dev or self.dev
        assert d
        raw = d.imeis[i]
        return self._hashed("imei", raw, raw, alg, style) or self.lab("imei", raw, None, raw)

    def meid(self) -> str:
        assert self.dev and self.dev.meid
        return self.lab("meid", self.dev.meid)

    def imsi(self, alg: str | None = None, style: str = "hex") -> str:
        assert self.dev
        raw = self.dev.imsi
        return self._hashed("imsi", raw, raw, alg, style) or self.lab("imsi", raw, None, raw)

    def iccid(self) -> str:
        assert self.dev
        return self.lab("iccid", self.dev.iccid, None, self.dev.iccid)

    def serial(self, alg: str | None = None) -> str:
        assert self.dev
        raw = self.dev.serial
        return self._hashed("serial_number", raw, raw, alg, "hex") or self.lab(
            "serial_number", raw, None, raw
        )

    def aid(self, upper: bool = False, alg: str | None = None, style: str = "hex") -> str:
        assert self.dev
        raw = self.dev.android_id
        sent = raw.upper() if upper else raw
        return self._hashed("android_id", sent, raw, alg, style) or (
            self.lab("android_id", raw, None, raw) and sent
        )

    def gaid(self, upper: bool = False, alg: str | None = None, style: str = "hex") -> str:
        assert self.dev and self.dev.gaid
        raw = self.dev.gaid
        sent = raw.upper() if upper else raw
        return self._hashed("advertising_id", sent, raw, alg, style) or (
            self.lab("advertising_id", raw, None, raw) and sent
        )

    def oaid(self, alg: str | None = None) -> str:
        assert self.dev and self.dev.oaid
        raw = self.dev.oaid
        return self._hashed("advertising_id", raw, raw, alg, "hex") or self.lab(
            "advertising_id", raw, None, raw
        )

    def mac(self, style: str = "colon", alg: str | None = None, hstyle: str = "hex") -> str:
        assert self.dev
        raw = self.dev.mac
        sent = {
            "colon": raw,
            "COLON": raw.upper(),
            "nosep": raw.replace(":", ""),
            "NOSEP": raw.replace(":", "").upper(),
            "dash": raw.replace(":", "-").upper(),
        }[style]
        return self._hashed("mac_address", sent, raw, alg, hstyle) or (
            self.lab("mac_address", raw, None, raw) and sent
        )

    def email(self, sent: str | None = None, alg: str | None = None, style: str = "hex") -> str:
        assert self.dev
        raw = self.dev.email
        text = sent if sent is not None else raw
        return self._hashed("email", text.strip().lower(), raw, alg, style) or (
            self.lab("email", text.strip().lower(), None, raw) and text
        )

    def phone(
        self,
        style: str = "e164",
        alg: str | None = None,
        hstyle: str = "hex",
        number: str | None = None,
        dev: Device | None = None,
    ) -> str:
        d = dev or self.dev
        assert d
        e164 = number or d.phone
        known = e164 if e164 == d.phone else None
        national = e164[1 + len(d.cc) :]
        sent = {
            "e164": e164,
            "digits": e164[1:],
            "national": national,
            "00": "00" + e164[1:],
            "spaced": f"+{d.cc} {national[:3]} {national[3:6]} {national[6:]}",
            "trunk": ("0" + national) if d.cc in ("49",) else national,
            "dash86": f"00{d.cc}-{national}",
            "us": f"({national[:3]}) {national[3:6]}-{national[6:]}" if d.cc == "1" else national,
        }[style]
        return self._hashed("phone_number", sent, known, alg, hstyle) or (
            self.lab("phone_number", e164, None, known) and sent
        )

    def model(self, which: str = "model") -> str:
        assert self.dev
        value = self.dev.model if which == "model" else self.dev.market_name
        return self.lab("device_model", value)

    def os(self, which: str = "android") -> str:
        assert self.dev
        value = {
            "android": self.dev.android,
            "Android": f"Android {self.dev.android}",
            "rom": self.dev.rom,
            "api": str(self.dev.api),
        }[which]
        self.lab("os_version", value)
        return value

    def carrier(self) -> str:
        assert self.dev
        return self.lab("carrier", self.dev.carrier)

    def coords(self, lat: float, lon: float) -> tuple[float, float]:
        assert self.dev
        value = f"{coord_text(lat)},{coord_text(lon)}"
        near_home = haversine_m((lat, lon), (self.dev.home.lat, self.dev.home.lon)) <= 1000
        self.lab("coordinates", value, None, declared_coords(self.dev) if near_home else None)
        return lat, lon

    def home(self, decimals: int = 6, jitter_m: float = 0.0) -> tuple[float, float]:
        assert self.dev
        return self.coords(*near(self.dev, self.rng, decimals, jitter_m))

    def cell(self, lac: bool = True) -> None:
        assert self.dev
        d = self.dev
        self.lab("cell_tower", f"{d.mcc}-{d.mnc}-{d.lac}-{d.cid}" if lac else f"{d.mcc}-{d.mnc}--")

    def wifi(self, bssid: str | None = None, ssid: str | None = None) -> None:
        if bssid:
            self.lab("wifi_network", norm_mac(bssid))
        if ssid:
            self.lab("wifi_network", ssid)

    def visited(self, url: str) -> str:
        return self.lab("visited_url", url)

    def search(self, text: str) -> str:
        return self.lab("search_query", text)

    def apps(self, pkgs: list[str]) -> list[str]:
        self.lab("installed_apps", ",".join(pkgs))
        return pkgs

    def activity(self, name: str) -> str:
        return self.lab("app_activity", name)

    def devid(self, value: str) -> str:
        return self.lab("device_id", value)

    def trackid(self, value: str) -> str:
        """An analytics SDK's own persistent ID for this install (Segment, Amplitude, Mixpanel, a cookie)."""
        return self.lab("tracking_id", value)

    def password(self, secret: str) -> str:
        """A password is labelled as phonehome reports it: that one was sent, never what it is."""
        self.lab("password", "[password]")
        return secret

    # -- common negatives
    def neg_ts_ms(self, offset: int = 0, key: str = "ts") -> int:
        return self.neg("timestamp_ms", self.ms + offset, f"13-digit epoch milliseconds under {key}")

    def neg_ts_s(self, offset: int = 0, key: str = "ts") -> int:
        return self.neg("timestamp_s", self.s + offset, f"10-digit epoch seconds under {key}")

    def neg_uuid(self, key: str) -> str:
        return self.neg("request_uuid", self.uuid4(), f"per-request UUID under {key}")

    def neg_order(self, key: str) -> str:
        body = "".join(self.rng.choice("0123456789") for _ in range(13))
        return self.neg("order_number", luhn_break("8" + body), f"15-digit number failing Luhn under {key}")

    def neg_card(self, key: str) -> str:
        body = "4" + "".join(self.rng.choice("0123456789") for _ in range(14))
        return self.neg("card_like", luhn_break(body), f"16-digit card-like number failing Luhn under {key}")

    def neg_hash(self, key: str, alg: str = "md5") -> str:
        value = digest(alg, f"content-{self.rng.getrandbits(64)}")
        return self.neg("content_hash", value, f"{alg} of content under {key}")


class Corpus:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.t = 0.0
        self.entries: list[dict[str, Any]] = []
        self.labels: list[dict[str, Any]] = []
        self.negatives: list[dict[str, Any]] = []
        self.manifest: list[dict[str, Any]] = []
        self.conns: set[str] = set()

    def entry(self, dev: Device | None, family: str) -> Entry:
        self.t += round(self.rng.uniform(1.5, 21.0), 3)
        return Entry(self, dev, family, self.t)

    def add(self, e: Entry) -> int:
        index = len(self.entries)
        ua = next((v for k, v in e.headers if k.lower() == "user-agent"), "")
        if e.dev and ua:
            if e.dev.model in ua:
                e.lab("device_model", e.dev.model)
            if f"Android {e.dev.android};" in ua or f"Android {e.dev.android})" in ua:
                e.lab("os_version", f"Android {e.dev.android}")
            if ua == CHROME_FROZEN:
                e.neg(
                    "frozen_user_agent",
                    "Android 10",
                    "Chrome's reduced UA: 'Android 10; K' is not the device",
                )
        self.entries.append(self._har_entry(e))
        for row in e.labels:
            self.labels.append({"entry": index, **row})
        for row in e.negs:
            self.negatives.append({"entry": index, **row})
        self.manifest.append(
            {
                "entry": index,
                "device": e.dev.key if e.dev else None,
                "family": e.family,
                "host": urlsplit(e.url).hostname,
                "encodings": e.enc,
                "labels": len(e.labels),
                "negatives": len(e.negs),
            }
        )
        return index

    def _har_entry(self, e: Entry) -> dict[str, Any]:
        split = urlsplit(e.url)
        version = "HTTP/2.0" if e.h2 else "HTTP/1.1"
        headers = [(k.lower(), v) if e.h2 else (k, v) for k, v in e.headers]
        if not e.h2:
            headers.insert(0, ("Host", split.netloc))
        if e.body:
            headers.append(("content-length" if e.h2 else "Content-Length", str(len(e.body))))
        cookies = []
        for name, value in headers:
            if name.lower() == "cookie":
                for piece in value.split(";"):
                    cname, _, cvalue = piece.strip().partition("=")
                    cookies.append({"name": cname, "value": cvalue})
        conn = f"{split.scheme}://{split.netloc}"
        if conn in self.conns:
            connect, ssl = -1.0, -1.0
        else:
            self.conns.add(conn)
            connect = round(self.rng.uniform(15, 70), 3)
            ssl = round(self.rng.uniform(20, 90), 3) if split.scheme == "https" else -1.0
        timings = {
            "connect": connect,
            "ssl": ssl,
            "send": round(self.rng.uniform(0.2, 3.0) + len(e.body) / 4000, 3),
            "receive": round(self.rng.uniform(0.4, 9.0), 3),
            "wait": round(self.rng.uniform(25, 240), 3),
        }
        request: dict[str, Any] = {
            "method": e.method,
            "url": e.url,
            "httpVersion": version,
            "cookies": cookies,
            "headers": [{"name": k, "value": v} for k, v in headers],
            "queryString": [
                {"name": k, "value": v} for k, v in parse_qsl(split.query, keep_blank_values=True)
            ],
            "headersSize": sum(len(k) + len(v) + 4 for k, v in headers) + 2,
            "bodySize": len(e.body),
        }
        if e.method in ("POST", "PUT", "PATCH"):
            mime = next((v for k, v in headers if k.lower() == "content-type"), "")
            encoded = any(k.lower() == "content-encoding" for k, _ in headers)
            post: dict[str, Any] = {"mimeType": mime}
            text: str | None = None
            if not (e.binary or encoded):
                try:
                    text = e.body.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            if text is None:
                post["text"] = base64.b64encode(e.body).decode()
                post["encoding"] = "base64"
                post["params"] = []
            else:
                post["text"] = text
                pairs = parse_qsl(text, keep_blank_values=True) if "x-www-form-urlencoded" in mime else []
                post["params"] = [{"name": k, "value": v} for k, v in pairs]
            request["postData"] = post
        rbody = e.resp_body.encode() if isinstance(e.resp_body, str) else e.resp_body
        if e.status == 200 and not rbody:
            rbody, e.resp_mime = b'{"status":"ok"}', "application/json"
        rh: list[tuple[str, str]] = []
        if e.resp_mime:
            rh.append(("Content-Type", e.resp_mime))
        if e.status != 204:
            rh.append(("Content-Length", str(len(rbody))))
        rh.append(
            ("Date", (e.when + timedelta(milliseconds=timings["wait"])).strftime("%a, %d %b %Y %H:%M:%S GMT"))
        )
        rh = [(k.lower(), v) if e.h2 else (k, v) for k, v in rh]
        content: dict[str, Any] = {"size": len(rbody), "compression": 0, "mimeType": e.resp_mime}
        try:
            content["text"] = rbody.decode("utf-8")
        except UnicodeDecodeError:
            content["text"] = base64.b64encode(rbody).decode()
            content["encoding"] = "base64"
        response = {
            "status": e.status,
            "statusText": "" if e.h2 else {200: "OK", 204: "No Content", 304: "Not Modified"}[e.status],
            "httpVersion": version,
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in rh],
            "content": content,
            "redirectURL": "",
            "headersSize": sum(len(k) + len(v) + 4 for k, v in rh) + 2,
            "bodySize": len(rbody),
        }
        return {
            "startedDateTime": e.when.isoformat(timespec="milliseconds"),
            "time": round(sum(v for v in timings.values() if v >= 0), 3),
            "request": request,
            "response": response,
            "cache": {},
            "timings": timings,
            "serverIPAddress": e.ip or self._ip(split.hostname or ""),
        }

    def _ip(self, host: str) -> str:
        h = int(hashlib.sha1(host.encode()).hexdigest()[:8], 16)
        prefixes = ["142.250", "157.240", "34.117", "47.246", "203.205", "52.84", "104.18", "13.33"]
        return f"{prefixes[h % len(prefixes)]}.{(h >> 8) % 250 + 1}.{(h >> 16) % 250 + 1}"


# -- the apps on each phone -------------------------------------------------------------------------


@dataclass(frozen=True)
class App:
    pkg: str
    version: str
    code: int
    screens: tuple[str, ...]
    gmp_app_id: str = ""
    fb_app_id: str = ""


WEATHER = App(
    "com.nimbus.weather",
    "3.8.1",
    381,
    ("MainActivity", "ForecastActivity", "RadarActivity"),
    "1:418273645091:android:7c2e9a41d0b3f658",
    "2741950318264407",
)
GAME = App(
    "com.pixelforge.blockpuzzle",
    "4.12.0",
    412,
    ("UnityPlayerActivity", "ShopActivity", "LevelSelect"),
    "1:902817364512:android:3e8d1a0c7b25f469",
    "1458203947721036",
)
FITNESS = App(
    "com.fitpulse.tracker",
    "7.2.3",
    70203,
    ("WorkoutActivity", "RunMapActivity", "StatsFragment"),
    "1:556102938471:android:a91f3c7e2d08b564",
    "3920174658201933",
)
BUDGET = App(
    "com.tidepool.budget",
    "2.31.0",
    23100,
    ("AccountsScreen", "TransferScreen", "InsightsScreen"),
    "1:771023948561:android:0d5b7e2c9f14a836",
    "5501837264910382",
)
SHOP = App(
    "de.kiezkauf.app",
    "5.4.0",
    540,
    ("HomeActivity", "ProductDetailActivity", "CheckoutActivity"),
    "1:330918274650:android:6f2a0e9d1c73b485",
    "8830164729501146",
)
NEWS = App("com.xinwen.daily", "9.6.2", 962, ("MainActivity", "ArticleDetailActivity", "VideoFeedActivity"))
RECIPES = App("com.meishi.recipes", "6.1.0", 610, ("HomeActivity", "RecipeActivity", "SearchActivity"))

DEVICE_APPS: dict[str, list[App]] = {
    "xiaomi": [WEATHER, GAME],
    "samsung": [FITNESS, SHOP, GAME],
    "huawei": [NEWS, RECIPES],
    "pixel": [FITNESS, BUDGET, GAME],
}


def app_for(dev: Device, v: int) -> App:
    apps = DEVICE_APPS[dev.key]
    return apps[v % len(apps)]


def okhttp(dev: Device, ua: str | None = None) -> list[tuple[str, str]]:
    return [("User-Agent", ua or ua_dalvik(dev)), ("Accept-Encoding", "gzip"), ("Connection", "Keep-Alive")]


def json_headers(
    dev: Device, ua: str | None = None, mime: str = "application/json; charset=utf-8"
) -> list[tuple[str, str]]:
    return [("Content-Type", mime), *okhttp(dev, ua)]


def set_body(e: Entry, data: bytes | str, binary: bool = False) -> None:
    e.body = data.encode() if isinstance(data, str) else data
    e.binary = binary


# -- Google: Firebase / GA4, Firebase installations, AdMob ---------------------------------------------


def ga4_event(name: str, ts: int, params: list[tuple[str, str | int]]) -> bytes:
    body = b""
    for key, value in params:
        param = pb_bytes(1, key) + (pb_bytes(2, value) if isinstance(value, str) else pb_int(3, value))
        body += pb_bytes(1, param)
    return body + pb_bytes(2, name) + pb_int(3, ts) + pb_int(4, ts - 4200)


def f_ga4(c: Corpus, dev: Device, v: int) -> None:
    """Firebase Analytics upload: MeasurementBatch{bundle} protobuf, usually gzipped (app-measurement.com/a)."""
    e = c.entry(dev, "firebase")
    app = app_for(dev, v)
    e.method, e.url = "POST", "https://app-measurement.com/a"
    lat_on = v % 7 == 5  # limit ad tracking: the SDK omits the advertising ID
    ts = e.ms
    screen = app.screens[v % len(app.screens)]
    events = [
        ga4_event(
            "screen_view",
            ts - 9000,
            [("_o", "auto"), ("_sc", e.activity(screen)), ("_si", 4_211_903_118 + v), ("_et", 8211 + 97 * v)],
        ),
        ga4_event("user_engagement", ts - 2000, [("_o", "auto"), ("_et", 12_843 + v)]),
    ]
    if v % 3 == 1:
        events.append(
            ga4_event(
                "purchase",
                ts - 1500,
                [
                    ("_o", "app"),
                    ("currency", "EUR"),
                    ("value", 1999),
                    ("transaction_id", e.neg_order("transaction_id")),
                ],
            )
        )
    bundle = pb_int(1, 1)
    for ev in events:
        bundle += pb_bytes(2, ev)
    bundle += pb_bytes(
        3,
        pb_int(1, ts - 86_400_000)
        + pb_bytes(2, "_fot")
        + pb_int(
            4,
            e.neg("timestamp_ms", 1763712000000 + 3_600_000 * v, "_fot first-open time under user property"),
        ),
    )
    bundle += pb_int(4, ts) + pb_int(5, ts - 61_000) + pb_int(6, ts - 500)
    bundle += pb_bytes(8, "android") + pb_bytes(9, e.os()) + pb_bytes(10, e.model())
    bundle += pb_bytes(11, f"{dev.lang}-{dev.country.lower()}") + pb_int(12, dev.tz_offset_min)
    bundle += pb_bytes(13, "com.android.vending") + pb_bytes(14, app.pkg) + pb_bytes(16, app.version)
    bundle += pb_int(17, 243_710) + pb_int(18, 243_932)
    if not lat_on:
        bundle += pb_bytes(19, e.gaid())
    bundle += pb_int(20, 1 if lat_on else 0)
    instance = hashlib.md5(f"{dev.key}{app.pkg}".encode()).hexdigest()  # noqa: S324 - an invented app instance id
    bundle += pb_bytes(21, e.devid(instance)) + pb_int(23, 3 + v) + pb_bytes(25, app.gmp_app_id)
    if v % 2 == 0:
        fid = "c" + b64url(hashlib.sha1(f"fid{dev.key}{app.pkg}".encode()).digest())[:21]  # noqa: S324
        bundle += pb_bytes(30, e.devid(fid))
    bundle += pb_int(31, int(app.version.split(".")[0]))
    body = pb_bytes(1, bundle)
    headers = [("Content-Type", "application/x-www-form-urlencoded"), *okhttp(dev)]
    e.tag("protobuf", "header")
    if v % 4 != 3:
        headers.insert(1, ("Content-Encoding", "gzip"))
        body = gz(body)
        e.tag("gzip", "gzip_ce")
    e.headers = headers
    set_body(e, body, binary=True)
    e.status, e.resp_body = 204, b""
    c.add(e)


def f_fis(c: Corpus, dev: Device, v: int) -> None:
    """Firebase installations: the FID travels in the URL path."""
    e = c.entry(dev, "firebase")
    app = app_for(dev, v)
    fid = "f" + b64url(hashlib.sha1(f"fis{dev.key}{app.pkg}{v}".encode()).digest())[:21]  # noqa: S324
    project = app.gmp_app_id.split(":")[1]
    e.method = "POST"
    e.url = f"https://firebaseinstallations.googleapis.com/v1/projects/{project}/installations/{e.devid(fid)}/authTokens:generate"
    e.tag("path")
    set_body(e, compact({"installation": {"sdkVersion": "a:17.2.0"}}))
    e.headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("x-goog-api-key", "AIzaSyB" + e.hexid(32)),
        ("x-firebase-client", "fire-core/20.4.2 fire-installations/17.2.0 device-name/" + dev.codename),
        ("X-Android-Package", app.pkg),
        (
            "X-Android-Cert",
            e.neg(
                "content_hash",
                digest("sha1", app.pkg + "cert").upper(),
                "signing certificate SHA-1 under X-Android-Cert",
            ),
        ),
        *okhttp(dev),
    ]
    c.add(e)


def f_gma(c: Corpus, dev: Device, v: int) -> None:
    """AdMob ad request (googleads.g.doubleclick.net/mads/gma)."""
    e = c.entry(dev, "google_ads")
    app = app_for(dev, v)
    lat = v % 5 == 4
    params: list[tuple[str, Any]] = [
        ("preqs", v),
        ("u_sd", round(dev.dpi / 160, 2)),
        ("u_h", e.neg("screen_size", dev.height * 160 // dev.dpi, "u_h screen height in dp")),
        ("u_w", dev.width * 160 // dev.dpi),
        ("msid", app.pkg),
        ("an", f"{app.code}.android.{app.pkg}"),
        ("net", "wi"),
        ("u_audio", 1),
        ("submodel", e.model()),
        ("js", "afma-sdk-a-v233712999.233710000.0"),
        ("format", "320x50_mb"),
        ("hl", dev.lang),
        ("request_id", e.neg_uuid("request_id")),
        ("dt", e.neg_ts_ms(0, "dt")),
        ("is_lat", 1 if lat else 0),
    ]
    if lat:
        params.append(
            (
                "rdid",
                e.neg(
                    "placeholder",
                    "00000000-0000-0000-0000-000000000000",
                    "all-zero advertising ID when tracking is limited",
                ),
            )
        )
    else:
        params.append(("rdid", e.gaid(upper=v % 3 == 2)))
    params += [
        ("sdk_version", "afma-sdk-a-v233712999.233710000.0"),
        ("osv", e.os()),
        ("gnt", 0),
        ("correlator", e.neg("random_number", e.rng.getrandbits(52), "random correlator")),
    ]
    if v % 2 == 1:
        page = {
            "xiaomi": "https://www.sport.es/es/noticias/barca/previa-del-partido-98123455",
            "samsung": "https://www.kicker.de/bundesliga/spieltag",
            "pixel": "https://www.seattletimes.com/seattle-news/transportation/light-rail-delays/",
        }[dev.key]
        params.append(("url", e.visited(page)))
        e.tag("percent")
    e.url = "https://googleads.g.doubleclick.net/mads/gma?" + form(params)
    e.tag("query", "header")
    e.headers = okhttp(dev, ua_webview(dev))
    if v % 4 == 0:
        e.headers.append(("Cookie", "IDE=" + e.trackid(b64url(e.rng.randbytes(30)))))
    e.resp_body, e.resp_mime = "<!doctype html><html><body></body></html>", "text/html; charset=UTF-8"
    c.add(e)


def f_gma_click(c: Corpus, dev: Device, v: int) -> None:
    """An ad click through DoubleClick: the page the ad was on, encoded twice inside the tracker URL."""
    e = c.entry(dev, "google_ads")
    page = {
        "xiaomi": "https://www.elperiodico.com/es/barcelona/20261120/obras-diagonal-tranvia-98234112",
        "samsung": "https://www.spiegel.de/wirtschaft/mietpreise-berlin-steigen-weiter-a-4f2c",
        "huawei": "https://news.sina.com.cn/c/2026-11-20/doc-inaxy7213.shtml",
        "pixel": "https://www.reddit.com/r/Seattle/comments/1gq2x7k/best_pho_in_the_u_district/",
    }[dev.key]
    e.visited(page)
    ref = quote(quote(page, safe=""), safe="")
    e.url = (
        "https://ad.doubleclick.net/ddm/trackclk/N7421.286/B30481273.402918274;dc_trk_aid=583920174;"
        f"dc_trk_cid=219384756;dc_lat=;dc_rdid=;tag_for_child_directed_treatment=;tfua=?dc_ref={ref}"
        f"&ord={e.neg_ts_ms(0, 'ord')}"
    )
    e.tag("query", "percent", "double_percent")
    e.headers = [
        ("User-Agent", ua_browser(dev) if dev is not PIXEL else CHROME_FROZEN),
        ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("Accept-Language", accept_language(dev)),
    ]
    e.neg("accept_q", "0.9", "q=0.9 quality value in Accept-Language")
    if dev is not PIXEL:
        e.tag("header")
    e.status, e.resp_body = 204, b""
    c.add(e)


# -- Facebook app events -------------------------------------------------------------------------------


def f_facebook(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "facebook")
    app = app_for(dev, v)
    anon = "XZ" + str(uuid.UUID(int=int(hashlib.md5(f"fb{dev.key}".encode()).hexdigest(), 16), version=4))  # noqa: S324
    extinfo = [
        "a2",
        app.pkg,
        app.code,
        app.version,
        e.os(),
        e.model("market" if v % 2 else "model"),
        dev.locale,
        dev.tz_abbr,
        e.carrier(),
        dev.width,
        dev.height,
        f"{dev.dpi / 160:.2f}",
        8,
        e.neg("device_stat", 118, "total storage in GB in extinfo[13]"),
        71,
        dev.tz,
    ]
    if v % 3 == 0:
        events = [
            {
                "_eventName": "fb_mobile_activate_app",
                "_logTime": e.s - 30,
                "_ui": e.neg("placeholder", "unknown", "_ui placeholder"),
                "_session_id": e.neg_uuid("_session_id"),
                "_implicitlyLogged": "1",
            }
        ]
    else:
        events = [
            {
                "_eventName": "fb_mobile_content_view",
                "_logTime": e.s - 12,
                "_ui": "no_ui",
                "fb_content_type": "product",
                "fb_content_id": "SKU-20931",
                "_valueToSum": e.neg("price", 19.99, "price under _valueToSum"),
                "fb_currency": "EUR",
                "_implicitlyLogged": "0",
            }
        ]
    ud: dict[str, str] = {}
    if v % 2 == 1:
        ud["em"] = e.email(alg="sha256")
        ud["ph"] = e.phone(style="digits", alg="sha256")
    fields: list[tuple[str, str]] = [
        ("format", "json"),
        ("sdk", "android"),
        ("event", "CUSTOM_APP_EVENTS"),
        ("advertiser_id", e.gaid() if dev.gaid else ""),
        ("advertiser_tracking_enabled", "1"),
        ("anon_id", e.devid(anon)),
        ("application_package_name", app.pkg),
        ("application_tracking_enabled", "1"),
        ("extinfo", compact(extinfo)),
        ("custom_events", compact(events)),
    ]
    if ud:
        fields.append(("ud", compact(ud)))
    e.method = "POST"
    e.url = f"https://graph.facebook.com/v{17 + v % 3}.0/{app.fb_app_id}/activities"
    e.tag("json_in_string")
    if v % 2 == 0:
        boundary = "".join(e.rng.choice("0123456789abcdef") for _ in range(16))
        parts = []
        for name, value in fields:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
        set_body(e, "".join(parts) + f"--{boundary}--\r\n")
        ctype = f"multipart/form-data; boundary={boundary}"
        e.tag("multipart")
    else:
        set_body(e, form(fields))
        ctype = "application/x-www-form-urlencoded"
        e.tag("form")
    e.headers = [("Content-Type", ctype), ("User-Agent", f"FBAndroidSDK.17.0.0/{app.version}")]
    c.add(e)


# -- AppsFlyer, Adjust, Branch ---------------------------------------------------------------------


def f_appsflyer(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "appsflyer")
    app = app_for(dev, v)
    uid = f"{e.ms - 86_400_000 * (3 + v)}-{int(hashlib.sha1(f'af{dev.key}'.encode()).hexdigest()[:15], 16)}"  # noqa: S324
    body: dict[str, Any] = {
        "af_timestamp": str(e.neg_ts_ms(0, "af_timestamp")),
        "app_version_code": str(app.code),
        "app_version_name": app.version,
        "appsflyerKey": "Zk9wR3" + e.hexid(10),
        "brand": dev.brand,
        "carrier": e.carrier(),
        "counter": str(3 + v),
        "country": dev.country,
        "date1": e.when.strftime("%Y-%m-%d_%H%M%S%z"),
        "deviceData": {
            "arch": "",
            "build_display_id": e.neg("build_id", dev.build_id, "Build.DISPLAY build id"),
            "cpu_abi": "arm64-v8a",
            "cpu_abi2": "",
            "dim": {
                "size": "2",
                "x_px": str(dev.width),
                "xdp": "394.705",
                "y_px": str(dev.height),
                "d_dpi": str(dev.dpi),
            },
        },
        "deviceType": "user",
        "iaecounter": str(v),
        "installDate": "2026-11-18_101522+0000",
        "isFirstCall": "false",
        "lang": dev.lang,
        "lang_code": dev.lang,
        "model": e.model(),
        "network": "WIFI",
        "operator": e.carrier(),
        "platformextension": "android_native",
        "sdk": e.os("api"),
        "timepassedsincelastlaunch": str(640 + v),
        "uid": e.devid(uid),
        "af_v": e.neg_hash("af_v", "sha1"),
        "af_v2": e.neg_hash("af_v2", "md5"),
    }
    if dev.gaid:
        body["advertiserId"] = e.gaid()
        body["advertiserIdEnabled"] = "true"
    if dev.oaid:
        body["oaid"] = e.oaid()
    if dev is HUAWEI or v % 3 == 2:
        body["imei"] = e.imei()
        body["android_id"] = e.aid()
    if v % 2 == 1:
        body["eventName"] = "af_purchase"
        body["eventValue"] = compact(
            {"af_revenue": "4.99", "af_currency": "EUR", "af_order_id": e.neg_order("af_order_id")}
        )
        e.neg("price", "4.99", "af_revenue price")
    e.method = "POST"
    e.url = f"https://{'inapps' if v % 2 else 'launches'}.appsflyer.com/api/v6.{9 + v % 3}/androidevent?app_id={app.pkg}&buildnumber=6.{9 + v % 3}.2"
    e.tag("json")
    raw = compact(body)
    if v % 4 == 3:
        set_body(e, gz(raw), binary=True)
        e.headers = json_headers(dev, mime="application/octet-stream")
        e.tag("gzip")
    else:
        set_body(e, raw)
        e.headers = json_headers(dev, mime="application/json")
    e.tag("header")
    c.add(e)


def adjust_common(e: Entry, dev: Device, app: App, v: int) -> list[tuple[str, Any]]:
    adjust_uuid = str(
        uuid.UUID(int=int(hashlib.md5(f"adj{dev.key}{app.pkg}".encode()).hexdigest(), 16), version=4)
    )  # noqa: S324
    p: list[tuple[str, Any]] = [
        ("app_token", "2fm9gkqubvpc"),
        ("attribution_deeplink", "1"),
        ("android_uuid", e.devid(adjust_uuid)),
        ("api_level", e.os("api")),
        ("app_version", app.version),
        ("connectivity_type", "1"),
        ("country", dev.country),
        ("cpu_type", "arm64-v8a"),
        ("created_at", e.iso(-40).replace("Z", "Z+0000")),
        ("device_manufacturer", dev.manufacturer),
        ("device_name", e.model()),
        ("device_type", "phone"),
        ("display_height", dev.height),
        ("display_width", dev.width),
        ("environment", "production"),
        ("event_buffering_enabled", "0"),
        ("hardware_name", dev.build_id),
        ("language", dev.lang),
        ("mcc", dev.mcc),
        ("mnc", dev.mnc),
        ("needs_response_details", "1"),
        ("network_type", "13"),
        ("os_build", dev.build_id),
        ("os_name", "android"),
        ("os_version", e.os()),
        ("package_name", app.pkg),
        ("screen_density", "high"),
        ("screen_format", "long"),
        ("screen_size", "normal"),
        ("sent_at", e.iso().replace("Z", "Z+0000")),
        ("session_count", 4 + v),
        ("tracking_enabled", "1"),
    ]
    e.cell(lac=False)
    if dev.gaid:
        p.insert(3, ("gps_adid", e.gaid()))
        p.insert(4, ("gps_adid_src", "service"))
    if dev.oaid:
        p.append(("oaid", e.oaid()))
    if v % 3 == 1:
        # Adjust SDK 4.x before 2019 still sent digests of the Wi-Fi MAC
        p.append(("mac_sha1", e.mac("COLON", alg="sha1")))
        p.append(("mac_md5", e.mac("nosep", alg="md5")))
    return p


def f_adjust(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "adjust")
    app = app_for(dev, v)
    kind = ("session", "event", "sdk_click")[v % 3]
    p = adjust_common(e, dev, app, v)
    if kind == "event":
        p += [
            ("event_token", "x7k2pd"),
            ("event_count", 7 + v),
            ("revenue", e.neg("price", "19.99", "event revenue")),
            ("currency", "EUR"),
            (
                "callback_params",
                compact(
                    {
                        "order_id": e.neg_order("callback_params.order_id"),
                        "screen": e.activity(app.screens[1]),
                    }
                ),
            ),
            ("partner_params", compact({"fb_content_type": "product"})),
        ]
        e.tag("json_in_string")
    elif kind == "sdk_click":
        ref = "utm_source=google-play&utm_medium=organic"
        p += [
            ("source", "install_referrer"),
            ("referrer", ref),
            ("raw_referrer", quote(ref, safe="")),
            ("click_time", e.iso(-300000).replace("Z", "Z+0000")),
            ("install_begin_time", e.iso(-280000).replace("Z", "Z+0000")),
        ]
    e.method, e.url = "POST", f"https://app.adjust.com/{kind}"
    e.headers = [
        ("Client-SDK", "android4.38.2"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        (
            "Authorization",
            f'Signature secret_id="1",signature="{e.neg_hash("Authorization signature", "sha256")}",algorithm="sha256",headers_id="1"',
        ),
        *okhttp(dev),
    ]
    set_body(e, form(p))
    e.tag("form", "header")
    c.add(e)


def f_branch(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "branch")
    app = app_for(dev, v)
    path = ("install", "open")[v % 2]
    body: dict[str, Any] = {
        "hardware_id": e.aid(),
        "is_hardware_id_real": True,
        "brand": dev.brand,
        "model": e.model(),
        "screen_dpi": dev.dpi,
        "screen_height": dev.height,
        "screen_width": dev.width,
        "wifi": True,
        "ui_mode": "UI_MODE_TYPE_NORMAL",
        "os": "Android",
        "os_version": dev.api,
        "country": dev.country,
        "language": dev.lang,
        "local_ip": e.neg("ip_address", f"192.168.1.{30 + v}", "private LAN address"),
        "advertising_ids": {"aaid": e.gaid()},
        "lat_val": 0,
        "randomized_device_token": e.devid(
            str(1_209_384_756_102_938_000 + int(hashlib.md5(dev.key.encode()).hexdigest()[:6], 16))
        ),  # noqa: S324
        "randomized_bundle_token": e.neg(
            "session_id", str(1_209_384_756_000_000_000 + v * 7919), "per-bundle token"
        ),
        "app_version": app.version,
        "first_install_time": e.neg("timestamp_ms", 1763460922000, "first_install_time"),
        "latest_install_time": 1763460922000,
        "latest_update_time": 1763460922000,
        "previous_update_time": 0,
        "update": 0,
        "connection_type": "wifi",
        "environment": "FULL_APP",
        "metadata": {},
        "initial_referrer": "android-app://com.android.vending",
        "cd": {"mv": "-1", "pn": app.pkg},
        "branch_key": "key_live_" + e.hexid(24),
        "user_agent": ua_webview(dev),
        "sdk": "android5.12.0",
        "instrumentation": {"v1/" + path + "-qwt": "0"},
    }
    e.lab("os_version", str(dev.api))
    e.os("Android")  # inside the user_agent string
    e.method, e.url = "POST", f"https://api2.branch.io/v1/{path}"
    e.headers = json_headers(dev)
    set_body(e, compact(body))
    e.tag("json", "header")
    c.add(e)


# -- Xiaomi: OneTrack, MiStat, Sensors Analytics (Mi Browser), MSA ads ------------------------------------

USAGE = {
    "xiaomi": [
        ("com.whatsapp", "com.whatsapp/.HomeActivity"),
        ("com.instagram.android", "com.instagram.android/.activity.MainTabActivity"),
        ("com.idealista.android", "com.idealista.android/.app.ui.search.SearchActivity"),
        ("com.tinder", "com.tinder/.main.MainActivity"),
        ("es.lacaixa.mobile.android.newwapicon", "es.lacaixa.mobile.android.newwapicon/.LoginActivity"),
    ],
    "samsung": [
        ("com.whatsapp", "com.whatsapp/.HomeActivity"),
        ("de.dkb.portalapp", "de.dkb.portalapp/.ui.MainActivity"),
        ("com.komoot.android", "com.komoot.android/.app.MapActivity"),
        ("de.zalando.mobile", "de.zalando.mobile/.ui.catalog.CatalogActivity"),
    ],
    "huawei": [
        ("com.tencent.mm", "com.tencent.mm/.ui.LauncherUI"),
        ("com.eg.android.AlipayGphone", "com.eg.android.AlipayGphone/.AlipayLogin"),
        ("com.ss.android.ugc.aweme", "com.ss.android.ugc.aweme/.main.MainActivity"),
        ("com.sankuai.meituan", "com.sankuai.meituan/.activity.MainActivity"),
    ],
    "pixel": [
        ("com.reddit.frontpage", "com.reddit.frontpage/.main.MainActivity"),
        ("com.grindrapp.android", "com.grindrapp.android/.ui.home.HomeActivity"),
        ("com.venmo", "com.venmo/.MainActivity"),
        ("com.headspace.android", "com.headspace.android/.ui.MainActivity"),
    ],
}


def f_onetrack(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "xiaomi_onetrack")
    instance = "5c1e" + hashlib.sha1(b"onetrack-instance").hexdigest()[:28]  # noqa: S324
    header: dict[str, Any] = {
        "app_id": "31000000286",
        "pkg": "com.miui.analytics",
        "app_ver": e.neg("version_string", "V14.0.6.0.TMTEUXM", "app_version of a system app, not the OS"),
        "sdk_ver": "2.1.9",
        "model": e.model(),
        "os_ver": e.os(),
        "miui_ver": e.os("rom"),
        "region": "ES",
        "carrier": e.carrier(),
        "net": "WIFI",
        "instance_id": e.devid(instance),
        "android_id": e.aid(),
        "ts": e.neg_ts_ms(0, "H.ts"),
        "tz": dev.tz,
    }
    if v % 3 == 0:
        header["gaid"] = e.gaid()
    if v % 3 == 1:
        header["oaid"] = e.oaid()
    header["mac"] = (
        e.mac("NOSEP")
        if v % 4 == 2
        else e.neg("placeholder", "02:00:00:00:00:00", "MAC placeholder for apps without permission")
    )
    events: list[dict[str, Any]] = []
    usage = USAGE[dev.key]
    for i in range(2 + v % 3):
        pkg, comp = usage[(v + i) % len(usage)]
        body = {
            "package": e.activity(pkg),
            "component": e.activity(comp),
            "duration": 41_000 + 7919 * i + 131 * v,
            "start": e.ms - 600_000 + 90_000 * i,
        }
        events.append(
            {
                "H": {"event": "onetrack_pa", "ts": e.ms - 500_000 + 90_000 * i, "event_id": e.uuid4()},
                "B": compact(body) if v % 4 == 3 else body,
            }
        )
    e.neg("request_uuid", events[0]["H"]["event_id"], "per-event UUID under event_id")
    payload = compact({"H": header, "B": events})
    e.method, e.url = "POST", f"https://tracking.intl.miui.com/track/v{4 if v % 2 == 0 else 1}"
    headers = json_headers(dev, ua="OneTrack-SDK/2.1.9")
    mode = v % 4
    if mode == 1:
        headers.insert(1, ("Content-Encoding", "gzip"))
        set_body(e, gz(payload), binary=True)
        e.tag("json", "gzip", "gzip_ce")
    elif mode == 2:
        headers[0] = ("Content-Type", "application/x-www-form-urlencoded")
        set_body(e, form([("data", b64(deflate_raw(payload))), ("ver", "4")]))
        e.tag("form", "base64", "deflate", "json")
    elif mode == 3:
        set_body(e, payload)
        e.tag("json", "json_in_string")
    else:
        set_body(e, payload)
        e.tag("json")
    e.headers = headers
    c.add(e)


def f_mistat(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "xiaomi_mistat")
    sessions = []
    usage = USAGE[dev.key]
    for i in range(2):
        pkg, comp = usage[(v + i) % len(usage)]
        name = e.activity(comp.split("/")[1] if v % 2 else comp)
        sessions.append({"page": name, "start": e.ms - 400_000 + 70_000 * i, "dur": 23_000 + 911 * i + v})
    fields: list[tuple[str, Any]] = [
        ("app_id", "2882303761517492012"),
        ("app_key", "5671749202012"),
        ("channel", "GLOBAL"),
        ("device_id", e.imei(alg="md5", style="HEX") if v % 2 == 0 else e.imei(alg="md5")),
        ("model", e.model()),
        ("os", "MIUI/" + e.os("rom")),
        ("os_ver", e.os()),
        ("operator", e.carrier()),
        ("resolution", e.neg("screen_size", f"{dev.width}*{dev.height}", "screen resolution")),
        ("sessions", compact(sessions)),
        ("ts", e.neg_ts_ms(0, "ts")),
    ]
    if v % 4 == 1:
        fields.insert(3, ("imei", e.imei()))
        fields.insert(4, ("imsi", e.imsi()))
        fields.insert(5, ("iccid", e.iccid()))
    if v % 4 == 3:
        fields.append(("apps", ",".join(e.apps(dev.installed[:9]))))
    if v % 4 == 2:
        fields.append(("imei2", e.imei(1)))
        fields.append(("order", e.neg_order("order")))
    e.method, e.url = "POST", "https://data.mistat.intl.xiaomi.com/mistats/v3"
    e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
    set_body(e, form(fields))
    e.tag("form", "json_in_string", "header")
    c.add(e)


SA_VISITS = {
    "xiaomi": [
        (
            "https://www.google.com/search?q=pisos+alquiler+gr%C3%A0cia&ie=UTF-8&client=ms-android-xiaomi-rvo3",
            "pisos alquiler gràcia",
        ),
        ("https://www.idealista.com/alquiler-viviendas/barcelona/gracia/", None),
        (
            "https://www.google.com/search?q=s%C3%ADntomas+gripe+ni%C3%B1os&ie=UTF-8&client=ms-android-xiaomi-rvo3",
            "síntomas gripe niños",
        ),
        ("https://www.clinicbarcelona.org/asistencia/enfermedades/gripe", None),
        ("https://www.bing.com/search?q=test+embarazo+fiable&form=MBRBSR", "test embarazo fiable"),
        ("https://www.farmaciasdirect.es/test-embarazo-clearblue-digital", None),
        ("https://duckduckgo.com/?q=abogado+divorcio+barcelona&ia=web", "abogado divorcio barcelona"),
        ("https://www.elperiodico.com/es/barcelona/20261120/obras-diagonal-tranvia-98234112", None),
        ("https://www.sport.es/es/noticias/barca/previa-del-partido-98123455", None),
        ("https://m.youtube.com/watch?v=Qx7a1bT9kLm", None),
    ],
}


def f_sensors(c: Corpus, dev: Device, v: int) -> None:
    """Mi Browser -> Sensors Analytics: crc=..&gzip=1&data_list=base64(gzip(JSON array))."""
    e = c.entry(dev, "sensors_mibrowser")
    visits = SA_VISITS["xiaomi"]
    events = []
    incognito = v % 3 == 2
    distinct = e.aid() if v % 4 != 1 else e.devid("b1f3a9c2-5d8e-4f07-8a6b-2e9c0d7f4a13")
    for i in range(1 + v % 3):
        url, word = visits[(2 * v + i) % len(visits)]
        props: dict[str, Any] = {
            "$lib": "Android",
            "$lib_version": "4.3.6",
            "$app_version": "14.9.1-gn",
            "$manufacturer": dev.manufacturer,
            "$model": e.model(),
            "$os": "Android",
            "$os_version": e.os(),
            "$screen_height": dev.height,
            "$screen_width": dev.width,
            "$wifi": True,
            "$network_type": "WIFI",
            "$carrier": e.carrier(),
            "$is_first_day": False,
            "$device_id": e.aid() if v % 4 != 1 else distinct,
            "url": e.visited(url),
            "incognito": incognito,
            "page_type": "web",
        }
        if word:
            props["search_word"] = e.search(word)
            props["search_engine"] = urlsplit(url).hostname
        events.append(
            {
                "_track_id": e.neg("session_id", -1_283_746_501 + 977 * v + i, "_track_id counter"),
                "time": e.ms - 30_000 * (3 - i),
                "type": "track",
                "distinct_id": distinct,
                "lib": {"$lib": "Android", "$lib_method": "code", "$app_version": "14.9.1-gn"},
                "event": "browser_url",
                "properties": props,
                "_flush_time": e.ms,
            }
        )
    e.neg_ts_ms(0, "_flush_time")
    data = compact(events)
    if v % 5 == 4:
        data_list, gzip_flag = b64(data), "0"
        e.tag("form", "base64", "json")
    else:
        data_list, gzip_flag = b64(gz(data)), "1"
        e.tag("form", "base64", "gzip", "json")
    crc = e.neg("content_hash", str(zlib.crc32(data_list.encode()) - (1 << 31)), "crc of data_list")
    e.method, e.url = "POST", "https://sa.api.intl.miui.com/sa?project=global_browser"
    e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
    set_body(e, form([("crc", crc), ("gzip", gzip_flag), ("data_list", data_list)]))
    e.tag("header")
    c.add(e)


def f_miads(c: Corpus, dev: Device, v: int) -> None:
    """Xiaomi MSA ads: clientInfo as base64url JSON; the app list report."""
    e = c.entry(dev, "xiaomi_ads")
    client = {
        "deviceInfo": {
            "model": e.model(),
            "androidVersion": e.os(),
            "miuiVersion": e.os("rom"),
            "screenWidth": dev.width,
            "screenHeight": dev.height,
            "dpi": dev.dpi,
            "os": "android",
            "isInter": True,
        },
        "userInfo": {
            "gaid": e.gaid(),
            "serviceProvider": e.carrier(),
            "locale": dev.locale,
            "country": dev.country,
            "connectionType": "WIFI",
            "imei_md5": e.imei(alg="md5"),
            "oaid": e.oaid(),
        },
        "appInfo": {"packageName": "com.miui.msa.global", "version": "2.8.7"},
    }
    e.method = "POST"
    if v % 2 == 0:
        e.url = "https://api.ad.intl.xiaomi.com/u/api"
        set_body(
            e,
            form(
                [
                    ("clientInfo", b64url_json(compact(client))),
                    ("impRequests", compact([{"tagId": "1.305.1.4", "adsCount": 1}])),
                    ("v", "3.0"),
                    ("isBase64", "true"),
                ]
            ),
        )
        e.headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", f"_dmid={e.aid()}; lang={dev.locale}"),
            *okhttp(dev),
        ]
        e.tag("form", "base64url", "json", "cookie", "header")
    else:
        e.url = "https://globalapi.ad.xiaomi.com/api/v2/appinfo/report"
        pkgs = dev.installed[v % 3 :]
        body = {
            "clientInfo": client,
            "apps": [
                {"packageName": p, "firstInstallTime": 1735689600000 + 86_400_000 * i, "system": False}
                for i, p in enumerate(e.apps(pkgs))
            ],
            "ts": e.neg_ts_ms(0, "ts"),
        }
        set_body(e, compact(body))
        e.headers = json_headers(dev)
        e.tag("json", "header")
    c.add(e)


# -- Huawei: HiAnalytics, HOTA update check ---------------------------------------------------------------

HUAWEI_UDID = hashlib.sha256(b"NOH-AN00 udid").hexdigest().upper()


def f_hianalytics(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "huawei_hianalytics")
    common: dict[str, Any] = {
        "_model": e.model(),
        "_manufacturer": dev.manufacturer,
        "_rom_ver": e.os("rom"),
        "_os": "android",
        "_os_ver": e.os(),
        "_mcc": dev.mcc,
        "_mnc": dev.mnc,
        "_app_ver": app_for(dev, v).version,
        "_package_name": app_for(dev, v).pkg,
        "_udid": e.devid(HUAWEI_UDID),
        "_oaid": e.oaid(),
        "_sn": e.serial(),
        "_channel": "hw_appgallery",
        "_restriction_enabled": False,
    }
    e.cell(lac=False)
    if v % 3 == 0:
        common["_imei"] = e.imei()
    if v % 3 == 1:
        common["_imei"] = e.neg("placeholder", "000000000000000", "IMEI placeholder")
    app = app_for(dev, v)
    events = []
    for i in range(2):
        screen = app.screens[(v + i) % len(app.screens)]
        events.append(
            {
                "event": "$AppOnPause" if i else "$ScreenView",
                "type": "oper",
                "properties": {
                    "$CurActivityName": e.activity(f"{app.pkg}.{screen}"),
                    "$Duration": 18_342 + 101 * v + i,
                },
                "event_session_name": f"{e.ms - 900_000}_{v}",
                "first_session_event": i == 0,
                "eventtime": str(e.ms - 60_000 * (2 - i)),
            }
        )
    header = {
        "protocol_version": "1",
        "compress_mode": "1",
        "serviceid": "hmshioperqrt",
        "appid": app.pkg,
        "hashcode": e.neg_hash("hashcode", "sha256"),
        "requestid": e.neg_uuid("requestid"),
        "servicetag": "_openness_config_tag",
        "chifer": "",
    }
    headers = [
        ("App-Id", "com.huawei.hwid"),
        ("App-Ver", "6.12.0.302"),
        ("Sdk-Name", "hianalytics"),
        ("Sdk-Ver", "2.2.0.315"),
        ("Device-Id", HUAWEI_UDID),
        ("Servicetag", "_openness_config_tag"),
        ("Request-Id", header["requestid"]),
        ("Package-Name", app.pkg),
        ("Protocol-Version", "1"),
        ("Content-Type", "text/plain"),
        ("User-Agent", ua_dalvik(dev)),
    ]
    mode = v % 4
    if mode == 3:
        payload = compact(
            {"header": header, "event": b64(zst(compact({"events_common": common, "events": events})))}
        )
        set_body(e, payload)
        e.tag("json", "base64", "zstd")
    else:
        payload = compact({"header": header, "event": {"events_common": common, "events": events}})
        if mode == 0:
            headers.append(("Content-Encoding", "gzip"))
            set_body(e, gz(payload), binary=True)
            e.tag("json", "gzip", "gzip_ce")
        elif mode == 1:
            set_body(e, gz(payload), binary=True)
            e.tag("json", "gzip")
        else:
            set_body(e, payload)
            e.tag("json")
    e.method = "POST"
    e.url = f"https://metrics{1 + v % 5}-drcn.dt.hicloud.com:6447/common/hmshioperqrt"
    e.headers = headers
    e.tag("header")
    c.add(e)


def f_hota(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "oem_checkin")
    rules = {
        "FingerPrint": e.neg("build_fingerprint", dev.fingerprint, "build fingerprint"),
        "DeviceName": e.model(),
        "FirmWare": "NOH-AN00 3.0.0.168(C00E160R8P1)",
        "IMEI": e.imei(),
        "Language": "zh-cn",
        "OS": e.os("Android"),
        "C_version": "C00",
        "D_version": "D001",
        "udid": e.devid(HUAWEI_UDID),
        "DeviceId": e.serial(),
        "PackageType": "increment",
        "HotaVersion": "103.0.0.168",
        "vendorCountry": "all-cn",
        "ProductName": dev.market_name,
    }
    e.model("market")
    if v % 2:
        rules["IMSI"] = e.imsi(alg="sha256", style="b64")
    else:
        rules["IMSI"] = e.imsi()
        rules["ICCID"] = e.iccid()
    e.method, e.url = "POST", "https://query.hicloud.com/sp_ard_common/v2/Check.action?latest=true"
    e.headers = json_headers(dev, ua="HwOUC/12.0.0.305")
    set_body(e, compact({"rules": rules}))
    e.tag("json")
    c.add(e)


# -- Umeng ----------------------------------------------------------------------------------------------


def umeng_ids(dev: Device) -> tuple[str, str]:
    utdid = b64(hashlib.sha1(f"utdid{dev.key}".encode()).digest()[:18])  # noqa: S324
    umid = hashlib.md5(f"umid{dev.key}".encode()).hexdigest()  # noqa: S324
    return utdid, umid


def f_umeng(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "umeng")
    app = app_for(dev, v)
    utdid, umid = umeng_ids(dev)
    pages = []
    for i in range(2 + v % 2):
        screen = app.screens[(v + i) % len(app.screens)]
        pages.append(
            {
                "page_name": e.activity(f"{app.pkg}.{screen}"),
                "duration": 12_830 + 977 * i + v,
                "page_start": e.ms - 300_000 + 60_000 * i,
            }
        )
    session = {
        "id": e.neg(
            "session_id", hashlib.md5(f"s{v}{dev.key}".encode()).hexdigest().upper(), "session id (md5 hex)"
        ),  # noqa: S324
        "start_time": e.ms - 320_000,
        "end_time": e.ms - 20_000,
        "duration": 300_000,
        "pages": pages,
    }
    if v % 2 == 0:
        header: dict[str, Any] = {
            "appkey": "5f8e3c2a" + e.hexid(16),
            "app_version": app.version,
            "sdk_version": "9.6.5",
            "device_model": e.model(),
            "os": "Android",
            "os_version": e.os(),
            "carrier": e.carrier(),
            "resolution": e.neg("screen_size", f"{dev.width}*{dev.height}", "resolution"),
            "imei_md5": e.imei(alg="md5"),
            "mac": e.mac(),
            "oaid": e.oaid() if dev.oaid else "",
            "utdid": e.devid(utdid),
            "umid": e.devid(umid),
            "idfa": "",
        }
        if dev.gaid:
            header["gaid"] = e.gaid()
        content = compact(
            {
                "analytics": {
                    "sessions": [session],
                    "ekv": [{"id": "click_article", "ts": e.ms - 10_000, "du": 0}],
                }
            }
        )
        env = {"header": header, "content": b64(zl(content)), "codex": 0, "sign": e.neg_hash("sign", "md5")}
        e.method, e.url = "POST", "https://ulogs.umeng.com/unify_logs"
        e.headers = [
            ("Content-Type", "envelope/json"),
            ("X-Umeng-UTC", str(e.neg_ts_ms(0, "X-Umeng-UTC"))),
            ("X-Umeng-Sdk", "Android/9.6.5 UMAnalytics/9.6.5"),
            ("Msg-Type", "envelope/json"),
            *okhttp(dev),
        ]
        set_body(e, compact(env))
        e.tag("json", "base64", "zlib", "header")
    else:
        body: dict[str, Any] = {
            "header": {
                "appkey": "5f8e3c2a" + e.hexid(16),
                "device_id": e.imei(),
                "idmd5": e.imei(alg="md5", style="HEX"),
                "mc": e.mac("COLON"),
                "android_id": e.aid(),
                "device_model": e.model(),
                "os_version": e.os(),
                "carrier": e.carrier(),
                "access": "wifi",
                "country": dev.country,
                "language": dev.lang,
                "timezone": dev.tz_offset_min // 60,
                "resolution": f"{dev.width}*{dev.height}",
                "utdid": e.devid(utdid),
            },
            "body": {
                "launch": [
                    {
                        "date": e.when.strftime("%Y-%m-%d"),
                        "time": e.when.strftime("%H:%M:%S"),
                        "session_id": session["id"],
                    }
                ],
                "terminate": [
                    {
                        "session_id": session["id"],
                        "activities": [[p["page_name"], p["duration"]] for p in pages],
                        "duration": 300_000,
                    }
                ],
            },
        }
        if v % 4 == 1:
            lat, lon = e.home(4, 150)
            body["header"]["lat"], body["header"]["lng"] = lat, lon
            body["header"]["imsi"] = e.imsi(alg="md5")
        e.method, e.url = "POST", "https://alog.umeng.com/app_logs"
        e.headers = [
            ("Content-Type", "application/octet-stream"),
            ("X-Umeng-Sdk", "Android/6.1.4"),
            *okhttp(dev),
        ]
        set_body(e, zl(compact(body)), binary=True)
        e.tag("json", "zlib", "header")
    c.add(e)


# -- Chinese ad SDKs --------------------------------------------------------------------------------------


def f_pangle(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "pangle")
    app = app_for(dev, v)
    device: dict[str, Any] = {
        "os": 1,
        "os_version": e.os(),
        "os_api": e.os("api"),
        "vendor": dev.manufacturer,
        "model": e.model(),
        "language": dev.lang,
        "conn_type": 1,
        "screen_width": dev.width,
        "screen_height": dev.height,
        "carrier_name": e.carrier(),
        "android_id": e.aid(),
    }
    if dev.gaid:
        device["gaid"] = e.gaid()
    if dev.oaid:
        device["oaid"] = e.oaid()
    ext: dict[str, Any] = {
        "imei_md5": e.imei(alg="md5"),
        "mac1": e.mac("NOSEP"),
        "android_id_sha1": e.aid(alg="sha1", style="b64"),
        "did": e.devid(str(7_302_918_374_651_029_000 + len(dev.key))),
    }
    if v % 2:
        lat, lon = e.home(5, 400)
        ext["lat"], ext["lng"] = lat, lon
    body: dict[str, Any] = {
        "request_id": e.neg_uuid("request_id"),
        "ad_sdk_version": "5.9.0.6",
        "source_type": "app",
        "app": {
            "appid": "5" + e.hexid(6),
            "name": app.pkg.split(".")[-1],
            "package_name": app.pkg,
            "version_code": app.code,
        },
        "device": device,
        "adslots": [
            {
                "id": "9" + "".join(e.rng.choice("0123456789") for _ in range(8)),
                "adtype": 5,
                "accepted_size": [{"width": 640, "height": 100}],
            }
        ],
        "ts": e.neg_ts_s(0, "ts"),
        "req_sign": e.neg_hash("req_sign", "sha256"),
    }
    if v % 4 == 3:
        body["ext"] = b64(zst(compact(ext)))
        e.tag("base64", "zstd")
    else:
        body["ext"] = b64url_json(compact(ext))
        e.tag("base64url")
    e.method = "POST"
    e.url = (
        "https://api16-access-sg.pangle.io/api/ad/union/sdk/get_ads/"
        if dev is not HUAWEI
        else "https://is.snssdk.com/api/ad/union/sdk/get_ads/"
    )
    e.headers = json_headers(dev)
    set_body(e, compact(body))
    e.tag("json", "header")
    c.add(e)


def f_mintegral(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "mintegral")
    app = app_for(dev, v)
    ua = ua_webview(dev)
    params: list[tuple[str, Any]] = [
        ("platform", 1),
        ("os_version", e.os()),
        ("package_name", app.pkg),
        ("app_version_name", app.version),
        ("app_version_code", app.code),
        ("orientation", 1),
        ("model", e.model()),
        ("brand", dev.brand),
        ("gaid", e.gaid()),
        ("mnc", dev.mnc),
        ("mcc", dev.mcc),
        ("network_type", 9),
        ("language", dev.locale.replace("_", "-")),
        ("timezone", "GMT+01:00"),
        ("useragent", ua),
        ("sdk_version", "MAL_16.5.31"),
        ("gp_version", "38.4.24-21"),
        ("screen_size", e.neg("screen_size", f"{dev.width}x{dev.height}", "screen_size")),
        ("app_id", "118204"),
        ("unit_id", "4218" + str(v)),
        ("ad_num", 1),
        ("sign", e.neg_hash("sign", "md5")),
        ("ts", e.neg_ts_s(0, "ts")),
    ]
    e.cell(lac=False)
    e.os("Android")
    if v % 2:
        params.append(("android_id", e.aid()))
    e.url = f"https://{'de' if dev is SAMSUNG else 'sg'}-hb.rayjump.com/openapi/ad/v3?" + form(params)
    e.headers = okhttp(dev, ua)
    e.tag("query", "percent", "header")
    c.add(e)


def f_gdt(c: Corpus, dev: Device, v: int) -> None:
    """Tencent GDT (mi.gdt.qq.com): a percent-encoded JSON `ext` whose referrer is encoded once more."""
    e = c.entry(dev, "tencent_gdt")
    app = app_for(dev, v)
    e.cell()
    lat, lon = e.home(6, 60) if v % 2 == 0 else e.coords(dev.elsewhere[v % 2].lat, dev.elsewhere[v % 2].lon)
    page = [
        "https://news.qq.com/rain/a/20261121A03XQK00",
        "https://www.zhihu.com/question/58203917/answer/3120938471",
        "https://m.douban.com/movie/subject/36208114/",
        "https://www.163.com/dy/article/JH2K7Q0S0530WJTO.html",
    ][v % 4]
    req = {
        "c_os": "android",
        "c_osver": e.os(),
        "c_device": e.model(),
        "c_devicetype": 1,
        "c_pkgname": app.pkg,
        "muidtype": 1,
        "muid": e.imei(alg="md5"),
        "c_w": dev.width,
        "c_h": dev.height,
        "c_ori": 0,
        "conn": 1,
        "carrier": 1,
        "lat": lat,
        "lng": lon,
        "c_mf": dev.manufacturer,
        "oaid": e.oaid(),
        "taid": e.devid("0" + hashlib.sha1(b"taid").hexdigest()[:39].upper()),  # noqa: S324
        "android_id_md5": e.aid(alg="md5"),
        "idfa": "",
        "cell": f"{dev.mcc},{dev.mnc},{dev.lac},{dev.cid}",
        "ref_url": quote(e.visited(page), safe=""),
        "hostver": "4.560.1430",
        "sdkver": "4.560.1430",
    }
    params = [
        ("adposcount", 1),
        ("count", 1),
        ("posid", "8" + "".join(e.rng.choice("0123456789") for _ in range(15))),
        ("posw", dev.width),
        ("posh", 1920),
        ("datatype", 2),
        ("charset", "utf8"),
        ("support_https", 1),
        ("ext", compact({"req": req})),
    ]
    e.url = "https://mi.gdt.qq.com/gdt_mview.fcg?" + form(params)
    e.headers = okhttp(dev)
    e.tag("query", "percent", "json", "double_percent", "header")
    c.add(e)


def baidu_cuid(dev: Device) -> str:
    return hashlib.md5(f"cuid{dev.key}".encode()).hexdigest().upper() + "|" + dev.imeis[0][::-1]  # noqa: S324


def f_baidu(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "baidu_mobads")
    app = app_for(dev, v)
    cuid = e.devid(baidu_cuid(dev))
    params: list[tuple[str, Any]] = [
        ("code2", ""),
        ("apid", "7" + str(1_029_384 + v)),
        ("appid", "d" + e.hexid(7)),
        ("pk", app.pkg),
        ("tp", e.model()),
        ("brd", dev.brand),
        ("bdr", e.os("api")),
        ("sw", dev.width),
        ("sh", dev.height),
        ("imei", e.imei() if v % 2 == 0 else e.imei(alg="md5")),
        ("cuid", cuid),
        ("android_id", e.aid()),
        ("mac", e.mac("colon")),
        ("net", 1),
        ("mcc", dev.mcc),
        ("mnc", dev.mnc),
        ("lac", dev.lac),
        ("cid", dev.cid),
        ("ts", e.neg_ts_ms(0, "ts")),
        ("sn", e.serial()),
    ]
    e.cell()
    if v % 4 == 1:
        params.append(("meid", e.meid()))
    if v % 4 == 2:
        lat, lon = e.home(3)
        params += [("lat", lat), ("lng", lon)]
    e.url = "https://mobads.baidu.com/cpro/ui/mads.php?" + form(params)
    e.headers = [
        *okhttp(dev),
        ("Cookie", f"BAIDUCUID={quote(cuid, safe='')}; BAIDUID={e.hexid(32).upper()}:FG=1"),
    ]
    e.tag("query", "percent", "cookie", "header")
    c.add(e)


def f_kuaishou(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "kuaishou")
    app = app_for(dev, v)
    device = {
        "imei": e.imei(),
        "imei1": e.imei(0),
        "imei2": e.imei(1),
        "meid": e.meid() if dev.meid else "",
        "oaid": e.oaid() if dev.oaid else "",
        "androidId": e.aid(),
        "mac": e.mac("COLON"),
        "deviceModel": e.model(),
        "deviceBrand": dev.brand,
        "osType": 1,
        "osVersion": e.os(),
        "osApi": dev.api,
        "language": dev.lang,
        "screenWidth": dev.width,
        "screenHeight": dev.height,
        "imsi": e.imsi() if v % 2 else "",
        "iccid": e.iccid() if v % 4 == 1 else "",
        "deviceId": e.devid("ANDROID_" + hashlib.sha1(f"ks{dev.key}".encode()).hexdigest()[:16]),  # noqa: S324
    }
    e.lab("os_version", str(dev.api))
    network = {
        "ip": "",
        "connectionType": 100,
        "operatorType": 1,
        "mcc": dev.mcc,
        "mnc": dev.mnc,
        "lac": dev.lac,
        "cid": dev.cid,
    }
    e.cell()
    lat, lon = e.home(6, 30)
    body: dict[str, Any] = {
        "protocolVersion": "2.0",
        "SDKVersion": "3.3.53",
        "SDKVersionCode": 3035300,
        "appInfo": compact(
            {"appId": "5" + e.hexid(5), "name": "daily", "packageName": app.pkg, "version": app.version}
        ),
        "networkInfo": network,
        "geoInfo": {
            "latitude": lat,
            "longitude": lon,
            "accuracy": e.neg("geo_like_number", 14.5, "location accuracy (metres)"),
        },
        "impInfo": [
            {"pageId": 100011192, "subPageId": 100013092, "action": 0, "posId": 5231000010 + v, "adNum": 1}
        ],
        "requestId": e.neg_uuid("requestId"),
    }
    mode = v % 4
    if mode in (0, 2):
        body["deviceInfo"] = b64(deflate_raw(compact(device)))
        body["encryptMode"] = "deflate"
        e.tag("base64", "deflate")
    elif mode == 1:
        body["deviceInfo"] = b64(br(compact(device)))
        body["encryptMode"] = "br"
        e.tag("base64", "brotli")
    else:
        body["deviceInfo"] = compact(device)
        e.tag("json_in_string")
    e.method, e.url = "POST", "https://open.e.kuaishou.com/rest/e/v3/open/univ"
    e.headers = json_headers(dev)
    set_body(e, compact(body))
    e.tag("json", "header")
    c.add(e)


# -- analytics SDKs ------------------------------------------------------------------------------------------


def f_appmetrica(c: Corpus, dev: Device, v: int) -> None:
    """AppMetrica: identifiers in the query, a gzipped protobuf report whose event values are JSON."""
    e = c.entry(dev, "appmetrica")
    app = app_for(dev, v)
    deviceid = e.devid(hashlib.md5(f"ym-dev{dev.key}".encode()).hexdigest())  # noqa: S324
    uuid_ = e.devid(hashlib.md5(f"ym-uuid{dev.key}{app.pkg}".encode()).hexdigest())  # noqa: S324
    params: list[tuple[str, Any]] = [
        ("deviceid", deviceid),
        ("uuid", uuid_),
        ("analytics_sdk_version_name", "6.1.0"),
        ("app_id", app.pkg),
        ("app_platform", "android"),
        ("model", e.model()),
        ("manufacturer", dev.manufacturer),
        ("os_version", e.os()),
        ("os_api_level", dev.api),
        ("screen_width", dev.width),
        ("screen_height", dev.height),
        ("screen_dpi", dev.dpi),
        ("locale", dev.locale.replace("_", "-")),
        ("device_type", "phone"),
        ("adv_id", e.gaid()),
        ("limit_ad_tracking", 0),
        ("app_framework", "native"),
        ("api_key_128", e.uuid4()),
        ("request_id", e.neg("session_id", 10_000 + v, "request_id counter")),
    ]
    e.lab("os_version", str(dev.api))
    if v % 2:
        params.append(("android_id", e.aid()))
    screen = app.screens[v % len(app.screens)]
    ev_value = compact({"screen": e.activity(screen), "time_on_screen_ms": 48_201 + v})
    event = (
        pb_int(1, 1)
        + pb_bytes(2, "screen_open")
        + pb_bytes(3, ev_value)
        + pb_int(4, e.neg_ts_s(-40, "event time"))
    )
    session = pb_int(1, 1_763_715_000 + v) + pb_bytes(2, event)
    report = pb_bytes(3, session) + pb_bytes(4, dev.locale)
    e.method = "POST"
    e.url = "https://report.appmetrica.yandex.net/report?" + form(params)
    e.headers = [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip"), *okhttp(dev)]
    set_body(e, gz(report), binary=True)
    e.tag("query", "protobuf", "gzip", "gzip_ce", "json_in_string", "header")
    c.add(e)


def f_amplitude(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "amplitude")
    app = app_for(dev, v)
    device_id = e.trackid(
        str(uuid.UUID(int=int(hashlib.sha1(f"amp{dev.key}".encode()).hexdigest()[:32], 16), version=4)) + "R"
    )  # noqa: S324
    screen = app.screens[v % len(app.screens)]
    ev = {
        "device_id": device_id,
        "user_id": None,
        "timestamp": e.neg_ts_ms(0, "timestamp"),
        "event_id": 40 + v,
        "session_id": e.neg("timestamp_ms", e.ms - 600_000, "session_id is the session start in ms"),
        "event_type": "Viewed Screen",
        "version_name": app.version,
        "os_name": "android",
        "os_version": e.os(),
        "device_brand": dev.brand,
        "device_manufacturer": dev.manufacturer,
        "device_model": e.model(),
        "carrier": e.carrier(),
        "country": dev.country,
        "language": dev.lang,
        "platform": "Android",
        "adid": e.gaid(),
        "insert_id": e.neg_uuid("insert_id"),
        "library": "amplitude-analytics-android/1.16.8",
        "event_properties": {"screen_name": e.activity(screen), "duration_s": 37 + v},
    }
    if v % 3 == 2:
        lat, lon = e.home(6, 500)
        ev["location_lat"], ev["location_lng"] = lat, lon
    e.method = "POST"
    mode = v % 5
    if mode == 4:
        e.url = "https://api.amplitude.com/"
        events = compact([ev])
        set_body(
            e,
            form(
                [
                    ("v", 2),
                    ("client", "a9f0" + e.hexid(28)),
                    ("e", events),
                    ("upload_time", e.ms),
                    ("checksum", e.neg_hash("checksum", "md5")),
                ]
            ),
        )
        e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
        e.tag("form", "json_in_string")
    else:
        e.url = "https://api2.amplitude.com/2/httpapi"
        raw = compact({"api_key": "a9f0" + e.hexid(28), "events": [ev], "options": {"min_id_length": 5}})
        e.headers = json_headers(dev, mime="application/json")
        if mode == 0:
            e.headers.insert(1, ("Content-Encoding", "deflate"))
            set_body(e, deflate_raw(raw), binary=True)
            e.tag("deflate", "deflate_ce")
        elif mode == 1:
            e.headers.insert(1, ("Content-Encoding", "zstd"))
            set_body(e, zst(raw), binary=True)
            e.tag("zstd", "zstd_ce")
        elif mode == 2:
            e.headers.insert(1, ("Content-Encoding", "br"))
            set_body(e, br(raw), binary=True)
            e.tag("brotli", "brotli_ce")
        else:
            set_body(e, raw)
        e.tag("json")
    e.tag("header")
    c.add(e)


def f_mixpanel(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "mixpanel")
    app = app_for(dev, v)
    distinct = e.trackid(
        "$device:"
        + str(uuid.UUID(int=int(hashlib.sha1(f"mp{dev.key}".encode()).hexdigest()[:32], 16), version=4))
    )  # noqa: S324
    if v % 3 == 2:
        data: Any = [
            {
                "$token": "b7e2" + e.hexid(28),
                "$distinct_id": distinct,
                "$time": e.ms,
                "$set": {
                    "$email": e.email(),
                    "$phone": e.phone("spaced"),
                    "$android_model": e.model(),
                    "$android_os_version": e.os(),
                    "$android_brand": dev.brand,
                },
            }
        ]
        e.url = "https://api.mixpanel.com/engage/?ip=1"
    else:
        screen = app.screens[v % len(app.screens)]
        data = [
            {
                "event": "Screen Viewed",
                "properties": {
                    "token": "b7e2" + e.hexid(28),
                    "distinct_id": distinct,
                    "time": e.neg_ts_s(0, "time"),
                    "$os": "Android",
                    "$os_version": e.os(),
                    "$model": e.model(),
                    "$manufacturer": dev.manufacturer,
                    "$brand": dev.brand,
                    "$carrier": e.carrier(),
                    "$screen_width": dev.width,
                    "$screen_height": dev.height,
                    "$app_version_string": app.version,
                    "$google_play_services": "available",
                    "$wifi": True,
                    "mp_lib": "android",
                    "$lib_version": "7.5.2",
                    "screen": e.activity(screen),
                    "$insert_id": e.neg("request_uuid", e.hexid(16), "16-hex $insert_id"),
                    "$had_persisted_distinct_id": True,
                },
            }
        ]
        e.url = "https://api.mixpanel.com/track/?ip=1"
    e.method = "POST"
    e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
    set_body(e, form([("data", b64(compact(data)))]))
    e.tag("form", "base64", "json", "header")
    c.add(e)


def f_segment(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "segment")
    app = app_for(dev, v)
    anon = e.trackid(
        str(uuid.UUID(int=int(hashlib.sha1(f"seg{dev.key}".encode()).hexdigest()[:32], 16), version=4))
    )  # noqa: S324
    screen = app.screens[v % len(app.screens)]
    context = {
        "app": {
            "build": str(app.code),
            "name": app.pkg.split(".")[-1],
            "namespace": app.pkg,
            "version": app.version,
        },
        "device": {
            "id": e.aid(),
            "manufacturer": dev.manufacturer,
            "model": e.model(),
            "type": "android",
            "advertisingId": e.gaid(),
            "adTrackingEnabled": True,
        },
        "library": {"name": "analytics-kotlin", "version": "1.15.0"},
        "locale": dev.locale.replace("_", "-"),
        "network": {"carrier": e.carrier(), "bluetooth": False, "cellular": False, "wifi": True},
        "os": {"name": "Android", "version": e.os()},
        "screen": {"density": dev.dpi / 160, "height": dev.height, "width": dev.width},
        "timezone": dev.tz,
        "traits": {"anonymousId": anon},
        "userAgent": ua_dalvik(dev),
    }
    e.os("Android")
    msgs: list[dict[str, Any]] = [
        {
            "type": "screen",
            "name": e.activity(screen),
            "properties": {"duration_ms": 51_200 + v},
            "messageId": e.neg_uuid("messageId"),
            "anonymousId": anon,
            "context": context,
            "timestamp": e.iso(-2000),
            "integrations": {},
        }
    ]
    if v % 2:
        msgs.append(
            {
                "type": "identify",
                "anonymousId": anon,
                "traits": {"email": e.email(), "phone": e.phone("us") if dev is PIXEL else e.phone()},
                "messageId": e.uuid4(),
                "context": context,
                "timestamp": e.iso(-1000),
            }
        )
    raw = compact({"batch": msgs, "sentAt": e.iso(), "writeKey": None})
    e.method, e.url = "POST", "https://api.segment.io/v1/batch"
    e.headers = [
        ("Content-Type", "application/json"),
        ("Authorization", "Basic " + b64("Wk3xQ7" + e.hexid(26) + ":")),
        ("User-Agent", "analytics-kotlin/1.15.0"),
    ]
    mode = v % 4
    if mode == 0:
        e.headers.insert(1, ("Content-Encoding", "gzip"))
        set_body(e, gz(raw), binary=True)
        e.tag("gzip", "gzip_ce")
    elif mode == 1:
        e.headers.insert(1, ("Content-Encoding", "zstd"))
        set_body(e, zst(raw), binary=True)
        e.tag("zstd", "zstd_ce")
    elif mode == 2:
        e.headers.insert(1, ("Content-Encoding", "deflate"))
        set_body(e, zl(raw), binary=True)
        e.tag("zlib", "zlib_ce")
    else:
        set_body(e, raw)
    e.tag("json")
    c.add(e)


def f_onesignal(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "onesignal")
    app = app_for(dev, v)
    player = str(
        uuid.UUID(int=int(hashlib.sha1(f"os{dev.key}{app.pkg}".encode()).hexdigest()[:32], 16), version=4)
    )  # noqa: S324
    app_id = str(uuid.UUID(int=int(hashlib.sha1(f"osapp{app.pkg}".encode()).hexdigest()[:32], 16), version=4))  # noqa: S324
    e.method = "POST"
    if v % 2 == 0:
        body: dict[str, Any] = {
            "app_id": app_id,
            "device_type": 1,
            "ad_id": e.gaid(),
            "device_os": e.os(),
            "device_model": e.model(),
            "carrier": e.carrier(),
            "language": dev.lang,
            "timezone": dev.tz_offset_min * 60,
            "timezone_id": dev.tz,
            "game_version": str(app.code),
            "sdk": "050117",
            "net_type": 0,
            "rooted": False,
            "android_package": app.pkg,
        }
        if v % 4 == 0:
            lat, lon = e.home(7, 25)
            body.update(
                {
                    "lat": lat,
                    "long": lon,
                    "loc_acc": e.neg("geo_like_number", 11.2, "loc_acc accuracy"),
                    "loc_type": 1,
                    "loc_bg": False,
                    "loc_time_stamp": e.neg_ts_ms(-5000, "loc_time_stamp"),
                }
            )
        e.url = "https://onesignal.com/api/v1/players"
        set_body(e, compact(body))
        e.tag("json")
        e.neg("placeholder", "null", "JSON null under external_user_id")
        body["external_user_id"] = None
        set_body(e, compact(body))
    else:
        e.method = "PUT" if v % 4 == 1 else "POST"
        action = "on_session" if v % 4 == 1 else "on_focus"
        e.url = f"https://onesignal.com/api/v1/players/{e.devid(player)}/{action}"
        body = {
            "app_id": app_id,
            "state": "ping",
            "type": 1,
            "active_time": e.neg("geo_like_number", 64, "active_time seconds (integer)"),
            "device_type": 1,
            "net_type": 0,
        }
        set_body(e, compact(body))
        e.tag("path")
    e.headers = [
        ("Content-Type", "application/json; charset=UTF-8"),
        ("Accept", "application/vnd.onesignal.v1+json"),
        ("SDK-Version", "onesignal/android/050117"),
        *okhttp(dev),
    ]
    e.tag("header")
    c.add(e)


def f_braze(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "braze")
    app = app_for(dev, v)
    device_id = e.devid(
        str(uuid.UUID(int=int(hashlib.sha1(f"braze{dev.key}".encode()).hexdigest()[:32], 16), version=4))
    )  # noqa: S324
    session = e.neg_uuid("session_id")
    body: dict[str, Any] = {
        "device_id": device_id,
        "api_key": str(uuid.UUID(int=int(hashlib.sha1(app.pkg.encode()).hexdigest()[:32], 16), version=4)),  # noqa: S324
        "sdk_version": "30.4.0",
        "app_version": app.version,
        "time": e.neg_ts_s(0, "time"),
        "device": {
            "android_version": e.os(),
            "carrier": e.carrier(),
            "brand": dev.brand,
            "model": e.model(),
            "resolution": e.neg("screen_size", f"{dev.width}x{dev.height}", "resolution"),
            "locale": dev.locale,
            "time_zone": dev.tz,
            "remote_notification_enabled": True,
            "ad_tracking_enabled": True,
            "google_ad_id": e.gaid(),
        },
        "events": [
            {"name": "ss", "data": {}, "time": e.s - 5, "session_id": session},
            {
                "name": "ce",
                "data": compact(
                    {"n": "viewed_screen", "p": {"screen": e.activity(app.screens[v % 3]), "seconds": 22 + v}}
                ),
                "time": e.s - 2,
                "session_id": session,
            },
        ],
        "respond_with": {"config": {"config_time": 0}},
    }
    e.tag("json_in_string")
    if v % 2:
        body["attributes"] = [
            {
                "user_id": None,
                "email": e.email(dev.email.title() if v % 4 == 1 else None),
                "phone": e.phone("e164"),
            }
        ]
    raw = compact(body)
    e.method = "POST"
    e.url = f"https://sdk.{'iad-05.braze.com' if dev is PIXEL else 'fra-02.braze.eu'}/api/v3/data"
    e.headers = json_headers(dev, mime="application/json")
    e.headers.append(("X-Braze-Api-Key", body["api_key"]))
    mode = v % 4
    if mode == 0:
        e.headers.insert(1, ("Content-Encoding", "br"))
        set_body(e, br(raw), binary=True)
        e.tag("brotli", "brotli_ce")
    elif mode == 1:
        e.headers.insert(1, ("Content-Encoding", "deflate"))
        set_body(e, deflate_raw(raw), binary=True)
        e.tag("deflate", "deflate_ce")
    elif mode == 2:
        e.headers.insert(1, ("Content-Encoding", "br"))
        set_body(e, br(raw), binary=True)
        e.tag("brotli", "brotli_ce")
    else:
        e.headers.insert(1, ("Content-Encoding", "deflate"))
        set_body(e, zl(raw), binary=True)
        e.tag("zlib", "zlib_ce")
    e.tag("json", "header")
    c.add(e)


def f_sentry(c: Corpus, dev: Device, v: int) -> None:
    """Sentry envelope: newline-delimited JSON (envelope header, item header, item)."""
    e = c.entry(dev, "sentry")
    app = app_for(dev, v)
    event_id = e.neg("request_uuid", e.hexid(32), "32-hex event_id")
    install = e.devid(
        str(
            uuid.UUID(
                int=int(hashlib.sha1(f"sentry{dev.key}{app.pkg}".encode()).hexdigest()[:32], 16), version=4
            )
        )
    )  # noqa: S324
    screen = app.screens[v % len(app.screens)]
    event: dict[str, Any] = {
        "event_id": event_id,
        "timestamp": e.iso(-100),
        "platform": "java",
        "level": "error",
        "release": f"{app.pkg}@{app.version}+{app.code}",
        "environment": "production",
        "contexts": {
            "device": {
                "model": e.model(),
                "manufacturer": dev.manufacturer,
                "brand": dev.brand,
                "model_id": dev.build_id,
                "arch": "arm64-v8a",
                "battery_level": 71.0,
                "orientation": "portrait",
                "simulator": False,
                "memory_size": 7_781_490_688,
                "screen_width_pixels": dev.width,
                "screen_height_pixels": dev.height,
                "screen_density": dev.dpi / 160,
                "id": install,
                "timezone": dev.tz,
            },
            "os": {
                "name": "Android",
                "version": e.os(),
                "build": dev.build_id,
                "kernel_version": "5.10.198-android13-4",
                "rooted": False,
            },
            "app": {"app_identifier": app.pkg, "app_version": app.version, "app_build": str(app.code)},
        },
        "breadcrumbs": [
            {
                "timestamp": e.iso(-30_000),
                "type": "navigation",
                "category": "ui.lifecycle",
                "data": {"screen": e.activity(screen), "state": "resumed"},
            },
            {
                "timestamp": e.iso(-4_000),
                "type": "http",
                "category": "http",
                "data": {
                    "url": f"https://api.{app.pkg.split('.')[1]}.app/v2/sync",
                    "method": "POST",
                    "status_code": 500,
                },
            },
        ],
        "exception": {
            "values": [
                {
                    "type": "IllegalStateException",
                    "value": "Fragment not attached to a context.",
                    "stacktrace": {
                        "frames": [
                            {"function": "onResume", "module": f"{app.pkg}.ui.{screen}", "lineno": 212}
                        ]
                    },
                }
            ]
        },
        "trace_id": None,
    }
    e.neg(
        "same_site_url",
        f"https://api.{app.pkg.split('.')[1]}.app/v2/sync",
        "the app's own API in a breadcrumb",
    )
    e.neg("email_like", event["release"], "release string package@version looks like an e-mail")
    if v % 3 == 1:
        event["user"] = {"id": install, "email": e.email(), "ip_address": "{{auto}}"}
    trace = e.neg("request_uuid", e.hexid(32), "32-hex trace_id")
    event["contexts"]["trace"] = {"trace_id": trace, "span_id": e.hexid(16), "op": "ui.load"}
    item = compact(event)
    header = compact(
        {
            "event_id": event_id,
            "sent_at": e.iso(),
            "sdk": {"name": "sentry.java.android", "version": "7.14.0"},
            "trace": {"trace_id": trace, "public_key": e.hexid(32), "release": event["release"]},
        }
    )
    envelope = (
        header
        + "\n"
        + compact({"type": "event", "content_type": "application/json", "length": len(item.encode())})
        + "\n"
        + item
        + "\n"
    )
    e.method = "POST"
    e.url = f"https://o{450_000 + 1_111 * len(dev.key)}.ingest.sentry.io/api/{4_505_000_000_000_000 + v}/envelope/"
    e.headers = [
        ("Content-Type", "application/x-sentry-envelope"),
        (
            "X-Sentry-Auth",
            f"Sentry sentry_version=7,sentry_client=sentry.java.android/7.14.0,sentry_key={e.hexid(32)}",
        ),
        ("User-Agent", "sentry.java.android/7.14.0"),
    ]
    mode = v % 4
    if mode == 0:
        e.headers.insert(1, ("Content-Encoding", "gzip"))
        set_body(e, gz(envelope), binary=True)
        e.tag("gzip", "gzip_ce")
    elif mode == 2:
        e.headers.insert(1, ("Content-Encoding", "br"))
        set_body(e, br(envelope), binary=True)
        e.tag("brotli", "brotli_ce")
    else:
        set_body(e, envelope)
    e.tag("ndjson", "json")
    c.add(e)


# -- ad mediation: Unity, AppLovin, ironSource ----------------------------------------------------------------


def f_unity(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "unity_ads")
    app = GAME
    idfi = e.devid(
        str(uuid.UUID(int=int(hashlib.sha1(f"idfi{dev.key}".encode()).hexdigest()[:32], 16), version=4))
    )  # noqa: S324
    body = {
        "advertisingTrackingId": e.gaid(),
        "limitAdTracking": False,
        "bundleId": app.pkg,
        "bundleVersion": app.version,
        "connectionType": "wifi",
        "coppa": False,
        "deviceMake": dev.manufacturer,
        "deviceModel": e.model(),
        "deviceFreeSpace": 61_204_112,
        "language": dev.locale,
        "networkOperator": dev.mcc + dev.mnc,
        "networkOperatorName": e.carrier(),
        "osVersion": e.os(),
        "apiLevel": dev.api,
        "screenDensity": dev.dpi,
        "screenHeight": dev.height,
        "screenWidth": dev.width,
        "timeZone": dev.tz,
        "ts": e.neg_ts_ms(0, "ts"),
        "sessionDepth": 3 + v,
        "gameSessionId": e.neg("session_id", 1_763_715_000_000 + 17 * v + 3, "gameSessionId"),
        "idfi": idfi,
        "userAgent": ua_webview(dev),
        "placements": {"rewardedVideo": {"adTypes": ["VIDEO"]}},
    }
    e.cell(lac=False)
    e.lab("os_version", str(dev.api))
    e.os("Android")
    e.method = "POST"
    e.url = f"https://auction.unityads.unity3d.com/v6/games/{5_123_456 + v}/requests?deviceModel={quote(dev.model)}&platform=android&sdkVersion=4800&stores=google&idfi={idfi}"
    e.headers = [("Content-Type", "application/json"), *okhttp(dev)]
    raw = compact(body)
    if v % 3 == 0:
        e.headers.insert(1, ("Content-Encoding", "br"))
        set_body(e, br(raw), binary=True)
        e.tag("brotli", "brotli_ce")
    else:
        set_body(e, raw)
    e.tag("json", "query", "header")
    c.add(e)


def f_applovin(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "applovin")
    app = app_for(dev, v)
    body = {
        "device_info": {
            "brand": dev.brand,
            "model": e.model(),
            "os": e.os(),
            "revision": "",
            "carrier": e.carrier(),
            "locale": dev.locale,
            "tz_offset": dev.tz_offset_min / 60,
            "dnt": False,
            "ifa": e.gaid(),
            "adns": dev.dpi / 160,
            "dx": dev.width,
            "dy": dev.height,
            "volume": e.neg("geo_like_number", 46.7, "volume level (one decimal)"),
            "bt": 80,
            "sim": 1,
            "mcc": dev.mcc,
            "mnc": dev.mnc,
        },
        "app_info": {
            "package_name": app.pkg,
            "installer_name": "com.android.vending",
            "app_version": app.version,
            "first_install": str(e.neg("timestamp_ms", 1763460922000, "first_install")),
            "sdk_version": "12.6.1",
        },
        "signals": [{"network": "FACEBOOK", "token": b64url(e.rng.randbytes(48))}],
        "ad_unit_id": e.hexid(16),
        "ad_format": "INTER",
        "ts_s": e.neg_ts_s(0, "ts_s"),
    }
    e.cell(lac=False)
    raw = compact(body)
    e.method, e.url = "POST", "https://ms.applovin.com/1.0/mediate"
    e.headers = [("Content-Type", "application/json; charset=utf-8"), *okhttp(dev)]
    if v % 3 == 1:
        e.headers.insert(1, ("Content-Encoding", "zstd"))
        set_body(e, zst(raw), binary=True)
        e.tag("zstd", "zstd_ce")
    else:
        e.headers.insert(1, ("Content-Encoding", "gzip"))
        set_body(e, gz(raw), binary=True)
        e.tag("gzip", "gzip_ce")
    e.tag("json", "header")
    c.add(e)


def f_ironsource(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "ironsource")
    app = app_for(dev, v)
    if v % 2 == 0:
        params: list[tuple[str, Any]] = [
            ("platform", "android"),
            ("applicationKey", "1a2b" + e.hexid(6)),
            ("sdkVersion", "8.4.0"),
            ("advId", e.gaid()),
            ("isLimitAdTrackingEnabled", "false"),
            ("deviceOS", "android"),
            ("osVersion", e.os()),
            ("apiLevel", e.os("api")),
            ("deviceModel", e.model()),
            ("deviceOEM", dev.manufacturer),
            ("connectionType", "wifi"),
            ("mcc", dev.mcc),
            ("mnc", dev.mnc),
            ("deviceLang", dev.lang),
            ("bundleId", app.pkg),
            ("appVersion", app.version),
            ("tz", dev.tz),
            ("plugin", ""),
            ("sessionId", e.neg("session_id", e.hexid(32), "32-hex sessionId")),
        ]
        e.cell(lac=False)
        e.url = "https://init.supersonicads.com/sdk/v?" + form(params)
        e.tag("query", "percent") if " " in dev.model else e.tag("query")
    else:
        events = [
            {
                "eventId": 40 + v,
                "timestamp": e.neg_ts_ms(0, "timestamp"),
                "adUnit": 3,
                "provider": "Mediation",
                "sessionDepth": 2,
                "advId": e.gaid(),
                "deviceModel": e.model(),
                "osVersion": e.os(),
                "connectionType": "wifi",
                "auctionId": e.neg_uuid("auctionId"),
                "placement": "DefaultRewardedVideo",
                "screen": e.activity(app.screens[0]),
            }
        ]
        table = {
            "table": "super.dwh.mediation_events",
            "data": b64(br(compact(events))) if v % 4 == 1 else b64(compact(events)),
            "compressed": v % 4 == 1,
        }
        e.method, e.url = "POST", "https://outcome-ssp.supersonicads.com/mediation?adUnit=3"
        set_body(e, compact(table))
        e.tag("json", "base64")
        if v % 4 == 1:
            e.tag("brotli")
    e.headers = json_headers(dev) if e.method == "POST" else okhttp(dev)
    e.tag("header")
    c.add(e)


# -- weather and maps ------------------------------------------------------------------------------------------


def f_weather(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "weather_maps")
    kind = {
        "xiaomi": ["owm", "nimbus", "nimbus_post", "metno", "mapbox", "openmeteo"],
        "samsung": ["metno", "mapbox", "openmeteo", "accu", "tomorrow", "geocode"],
        "huawei": ["baidumap", "amap", "baidumap", "amap", "openmeteo"],
        "pixel": ["nws", "nws", "owm", "geocode", "accu", "mapbox"],
    }[dev.key][v % 6 if dev is not HUAWEI else v % 5]
    far = v >= 6 and v % 2 == 0
    key = e.hexid(32)
    headers = okhttp(dev)

    def spot(decimals: int, jitter: float = 0.0) -> tuple[float, float]:
        if far:
            p = dev.elsewhere[v % 2]
            return e.coords(round(p.lat, decimals), round(p.lon, decimals))
        return e.home(decimals, jitter)

    if kind == "owm":
        lat, lon = spot(4)
        e.url = f"http://api.openweathermap.org/data/2.5/weather?lat={lat}&lon={lon}&units=metric&lang={dev.lang}&appid={key}"
        e.tag("query")
    elif kind == "nimbus":
        e.url = f"https://api.nimbusweather.io/v1/device/{e.aid()}/config?app_ver=3.8.1&lang={dev.lang}"
        e.tag("path")
    elif kind == "nimbus_post":
        lat, lon = spot(6, 80)
        body = {
            "location": {
                "latitude": lat,
                "longitude": lon,
                "accuracy": e.neg("geo_like_number", 12.5, "accuracy (one decimal)"),
                "altitude": e.neg("geo_like_number", 38.2, "altitude (one decimal)"),
                "bearing": 187.3,
                "speed": 0.0,
            },
            "wifi": {"bssid": dev.bssid, "ssid": dev.ssid},
            "cell": f"{dev.mcc}-{dev.mnc}-{dev.lac}-{dev.cid}",
            "zoom": e.neg("geo_like_number", 14, "map zoom (integer)"),
        }
        e.wifi(dev.bssid, dev.ssid)
        e.cell()
        e.method, e.url = "POST", "https://api.nimbusweather.io/v2/locate"
        headers = [("Content-Type", "application/json; charset=UTF-8"), ("X-Device-Id", e.aid()), *headers]
        set_body(e, compact(body))
        e.tag("json")
    elif kind == "metno":
        lat, lon = spot(4)
        e.url = f"https://api.met.no/weatherapi/locationforecast/2.0/compact?lat={lat}&lon={lon}"
        headers = [
            ("User-Agent", "com.fitpulse.tracker/7.2.3 support@fitpulse.example"),
            ("Accept-Encoding", "gzip"),
        ]
        e.neg(
            "service_email", "support@fitpulse.example", "the app's contact address in the UA met.no asks for"
        )
        e.tag("query")
    elif kind == "mapbox":
        lat, lon = spot(6, 120)
        e.url = f"https://api.mapbox.com/geocoding/v5/mapbox.places/{lon},{lat}.json?types=address&access_token=pk.eyJ1Ijoibmlt{key[:20]}"
        e.tag("path")
    elif kind == "openmeteo":
        lat, lon = spot(2)
        e.url = f"https://api.open-meteo.com/v1/forecast?latitude={lat}&longitude={lon}&current=temperature_2m,weather_code&timezone=auto"
        e.tag("query")
    elif kind == "accu":
        lat, lon = spot(3)
        e.url = f"https://dataservice.accuweather.com/locations/v1/cities/geoposition/search?apikey={key}&q={lat}%2C{lon}&language={dev.lang}"
        e.tag("query", "percent")
    elif kind == "tomorrow":
        lat, lon = spot(4)
        e.url = f"https://api.tomorrow.io/v4/weather/forecast?location={lat},{lon}&apikey={key}"
        e.tag("query")
    elif kind == "geocode":
        lat, lon = spot(7, 15)
        e.url = f"https://maps.googleapis.com/maps/api/geocode/json?latlng={lat},{lon}&key=AIzaSy{key[:33]}&language={dev.lang}"
        e.tag("query")
    elif kind == "nws":
        lat, lon = spot(4)
        e.url = f"https://api.weather.gov/points/{lat},{lon}"
        headers = [
            ("User-Agent", "(fitpulse.example, support@fitpulse.example)"),
            ("Accept", "application/geo+json"),
        ]
        e.neg("service_email", "support@fitpulse.example", "the app's contact address in the UA")
        e.tag("path")
    elif kind == "baidumap":
        lat, lon = spot(6, 50)
        e.url = f"https://api.map.baidu.com/reverse_geocoding/v3/?ak={key}&output=json&coordtype=wgs84ll&location={lat},{lon}"
        e.tag("query")
    elif kind == "amap":
        lat, lon = spot(6, 50)
        e.url = f"https://restapi.amap.com/v3/geocode/regeo?key={key}&location={lon},{lat}&extensions=base&output=JSON"
        e.tag("query")
    if e.method == "GET":
        e.resp_body, e.resp_mime = '{"cod":200}', "application/json"
    e.headers = headers
    if any(k == "User-Agent" and dev.model in val for k, val in headers):
        e.tag("header")
    c.add(e)


# -- location SDKs: cells and Wi-Fi -------------------------------------------------------------------------------


def f_geolocate(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "location_sdk")
    aps = [(dev.bssid, dev.ssid, -41), *[(b, s, -67 - 6 * i) for i, (b, s) in enumerate(dev.neighbours)]]
    if dev is HUAWEI:
        cl = f"{dev.mcc}|{int(dev.mnc)}|{dev.lac}|{dev.cid}|-83"
        wf = "|".join(f"{b.replace(':', '')};{r};{s}" for b, s, r in aps)
        for b, s, _ in aps:
            e.wifi(b, s)
        e.cell()
        fields = [
            ("cl", cl),
            ("wf", wf),
            ("cuid", e.devid(baidu_cuid(dev))),
            ("imei", e.imei()),
            ("prod", "news"),
            ("coor", "bd09ll"),
            ("os", "android"),
            ("sv", "9.6.4"),
            ("mb", e.model()),
            ("mac", e.mac()),
            ("t", e.neg_ts_ms(0, "t")),
        ]
        e.method, e.url = "POST", "https://loc.map.baidu.com/sdk.php"
        e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
        set_body(e, form(fields))
        e.tag("form", "header")
        c.add(e)
        return
    body: dict[str, Any] = {
        "homeMobileCountryCode": int(dev.mcc),
        "homeMobileNetworkCode": int(dev.mnc),
        "radioType": "lte",
        "carrier": e.carrier(),
        "considerIp": v % 2 == 0,
        "cellTowers": [
            {
                "cellId": dev.cid,
                "locationAreaCode": dev.lac,
                "mobileCountryCode": int(dev.mcc),
                "mobileNetworkCode": int(dev.mnc),
                "signalStrength": -87,
                "age": 0,
            }
        ],
        "wifiAccessPoints": [
            {"macAddress": b, "signalStrength": r, "channel": 6 + 5 * i, "age": 300}
            for i, (b, _s, r) in enumerate(aps)
        ],
    }
    e.cell()
    for b, _s, _r in aps:
        e.wifi(b)
    if v % 2:
        e.method, e.url = "POST", "https://api.beacondb.net/v1/geolocate"
    else:
        e.method, e.url = (
            "POST",
            f"https://www.googleapis.com/geolocation/v1/geolocate?key=AIzaSy{e.hexid(33)}",
        )
    e.headers = json_headers(dev)
    set_body(e, compact(body))
    e.tag("json", "header")
    c.add(e)


def f_visits(c: Corpus, dev: Device, v: int) -> None:
    """A location SDK batching visits and Wi-Fi scans (gzip, or Huq-style form)."""
    e = c.entry(dev, "location_sdk")
    if v % 2 == 1:
        lat, lon = e.home(6, 40)
        fields = [
            ("huq_lat", lat),
            ("huq_lng", lon),
            ("huq_acc", e.neg("geo_like_number", 9.5, "huq_acc accuracy")),
            ("huq_bssid", dev.bssid.upper()),
            ("huq_ssid", dev.ssid),
            ("huq_aid", e.gaid() if dev.gaid else e.oaid()),
            ("huq_model", e.model()),
            ("huq_os", "android " + e.os()),
            ("huq_carrier", e.carrier()),
            ("huq_time", e.neg_ts_ms(0, "huq_time")),
            ("huq_bundle", app_for(dev, v).pkg),
        ]
        e.wifi(dev.bssid, dev.ssid)
        e.method, e.url = "POST", "https://api.huq.io/analyse/1.3/"
        e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
        set_body(e, form_plus(fields))
        e.tag("form", "header")
    else:
        visits = []
        home_lat, home_lon = near(dev, e.rng, 6, 30)
        for i, p in enumerate([(home_lat, home_lon), (dev.elsewhere[0].lat, dev.elsewhere[0].lon)]):
            lat, lon = e.coords(*p)
            visits.append(
                {
                    "lat": lat,
                    "lng": lon,
                    "arrival": e.ms - 7_200_000 + 3_600_000 * i,
                    "departure": e.ms - 3_900_000 + 3_600_000 * i,
                    "confidence": "HIGH",
                }
            )
        scans = [{"bssid": b, "ssid": s, "rssi": -50 - 7 * i} for i, (b, s) in enumerate(dev.neighbours)]
        for b, s in dev.neighbours:
            e.wifi(b, s)
        body = {
            "installId": e.devid(
                str(
                    uuid.UUID(int=int(hashlib.sha1(f"fsq{dev.key}".encode()).hexdigest()[:32], 16), version=4)
                )
            ),  # noqa: S324
            "adId": e.gaid() if dev.gaid else e.oaid(),
            "visits": visits,
            "wifi": scans,
            "device": {"model": e.model(), "os": e.os()},
            "sdkVersion": "4.2.1",
        }
        e.method, e.url = "POST", "https://sdk.foursquare.com/v3/movement/visits"
        e.headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), *okhttp(dev)]
        set_body(e, gz(compact(body)), binary=True)
        e.tag("json", "gzip", "gzip_ce", "header")
    c.add(e)


# -- OEM and Google checkins -----------------------------------------------------------------------------------


def f_checkin(c: Corpus, dev: Device, v: int) -> None:
    """android.clients.google.com/checkin: AndroidCheckinRequest (field numbers from the public checkin.proto)."""
    e = c.entry(dev, "oem_checkin")
    build = (
        pb_bytes(1, e.neg("build_fingerprint", dev.fingerprint, "build fingerprint"))
        + pb_bytes(2, dev.codename)
        + pb_bytes(3, dev.brand)
        + pb_bytes(6, "android-google")
        + pb_int(7, e.s - 86_400 * 40)
        + pb_int(8, 243_710_038)
        + pb_bytes(9, dev.codename)
        + pb_int(10, dev.api)
        + pb_bytes(11, e.model())
        + pb_bytes(12, dev.manufacturer)
        + pb_bytes(13, dev.codename)
        + pb_int(14, 0)
    )
    e.lab("os_version", str(dev.api))
    checkin = (
        pb_bytes(1, build)
        + pb_int(2, e.ms - 43_200_000)
        + pb_bytes(6, dev.mcc + dev.mnc)
        + pb_bytes(7, dev.mcc + dev.mnc)
        + pb_bytes(8, "mobile-notroaming")
        + pb_int(9, 0)
    )
    e.cell(lac=False)
    req = pb_bytes(4, checkin) + pb_bytes(6, dev.locale) + pb_int(7, e.rng.getrandbits(62))
    req += pb_bytes(9, e.mac("NOSEP" if v % 2 == 0 else "nosep")) + pb_bytes(19, "wifi")
    req += pb_bytes(16, e.serial()) + pb_bytes(12, dev.tz) + pb_int(14, 3)
    if v % 2 == 0:
        req = pb_bytes(1, e.imei()) + req
        req += pb_bytes(11, "[" + e.email() + "]") + pb_bytes(11, "ya29." + b64url(e.rng.randbytes(40)))
    req += pb_int(20, 0)
    e.method, e.url = "POST", "https://android.clients.google.com/checkin"
    e.headers = [
        ("Content-Type", "application/x-protobuffer"),
        ("User-Agent", f"Android-Checkin/2.0 ({dev.codename} {dev.build_id}); gzip"),
    ]
    if v % 3 != 2:
        e.headers.insert(1, ("Content-Encoding", "gzip"))
        set_body(e, gz(req), binary=True)
        e.tag("gzip", "gzip_ce")
    else:
        set_body(e, req, binary=True)
    e.tag("protobuf")
    c.add(e)


def f_galaxy_store(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "oem_checkin")
    pkg = [
        "com.sec.android.app.sbrowser",
        "com.samsung.android.oneconnect",
        "com.samsung.android.game.gamehome",
    ][v % 3]
    params = [
        ("appId", pkg),
        ("callerId", "com.sec.android.app.samsungapps"),
        ("versionCode", 2500000 + 17 * v),
        ("deviceId", e.model()),
        ("mcc", dev.mcc),
        ("mnc", dev.mnc),
        ("csc", "DBT"),
        ("sdkVer", e.os("api")),
        ("systemId", e.neg("timestamp_ms", 1697328000000, "systemId build time")),
        ("abiType", "64"),
        ("extuk", e.devid(hashlib.sha256(f"extuk{dev.key}".encode()).hexdigest()[:16])),
        ("pd", ""),
    ]
    e.cell(lac=False)
    e.url = "https://vas.samsungapps.com/stub/stubUpdateCheck.as?" + form(params)
    e.headers = [("User-Agent", "SAMSUNG-Android"), ("Accept-Encoding", "gzip")]
    e.tag("query")
    e.resp_body, e.resp_mime = "<result><resultCode>2</resultCode></result>", "text/xml"
    c.add(e)


# -- logins and accounts, JWTs ------------------------------------------------------------------------------------


def jwt(e: Entry, payload: dict[str, Any], alg: str = "RS256") -> str:
    head = {"alg": alg, "kid": e.hexid(40), "typ": "JWT"}
    sig = e.rng.randbytes(256 if alg.startswith("RS") else 32)
    return f"{b64url(compact(head))}.{b64url(compact(payload))}.{b64url(sig)}"


def f_login(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "login_account")
    mode = v % 6
    if dev is XIAOMI and mode in (0, 1):
        user = e.email(dev.email.capitalize()) if mode == 0 else e.phone("national")
        e.method, e.url = "POST", "https://account.xiaomi.com/pass/serviceLoginAuth2"
        set_body(
            e,
            form(
                [
                    ("user", user),
                    ("sid", "passportapi"),
                    ("_json", "true"),
                    ("_locale", dev.locale),
                    ("qs", quote("%3Fsid%3Dpassportapi%26_json%3Dtrue", safe="")),
                    ("callback", "https://api.account.xiaomi.com/sts"),
                ]
            ),
        )
        dev_cookie = "wb_" + str(uuid.UUID(int=int(hashlib.sha1(b"xmdid").hexdigest()[:32], 16), version=4))  # noqa: S324
        e.headers = [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", f"deviceId={e.devid(dev_cookie)}; sdkVersion=accountsdk-18.8.15; pass_ua=web"),
            ("User-Agent", f"{ua_dalvik(dev)} APP/com.xiaomi.account APPV/21025 XiaoMi/HybridView/"),
        ]
        e.tag("form", "cookie", "header")
        if mode == 0:
            e.tag("percent")
    elif mode == 2:
        # a login page that remembers the address in a redirect parameter, encoded twice
        email_q = quote(dev.email, safe="")
        target = {
            "xiaomi": "https://account.xiaomi.com/fe/service/login/password",
            "samsung": "https://account.samsung.com/accounts/v1/DCGM/signInGate",
            "huawei": "https://id1.cloud.huawei.com/CAS/portal/loginAuth.html",
            "pixel": "https://accounts.tidepool.example/signin",
        }[dev.key]
        cont = f"{target}?login_hint={email_q}&locale={dev.locale}"
        e.email()
        e.url = f"{target}?continue={quote(cont, safe='')}&_uRegion={dev.country}"
        e.headers = [
            ("User-Agent", ua_webview(dev)),
            ("Accept-Language", accept_language(dev)),
            ("Cookie", f"remember_email={email_q}; theme=light"),
        ]
        e.tag("query", "percent", "double_percent", "cookie", "header")
        e.neg("accept_q", "0.9", "q=0.9 in Accept-Language")
    elif mode == 3:
        token = jwt(
            e,
            {
                "iss": "https://auth.tidepool.example",
                "sub": "auth0|" + e.hexid(24),
                "aud": "api.tidepool.example",
                "iat": e.s - 600,
                "exp": e.s + 3000,
                "email": e.email(),
                "phone_number": e.phone(),
                "https://tidepool.example/device_id": e.aid(),
                "scope": "openid profile email offline_access",
            },
        )
        e.neg("timestamp_s", e.s - 600, "iat in the JWT")
        e.url = f"https://api.{ {'pixel': 'tidepool.example', 'samsung': 'kiezkauf.example'}.get(dev.key, 'nimbusweather.io') }/v3/me/accounts?include=balances"
        e.headers = [("Authorization", f"Bearer {token}"), ("Accept", "application/json"), *okhttp(dev)]
        e.tag("jwt", "header")
    elif mode == 4:
        id_token = jwt(
            e,
            {
                "iss": "https://accounts.google.com",
                "azp": f"{700_000_000_000 + v}-abc.apps.googleusercontent.com",
                "aud": f"{700_000_000_000 + v}-web.apps.googleusercontent.com",
                "sub": str(104_223_948_571_029_384_756 + v),
                "email": e.email(),
                "email_verified": True,
                "name": "Account Holder",
                "picture": e.neg(
                    "cdn_image_url",
                    "https://lh3.googleusercontent.com/a/ACg8ocK2x9Qw=s96-c",
                    "profile picture CDN URL",
                ),
                "iat": e.s - 5,
                "exp": e.s + 3595,
            },
        )
        e.method, e.url = (
            "POST",
            f"https://api.{ {'pixel': 'tidepool.example', 'samsung': 'kiezkauf.example', 'xiaomi': 'pixelforge.games'}.get(dev.key, 'meishi.example') }/v1/auth/google",
        )
        if v % 2:
            set_body(e, form([("id_token", id_token), ("device_model", e.model())]))
            e.headers = [("Content-Type", "application/x-www-form-urlencoded"), *okhttp(dev)]
            e.tag("form", "jwt")
        else:
            set_body(e, compact({"idToken": id_token, "device": {"model": e.model(), "os": e.os()}}))
            e.headers = json_headers(dev)
            e.tag("json", "jwt")
        e.tag("header")
    elif mode == 5 or dev is not XIAOMI:
        e.method = "POST"
        if dev is HUAWEI:
            body: dict[str, Any] = {
                "accountType": 2,
                "userAccount": e.phone("dash86"),
                "deviceId": e.imei(),
                "deviceType": 0,
                "deviceName": e.model(),
                "terminalType": e.model(),
                "osVersion": e.os("rom"),
                "reqClientType": 7,
                "loginChannel": "10000000",
                "uuid": e.devid(HUAWEI_UDID.lower()),
            }
            e.url = "https://oauth-login.cloud.huawei.com/oauth2/v3/loginWithSMS"
        elif dev is SAMSUNG:
            body = {
                "login_id": e.email(),
                "login_id_type": "email_id",
                "physical_address_text": e.imei(),
                "device_model_id": e.model(),
                "mobile_country_code": dev.mcc,
                "device_type": "PHONE",
                "customer_code": "DBT",
                "service_type": "M",
            }
            e.cell(lac=False)
            e.url = "https://de-auth2.samsungosp.com/auth/oauth2/v2/authorize"
        elif dev is PIXEL:
            body = {"phone": e.phone("us"), "channel": "sms", "locale": "en-US", "device_id": e.aid()}
            e.url = "https://api.tidepool.example/v1/auth/otp"
        else:
            body = {"phone": e.phone("e164"), "email": e.email(), "marketing_opt_in": False}
            e.url = "https://api.pixelforge.games/v1/player/register"
        set_body(e, compact(body))
        e.headers = json_headers(dev)
        e.tag("json", "header")
    c.add(e)


# -- contacts, app lists, app usage ------------------------------------------------------------------------------


def f_contacts(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "contact_sync")
    contacts = dev.contacts
    mode = v % 4
    if mode == 0:
        body: dict[str, Any] = {
            "contacts": [
                {"name": n, "numbers": [e.phone("spaced", number=p)], "emails": []} for n, p in contacts
            ],
            "owner": {"phone": e.phone()},
            "sync_token": e.neg_uuid("sync_token"),
        }
        friend_mail = {
            "xiaomi": "jordi.vidal@example.org",
            "samsung": "lena.k@example.org",
            "huawei": "wangfang88@example.org",
            "pixel": "alex.m@example.org",
        }[dev.key]
        body["contacts"][0]["emails"] = [e.lab("email", friend_mail)]
        e.method, e.url = "POST", "https://api4.truecaller.com/v1/contacts/upload?encoding=json"
        set_body(e, compact(body))
        e.headers = json_headers(dev)
        e.tag("json", "header")
    elif mode == 1:
        style = "b64" if dev in (PIXEL, SAMSUNG) else "hex"
        hashed = [e.phone("e164", alg="sha256", hstyle=style, number=p) for _n, p in contacts]
        body = {
            "hashes": hashed,
            "self": e.phone("e164", alg="sha256", hstyle=style),
            "country": dev.country,
            "request_id": e.neg_uuid("request_id"),
        }
        e.method, e.url = "POST", "https://api.pixelforge.games/v1/friends/match"
        set_body(e, compact(body))
        e.headers = json_headers(dev)
        e.tag("json", "header")
    elif mode == 2:
        cmap = {e.phone("national" if dev.cc != "49" else "trunk", number=p): n for n, p in contacts}
        e.method, e.url = "POST", "https://app.snapchat.com/loq/find_friends"
        set_body(
            e,
            form(
                [
                    ("countryCode", dev.country),
                    ("numbers", compact(cmap)),
                    ("timestamp", e.neg_ts_ms(0, "timestamp")),
                    ("username", ""),
                ]
            ),
        )
        e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
        e.tag("form", "json_in_string", "header")
    else:
        body = {
            "contactList": [
                {"displayName": n, "phoneNumbers": [{"type": 2, "number": e.phone("00", number=p)}]}
                for n, p in contacts
            ],
            "deviceId": e.devid(
                HUAWEI_UDID if dev is HUAWEI else hashlib.sha256(dev.key.encode()).hexdigest()
            ),
            "syncType": "full",
            "version": e.neg("version_string", "13.0.5", "client version"),
        }
        e.method = "POST"
        e.url = (
            "https://contact-drcn.cloud.huawei.com/contact/v3/batchUpload"
            if dev is HUAWEI
            else "https://sync.cloud.example-oem.com/contacts/v3/batchUpload"
        )
        set_body(e, compact(body))
        e.headers = json_headers(dev)
        e.tag("json", "header")
    c.add(e)


def f_applist(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "app_list")
    pkgs = dev.installed[(v % 3) :]
    mode = v % 5
    e.method = "POST"
    if mode == 0:
        body: dict[str, Any] = {"installed": e.apps(pkgs), "android_id": e.aid(), "ts": e.neg_ts_ms(0, "ts")}
        e.url = "https://api.pixelforge.games/v1/telemetry/apps"
        set_body(e, compact(body))
        e.headers = json_headers(dev)
        e.tag("json")
    elif mode == 1:
        e.url = (
            "https://sdk.tapjoy.com/connect" if dev is not HUAWEI else "https://api.e.qq.com/applist/report"
        )
        set_body(
            e,
            form(
                [
                    ("apps", ",".join(e.apps(pkgs))),
                    ("device_id", e.aid()),
                    ("platform", "android"),
                    ("hosts", e.neg("host_list", "app.adjust.com,my.yahoo.com", "package-like host list")),
                ]
            ),
        )
        e.headers = json_headers(dev, mime="application/x-www-form-urlencoded")
        e.tag("form")
    elif mode == 2:
        objs = [
            {
                "pkg": p,
                "name": p.split(".")[-1],
                "ver": f"{1 + i}.{i * 3}.0",
                "first_install_time": 1735689600000 + 86_400_000 * i,
            }
            for i, p in enumerate(e.apps(pkgs))
        ]
        body = {
            "appList": objs,
            "deviceId": e.imei() if dev is HUAWEI else e.aid(),
            "reportTime": e.neg_ts_ms(0, "reportTime"),
        }
        e.url = (
            "https://store-drcn.hispace.dbankcloud.cn/hwmarket/api/clientApi"
            if dev is HUAWEI
            else "https://api.appcloud.example-oem.com/v2/apps/report"
        )
        set_body(e, compact(body))
        e.headers = json_headers(dev)
        e.tag("json")
    elif mode == 3:
        inner = compact(
            {"pkgs": e.apps(pkgs), "oaid": e.oaid() if dev.oaid else "", "gaid": e.gaid() if dev.gaid else ""}
        )
        e.url = "https://sdk.ads.example-exchange.com/v1/user/apps"
        set_body(e, compact({"data": b64(gz(inner)), "enc": "gzip+base64"}))
        e.headers = json_headers(dev)
        e.tag("json", "base64", "gzip")
    else:
        inner = compact({"applist": e.apps(pkgs), "model": e.model()})
        e.url = "https://log.cdn-analytics.example/collect/apps"
        set_body(e, compact({"payload": b64(zl(inner)), "deflate": True}))
        e.headers = json_headers(dev)
        e.tag("json", "base64", "zlib")
    e.tag("header")
    c.add(e)


def f_usage(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "app_usage")
    usage = USAGE[dev.key]
    rows = [
        {
            "package": p,
            "activity": e.activity(comp),
            "foreground_ms": 310_000 + 41_337 * i + v,
            "launches": 3 + i,
        }
        for i, (p, comp) in enumerate(usage[: 2 + v % 3])
    ]
    for p, _comp in usage[: 2 + v % 3]:
        e.activity(p)
    body: dict[str, Any] = {
        "day": e.when.strftime("%Y-%m-%d"),
        "usage": rows,
        "model": e.model(),
        "os": e.os(),
        "device": e.aid() if v % 2 == 0 else e.serial(),
        "uploaded": e.neg_ts_ms(0, "uploaded"),
    }
    e.method = "POST"
    if dev is SAMSUNG:
        e.url = "https://dc.di.atlas.samsung.com/v2/usage/upload"
        body["extuk"] = e.devid(hashlib.sha256(f"extuk{dev.key}".encode()).hexdigest()[:16])
    else:
        e.url = "https://api.famlink.example/v1/child/usage"
        body["child_email"] = e.email()
    raw = compact(body)
    if v % 2:
        e.headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), *okhttp(dev)]
        set_body(e, gz(raw), binary=True)
        e.tag("json", "gzip", "gzip_ce", "header")
    else:
        e.headers = json_headers(dev)
        set_body(e, raw)
        e.tag("json", "header")
    c.add(e)


# -- browsing: search, pages, WebViews, web ads ------------------------------------------------------------------

SEARCHES = {
    "xiaomi": [
        (
            "https://www.google.com/search",
            "q",
            "farmacia de guardia gràcia",
            "&ie=UTF-8&client=ms-android-xiaomi-rvo3",
        ),
        ("https://www.bing.com/search", "q", "hipoteca joven requisitos 2026", "&form=MBRBSR"),
        ("https://duckduckgo.com/", "q", "psicólogo ansiedad barcelona", "&ia=web"),
    ],
    "samsung": [
        (
            "https://www.google.com/search",
            "q",
            "hausarzt prenzlauer berg termin",
            "&client=ms-android-samsung-ss&sourceid=chrome-mobile",
        ),
        ("https://www.ecosia.org/search", "q", "schuldnerberatung berlin kostenlos", "&addon=android"),
    ],
    "huawei": [
        ("https://www.baidu.com/s", "wd", "广州 二手房 价格", "&ie=utf-8&from=1022560i"),
        ("https://m.sogou.com/web/searchList.jsp", "keyword", "糖尿病 早期症状", "&pid=sogou-mobb-huawei"),
        ("https://www.baidu.com/s", "word", "附近的 律师事务所", "&sa=ib&ms=1"),
    ],
    "pixel": [
        (
            "https://www.google.com/search",
            "q",
            "std testing near me seattle",
            "&client=ms-android-google&sourceid=chrome-mobile",
        ),
        ("https://duckduckgo.com/", "q", "chapter 7 bankruptcy washington", "&t=h_&ia=web"),
        ("https://www.google.com/search", "q", "grindr safety tips", "&client=ms-android-google"),
    ],
}


def f_search(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "browsing")
    base, key, words, rest = SEARCHES[dev.key][v % len(SEARCHES[dev.key])]
    e.search(words)
    encoded = quote(words, safe="").replace("%20", "+")
    e.url = f"{base}?{key}={encoded}{rest}"
    origin = "https://" + urlsplit(base).netloc + "/"
    e.headers = [
        ("User-Agent", ua_browser(dev)),
        ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"),
        ("Accept-Language", accept_language(dev)),
        ("Referer", e.neg("same_site_url", origin, "Referer from the same site")),
    ]
    e.neg("accept_q", "0.9", "q=0.9 in Accept headers")
    if dev is PIXEL:
        e.headers += [
            ("sec-ch-ua", '"Chromium";v="131", "Google Chrome";v="131"'),
            ("sec-ch-ua-mobile", "?1"),
            ("sec-ch-ua-platform", '"Android"'),
            ("sec-ch-ua-model", '""'),
        ]
    e.h2 = True
    e.tag("query", "percent") if "%" in encoded else e.tag("query")
    e.resp_body, e.resp_mime = "<!doctype html><title>results</title>", "text/html; charset=UTF-8"
    c.add(e)


PAGES = {
    "xiaomi": "https://www.elperiodico.com/es/barcelona/20261120/obras-diagonal-tranvia-98234112",
    "samsung": "https://www.spiegel.de/wirtschaft/mietpreise-berlin-steigen-weiter-a-4f2c",
    "huawei": "https://news.sina.com.cn/c/2026-11-20/doc-inaxy7213.shtml",
    "pixel": "https://www.reddit.com/r/Seattle/comments/1gq2x7k/best_pho_in_the_u_district/",
}
SAME_SITE = {
    "xiaomi": (
        "https://estaticos-cdn.elperiodico.com/clip/7c1e9a2b-0d4f-4e2a-9b1c-3f5e7a9d2c41_16-9-aspect-ratio_default_0.jpg",
        "https://www.elperiodico.com/",
    ),
    "samsung": (
        "https://cdn.prod.www.spiegel.de/images/1f0e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b_w718_r1.77_fpx50_fpy49.jpg",
        "https://www.spiegel.de/",
    ),
    "huawei": (
        "https://n.sinaimg.cn/news/transform/700/w1000h500/20261120/abcd-4f2c.jpg",
        "https://news.sina.com.cn/",
    ),
    "pixel": (
        "https://styles.redditmedia.com/t5_2qhad/styles/communityIcon_x8k2@2x.png",
        "https://www.reddit.com/",
    ),
}


def f_page(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "browsing")
    ua = ua_browser(dev)
    if v % 2 == 0:
        page = PAGES[dev.key]
        e.url = f"https://www.googletagmanager.com/gtag/js?id=G-{e.hexid(10).upper()}&l=dataLayer&cx=c"
        referer = e.visited(page)
        e.tag("header")
    else:
        img, site = SAME_SITE[dev.key]
        e.url = e.neg("cdn_image_url", img, "CDN image of the page's own site")
        if "@2x" in img:
            e.neg("retina_asset", "communityIcon_x8k2@2x.png", "name@2x.png is not an email")
        referer = e.neg("same_site_url", site, "same-site Referer")
    e.headers = [
        ("User-Agent", ua),
        ("Accept", "*/*"),
        ("Accept-Language", accept_language(dev)),
        ("Referer", referer),
        ("Sec-Fetch-Site", "cross-site" if v % 2 == 0 else "same-site"),
    ]
    e.h2 = True
    e.resp_body, e.resp_mime = b"", "application/javascript"
    e.status = 304 if v % 2 else 200
    if e.status == 304:
        e.resp_mime = ""
    c.add(e)


WEBVIEW_PAGES = {
    "xiaomi": ("https://www.sport.es/es/noticias/barca/previa-del-partido-98123455", WEATHER.pkg),
    "samsung": ("https://www.kicker.de/bundesliga/spieltag", SHOP.pkg),
    "huawei": ("https://view.inews.qq.com/k/20261121A04K9Q00", NEWS.pkg),
    "pixel": ("https://www.seattletimes.com/seattle-news/transportation/light-rail-delays/", BUDGET.pkg),
}


def f_webview(c: Corpus, dev: Device, v: int) -> None:
    """An app's WebView loading third-party ad/recommendation code: X-Requested-With names the app."""
    e = c.entry(dev, "webview")
    page, pkg = WEBVIEW_PAGES[dev.key]
    if v % 3 == 2:
        e.url = (
            f"https://trc.taboola.com/{pkg.split('.')[1]}-app/trc/3/json?tim={e.neg_ts_ms(0, 'tim')}&data="
            + quote(
                compact(
                    {
                        "id": e.hexid(6),
                        "sd": None,
                        "ui": e.devid("3b2a" + e.hexid(12)),
                        "vi": e.neg_ts_ms(-3, "vi"),
                        "cv": "20261119-4-RELEASE",
                        "uiv": "default",
                        "u": e.visited(page),
                        "orig_u": page,
                        "bad": [],
                    }
                ),
                safe="",
            )
        )
        e.tag("query", "percent", "json")
        referer = page
    else:
        e.url = f"https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-{7_000_000_000_000_000 + v}"
        referer = e.visited(page)
    e.headers = [
        ("User-Agent", ua_webview(dev)),
        ("Accept", "*/*"),
        ("X-Requested-With", pkg),
        ("Referer", referer),
        ("Accept-Language", accept_language(dev)),
    ]
    e.tag("header")
    e.resp_body, e.resp_mime = "(function(){})();", "text/javascript"
    c.add(e)


def f_gam(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "google_ads")
    page = PAGES[dev.key] if v % 2 == 0 else WEBVIEW_PAGES[dev.key][0]
    params = [
        ("iu", "/7811748/site_web/home/articulo"),
        ("sz", "320x50|320x100"),
        ("fluid", "height"),
        ("gdfp_req", 1),
        ("output", "ldjh"),
        ("correlator", e.neg("random_number", e.rng.getrandbits(50), "random correlator")),
        ("eid", "31088457,95344787"),
        ("url", e.visited(page)),
        ("dt", e.neg_ts_ms(0, "dt")),
        ("u_w", 393),
        ("u_h", 873),
        ("biw", 393),
        ("bih", 760),
        ("click_x", e.neg("touch_coordinates", 540, "click x in px")),
        ("click_y", 1200),
        ("vis", 1),
    ]
    e.neg("touch_coordinates", 1200, "click y in px")
    e.url = "https://securepubads.g.doubleclick.net/gampad/ads?" + form(params)
    e.headers = [
        ("User-Agent", ua_browser(dev)),
        ("Referer", page),
        ("Accept", "*/*"),
        ("Accept-Language", accept_language(dev)),
    ]
    e.tag("query", "percent", "header")
    e.h2 = True
    e.resp_body, e.resp_mime = "{}", "text/plain; charset=UTF-8"
    c.add(e)


def f_mifeed(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "browsing")
    ua = ua_browser(dev)
    if v % 2 == 0:
        e.url = f"https://api-browser.intl.miui.com/browser/feed/v2/list?channel=recommend&lang=es_ES&region=ES&model={quote(dev.model)}&version=1&ts={e.neg_ts_s(0, 'ts')}"
        e.model()
        e.tag("query")
    else:
        words = [
            "horario piscina municipal",
            "receta crema catalana",
            "dolor lumbar ejercicios",
            "concierto palau sant jordi",
        ][v % 4]
        e.url = f"https://api-browser.intl.miui.com/browser/suggest/v1?keyword={quote(e.search(words))}&region=ES&lang=es&inc={1 if v % 4 == 3 else 0}"
        e.tag("query", "percent")
    e.headers = [
        ("User-Agent", ua),
        ("Cookie", f"mibrowser_did={e.aid()}; gaid={e.gaid()}; region=ES"),
        ("Accept-Language", accept_language(dev)),
    ]
    e.tag("cookie", "header")
    c.add(e)


# -- gRPC -----------------------------------------------------------------------------------------------------------


def fs_value(text: str) -> bytes:
    return pb_bytes(17, text)


def f_firestore(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "grpc")
    app = app_for(dev, v)
    project = app.pkg.split(".")[1] + "-prod"
    uid = b64url(hashlib.sha1(f"fbuid{dev.key}".encode()).digest())[:28]  # noqa: S324
    token = jwt(
        e,
        {
            "iss": f"https://securetoken.google.com/{project}",
            "aud": project,
            "auth_time": e.s - 9000,
            "user_id": uid,
            "sub": uid,
            "iat": e.s - 100,
            "exp": e.s + 3500,
            "email": e.email(),
            "email_verified": True,
            "firebase": {"identities": {"email": [dev.email]}, "sign_in_provider": "password"},
        },
    )
    fields = [("email", e.email()), ("phone", e.phone()), ("deviceModel", e.model()), ("city", "home")]
    if v % 2:
        lat, lon = e.home(4)
        fields.append(("lastLocation", f"{lat},{lon}"))
    doc = pb_bytes(1, f"projects/{project}/databases/(default)/documents/users/{uid}")
    for k, val in fields:
        doc += pb_bytes(2, pb_bytes(1, k) + pb_bytes(2, fs_value(val)))
    write = pb_bytes(1, doc)
    msg = pb_bytes(1, f"projects/{project}/databases/(default)") + pb_bytes(2, write)
    e.method, e.url = "POST", "https://firestore.googleapis.com/google.firestore.v1.Firestore/Commit"
    e.h2 = True
    e.headers = [
        ("content-type", "application/grpc"),
        ("te", "trailers"),
        ("user-agent", "grpc-java-okhttp/1.62.2"),
        ("grpc-accept-encoding", "gzip"),
        ("x-goog-api-client", "gl-java/ fire/25.1.1 grpc/"),
        ("x-firebase-gmpid", app.gmp_app_id),
        ("authorization", f"Bearer {token}"),
        ("google-cloud-resource-prefix", f"projects/{project}/databases/(default)"),
    ]
    set_body(e, grpc_frame(msg), binary=True)
    e.tag("grpc", "protobuf", "jwt", "header")
    c.add(e)


def f_grpc_device(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "grpc")
    app = app_for(dev, v)
    msg = (
        pb_bytes(1, e.aid())
        + pb_bytes(2, e.model())
        + pb_bytes(3, e.os())
        + pb_bytes(4, e.carrier())
        + pb_bytes(5, e.gaid())
        + pb_bytes(6, dev.locale)
        + pb_bytes(7, app.version)
        + pb_int(8, e.neg_ts_ms(0, "field 8"))
    )
    for p in e.apps(dev.installed[:6]):
        msg += pb_bytes(9, p)
    e.wifi(ssid=dev.ssid)
    msg += pb_bytes(10, dev.ssid)
    e.method, e.url = (
        "POST",
        f"https://api.{app.pkg.split('.')[1]}.example/{app.pkg.split('.')[1]}.device.v1.DeviceService/Register",
    )
    e.h2 = True
    e.headers = [
        ("content-type", "application/grpc"),
        ("te", "trailers"),
        ("user-agent", "grpc-java-okhttp/1.62.2"),
    ]
    if v % 2:
        e.headers.append(("grpc-encoding", "gzip"))
        frame = b"\x01" + len(gz(msg)).to_bytes(4, "big") + gz(msg)
        e.tag("gzip")
    else:
        frame = grpc_frame(msg)
    set_body(e, frame, binary=True)
    e.tag("grpc", "protobuf")
    c.add(e)


# -- multipart forms: feedback with a screenshot, ACRA crash reports ------------------------------------------------

PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def multipart(e: Entry, parts: list[tuple[str, str | bytes, str | None]]) -> tuple[bytes, str]:
    boundary = "----" + "".join(e.rng.choice("0123456789abcdefABCDEF") for _ in range(24))
    out = b""
    for name, value, filename in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disp}\r\n"
        if filename:
            head += "Content-Type: image/png\r\n"
        out += head.encode() + b"\r\n" + (value if isinstance(value, bytes) else value.encode()) + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def f_feedback(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "feedback")
    app = app_for(dev, v)
    support = e.neg(
        "service_email", f"support@{app.pkg.split('.')[1]}.example", "the service's support address"
    )
    noreply = e.neg(
        "service_email", f"noreply@{app.pkg.split('.')[1]}.example", "the service's no-reply address"
    )
    body, ctype = multipart(
        e,
        [
            ("from", e.email(), None),
            ("to", support, None),
            ("reply_to", noreply, None),
            ("message", "The radar does not load near my home since the last update.", None),
            ("device", f"{e.model()} / Android {e.os()}", None),
            ("app_version", app.version, None),
            ("screenshot", PNG_1X1, "screenshot_20261121.png"),
        ],
    )
    e.lab("os_version", f"Android {dev.android}")
    e.method, e.url = "POST", f"https://api.{app.pkg.split('.')[1]}.example/v1/feedback"
    e.headers = [("Content-Type", ctype), *okhttp(dev)]
    set_body(e, body, binary=True)
    e.tag("multipart", "header")
    c.add(e)


def f_acra(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "crash_report")
    app = app_for(dev, v)
    install = e.devid(
        str(uuid.UUID(int=int(hashlib.sha1(f"acra{dev.key}".encode()).hexdigest()[:32], 16), version=4))
    )  # noqa: S324
    build = compact(
        {
            "FINGERPRINT": dev.fingerprint,
            "MODEL": dev.model,
            "BRAND": dev.brand,
            "DISPLAY": dev.build_id,
            "VERSION": {"RELEASE": dev.android, "SDK_INT": dev.api},
        }
    )
    e.neg("build_fingerprint", dev.fingerprint, "Build.FINGERPRINT")
    e.lab("os_version", str(dev.api))
    body, ctype = multipart(
        e,
        [
            ("REPORT_ID", e.neg_uuid("REPORT_ID"), None),
            ("APP_VERSION_CODE", str(app.code), None),
            ("APP_VERSION_NAME", app.version, None),
            ("PACKAGE_NAME", app.pkg, None),
            ("PHONE_MODEL", e.model(), None),
            ("BRAND", dev.brand, None),
            ("ANDROID_VERSION", e.os(), None),
            ("BUILD", build, None),
            ("INSTALLATION_ID", install, None),
            ("USER_EMAIL", e.email(), None),
            ("USER_CRASH_DATE", e.iso(-1500), None),
            (
                "STACK_TRACE",
                "java.lang.NullPointerException: Attempt to invoke virtual method on a null object reference\n\tat "
                f"{app.pkg}.ui.MainActivity.onResume(MainActivity.java:88)",
                None,
            ),
        ],
    )
    e.method, e.url = "POST", f"https://crash.{app.pkg.split('.')[1]}.example/acra/report"
    e.headers = [
        ("Content-Type", ctype),
        ("Authorization", "Basic " + b64("acra:" + e.password(e.hexid(12)))),
        *okhttp(dev),
    ]
    set_body(e, body)
    e.tag("multipart", "json_in_string", "header")
    c.add(e)


# -- requests with no personal data -----------------------------------------------------------------------------------

OCSP_REQ = bytes.fromhex(
    "3051304f304d304b3049300906052b0e03021a05000414"
    + "a1" * 20
    + "0414"
    + "b2" * 20
    + "0210"
    + "0c9f3e2a" * 4
)


def f_plain(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "no_personal_data")
    kind = (4 * v + DEVICES.index(dev)) % 10
    if kind == 0:
        e.url = "http://connectivitycheck.gstatic.com/generate_204"
        e.headers = [
            (
                "User-Agent",
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.32 Safari/537.36",
            )
        ]
        e.status, e.resp_body = 204, b""
    elif kind == 1:
        e.method, e.url = (
            "POST",
            ["http://ocsp.pki.goog/gts1c3", "http://ocsp.digicert.com/", "http://r3.o.lencr.org/"][v % 3],
        )
        e.headers = [("Content-Type", "application/ocsp-request"), ("User-Agent", "okhttp/4.12.0")]
        set_body(e, OCSP_REQ, binary=True)
        e.resp_body, e.resp_mime = b"0\x03\n\x01\x00", "application/ocsp-response"
    elif kind == 2:
        etag = e.neg("content_hash", '"' + e.hexid(32) + '"', "etag (md5 of the file) in If-None-Match")
        e.url = "https://cdn.pixelforge.games/config/remote_config_v412.json"
        e.headers = [("User-Agent", "okhttp/4.12.0"), ("If-None-Match", etag), ("Accept-Encoding", "gzip")]
        e.status, e.resp_body = 304, b""
    elif kind == 3:
        e.url = "https://cdn.nimbusweather.io/icons/v3/rain_heavy@2x.png"
        e.neg("retina_asset", "rain_heavy@2x.png", "name@2x.png is not an email")
        e.headers = [("User-Agent", "okhttp/4.12.0"), ("Accept", "image/webp,image/*")]
        e.resp_body, e.resp_mime = PNG_1X1, "image/png"
    elif kind == 4:
        e.url = "https://fonts.gstatic.com/s/roboto/v30/KFOmCnqEu92Fr1Mu4mxK.woff2"
        e.headers = [("User-Agent", "okhttp/4.12.0"), ("Accept", "*/*")]
        e.resp_body, e.resp_mime = b"wOF2\x00\x01", "font/woff2"
    elif kind == 5:
        e.url = f"https://api.pixelforge.games/health?t={e.neg_ts_s(0, 't')}"
        e.headers = [("User-Agent", "okhttp/4.12.0")]
    elif kind == 6:
        q = "query Feed($after: String, $first: Int!) { feed(after: $after, first: $first) { edges { node { id title score } } } }"
        e.neg("graphql_query", q, "GraphQL document under query")
        body: dict[str, Any] = {
            "operationName": "Feed",
            "query": q,
            "variables": {"after": "t3_1gq2x7k", "first": 25},
            "extensions": {
                "persistedQuery": {"version": 1, "sha256Hash": e.neg_hash("sha256Hash", "sha256")}
            },
        }
        e.method, e.url = "POST", "https://gql.reddit.com/"
        e.headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "okhttp/4.12.0"),
            ("x-reddit-loid", "0000000000" + e.hexid(14) + ".2.1"),
        ]
        set_body(e, compact(body))
    elif kind == 7:
        body = {
            "order_id": e.neg_order("order_id"),
            "purchase_time": e.neg_ts_ms(-4000, "purchase_time"),
            "price": e.neg("price", "19.99", "price"),
            "currency": "EUR",
            "product_id": "gems_500",
            "test_card": e.neg_card("test_card"),
            "request_id": e.neg_uuid("request_id"),
        }
        e.method, e.url = "POST", "https://api.pixelforge.games/v1/iap/verify"
        e.headers = [("Content-Type", "application/json"), ("User-Agent", "okhttp/4.12.0")]
        set_body(e, compact(body))
    elif kind == 8:
        body = {
            "apk_sha256": e.neg_hash("apk_sha256", "sha256"),
            "file_md5": e.neg_hash("file_md5", "md5"),
            "version": e.neg("version_string", "13.0.5", "version under version"),
            "screen": e.neg("screen_size", "1080x2400", "screen size"),
            "trace_id": e.neg_uuid("trace_id"),
            "event_id": e.neg_uuid("event_id"),
            "message_id": e.neg_uuid("message_id"),
            "advertising_id": e.neg(
                "placeholder", "00000000-0000-0000-0000-000000000000", "all-zero advertising ID"
            ),
            "imei": e.neg("placeholder", "000000000000000", "all-zero IMEI"),
            "serial": e.neg("placeholder", "unknown", "Build.SERIAL on Android 10+"),
            "location": e.neg("placeholder", "0,0", "0,0 coordinates"),
            "mac": "02:00:00:00:00:00",
            "oaid": None,
        }
        e.method, e.url = "POST", "https://sdkconfig.ad.intl.xiaomi.com/api/v4/detail/config"
        e.headers = [("Content-Type", "application/json"), ("User-Agent", "okhttp/4.12.0")]
        set_body(e, compact(body))
    else:
        e.url = "https://www.gstatic.com/android/keyboard/emojikitchen/20230301/u1f600/u1f600_u1f973.png"
        e.headers = [
            ("User-Agent", "okhttp/4.12.0"),
            ("Accept", "image/*"),
            ("X-Client-Trace-Id", e.neg("request_uuid", e.uuid4(), "trace UUID in a header")),
        ]
        e.resp_body, e.resp_mime = PNG_1X1, "image/png"
    if e.method == "GET" and e.status == 200 and not e.resp_body:
        e.resp_body, e.resp_mime = '{"ok":true}', "application/json"
    c.add(e)


# -- the schedule -----------------------------------------------------------------------------------------------------

# -- A phone's browser on a shop: web analytics and ad tech, a login, a checkout ----------------------

# The owners of the four invented phones: names and addresses as invented as everything else here.
OWNERS = {
    "xiaomi": ("Lucía", "Ferrer", "Carrer de Mallorca 401", "Barcelona", "08013"),
    "samsung": ("Jonas", "Becker", "Kastanienallee 12", "Berlin", "10435"),
    "huawei": ("Wei", "Chen", "88 Huacheng Avenue", "Guangzhou", "510623"),
    "pixel": ("Maya", "Rivera", "2211 NE 65th Street", "Seattle", "98115"),
}
SHOP = "www.kiezkauf.example"


def _web_ids(dev: Device) -> dict[str, str]:
    """Each browser's tracker IDs: stable per phone, as the cookies that hold them are."""
    h = hashlib.sha256(f"web{dev.key}".encode()).hexdigest()
    return {
        "cid": f"{int(h[:9], 16) % 2_000_000_000}.{1_760_000_000 + int(h[9:14], 16) % 9_000_000}",
        "fbp": f"fb.1.{1_760_000_000_000 + int(h[14:20], 16)}.{int(h[20:29], 16)}",
        "gcl": f"{int(h[29:37], 16) % 2_000_000_000}.{1_761_000_000 + int(h[37:42], 16) % 9_000_000}",
        "muid": h[42:64].upper() + h[:10].upper(),
        "uetsid": h[:32],
        "uetvid": h[32:64],
    }


def f_web_shop(c: Corpus, dev: Device, v: int) -> None:
    """The phone's browser on a shop: Google Analytics, Bing UET, the Meta pixel, the shop's own API
    with the trackers' cookies, a checkout with a name and an address, and a login with a password."""
    e = c.entry(dev, "web-shop")
    ids = _web_ids(dev)
    page = f"https://{SHOP}/{['schuhe', 'jacken', 'sale', 'marken'][v % 4]}/p{4100 + v}"
    ua = ua_browser(dev)
    mode = v % 6
    # The shop's page goes to the trackers in their Referer too.
    referer = e.visited(f"https://{SHOP}/") if mode in (0, 2, 3) else f"https://{SHOP}/"
    headers = [("User-Agent", ua), ("Referer", referer), ("Accept-Language", dev.lang)]
    e.method = "GET"
    if mode == 0:
        q = [
            ("v", "2"),
            ("tid", "G-7KQ2M4XY1B"),
            ("gtm", "45je4b20v9"),
            ("_p", str(e.rng.getrandbits(30))),
            ("cid", e.trackid(ids["cid"])),
            ("ul", dev.lang.lower()),
            ("sr", f"{dev.width}x{dev.height}"),
            ("_s", str(1 + v)),
            ("dl", e.visited(page)),
            ("dt", "Schuhe | KiezKauf"),
            ("en", "page_view"),
        ]
        e.neg("screen_resolution", f"{dev.width}x{dev.height}", "sr is the display size")
        e.url = "https://region1.google-analytics.com/g/collect?" + urlencode(q)
        e.method = "POST"
    elif mode == 1:
        session = e.neg("session_cookie", e.hexid(26), "the shop's own session cookie")
        cookies = (
            f"_ga=GA1.1.{e.trackid(ids['cid'])}; _fbp={e.trackid(ids['fbp'])}; "
            f"_gcl_au=1.1.{e.trackid(ids['gcl'])}; MUID={e.trackid(ids['muid'])}; "
            f"PHPSESSID={session}; cookie_consent=necessary%2Canalytics; dm=kiezkauf.example"
        )
        e.neg("cookie_domain", "kiezkauf.example", "dm= is the cookie's domain, not a device model")
        headers.append(("Cookie", cookies))
        e.url = f"https://{SHOP}/api/cart?ts={e.neg_ts_ms()}"
    elif mode == 2:
        q = [
            ("ti", "187012345"),
            ("tm", "gtm002"),
            ("Ver", "2"),
            ("mid", e.neg_uuid("mid")),
            ("sid", e.trackid(ids["uetsid"])),
            ("vid", e.trackid(ids["uetvid"])),
            ("vids", "1"),
            ("msclkid", "N"),
            ("evt", "pageLoad"),
            ("p", e.visited(page)),
            ("r", f"https://{SHOP}/"),
            ("lt", "812"),
            ("sw", str(dev.width)),
            ("sh", str(dev.height)),
            ("cb", f"https://{SHOP}/sync?x=1"),
        ]
        e.neg("callback_url", f"https://{SHOP}/sync?x=1", "cb= is a callback, not a page visited")
        e.url = "https://bat.bing.com/action/0?" + urlencode(q)
        headers.append(("Cookie", f"MUID={e.trackid(ids['muid'])}"))
    elif mode == 3:
        q = [
            ("id", "1234567890123456"),
            ("ev", "PageView"),
            ("dl", e.visited(page)),
            ("rl", f"https://{SHOP}/"),
            ("if", "false"),
            ("ts", str(e.neg_ts_ms())),
            ("sw", str(dev.width)),
            ("sh", str(dev.height)),
            ("v", "2.9.177"),
            ("r", "stable"),
            ("fbp", e.trackid(ids["fbp"])),
            ("o", "4124"),
        ]
        e.url = "https://www.facebook.com/tr/?" + urlencode(q)
    elif mode == 4:
        first, last, street, city, postcode = OWNERS[dev.key]
        e.lab("person_name", f"{first} {last}")
        e.lab("postal_address", f"{street}, {city} {postcode}")
        order = {
            "cart_id": e.neg_uuid("cart_id"),
            "customer": {"first_name": first, "last_name": last, "email": e.email(),
                         "address": {"line1": street, "city": city, "postal_code": postcode,
                                     "country": dev.country}},
            "items": [{"sku": f"KK-{4100 + v}", "qty": 1, "price": 89.95}],
            "payment": {"method": "card", "token": "tok_" + e.hexid(24)},
        }  # fmt: skip
        e.method = "POST"
        e.url = f"https://{SHOP}/api/checkout"
        headers.append(("Content-Type", "application/json"))
        set_body(e, compact(order))
        e.tag("json")
    else:
        e.method = "POST"
        e.url = f"https://{SHOP}/account/login"
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        form = urlencode({"login[username]": e.email(), "login[password]": e.password(f"Kiez-{e.hexid(6)}!"),
                          "form_key": e.hexid(16), "remember": "1"})  # fmt: skip
        set_body(e, form)
        e.tag("form")
    e.headers = headers
    c.add(e)


# -- Shapes the app families above do not use: GeoJSON, protobuf doubles, log lines, nested JSON ------


def f_shapes(c: Corpus, dev: Device, v: int) -> None:
    e = c.entry(dev, "shapes")
    app = app_for(dev, v)
    host = f"api.{app.pkg.split('.')[1]}.example"
    e.method = "POST"
    e.headers = okhttp(dev)
    mode = v % 5
    lat, lon = near(dev, e.rng, 5, 300)
    if mode == 0:  # GeoJSON: longitude first
        e.coords(lat, lon)
        body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"kind": "checkin", "ts": e.neg_ts_ms()}}  # fmt: skip
        e.url = f"https://{host}/v1/checkins"
        e.headers = [("Content-Type", "application/geo+json"), *e.headers]
        set_body(e, compact(body))
        e.tag("json")
    elif mode == 1:  # protobuf: a fix as two doubles and an accuracy float
        e.coords(lat, lon)
        msg = (b"\x09" + struct.pack("<d", lat) + b"\x11" + struct.pack("<d", lon)
               + b"\x1d" + struct.pack("<f", 12.5) + pb_int(4, e.s))  # fmt: skip
        e.url = f"https://{host}/{app.pkg}.LocationService/Report"
        e.headers = [("Content-Type", "application/grpc"), *e.headers]
        set_body(e, grpc_frame(pb_bytes(1, msg)), binary=True)
        e.tag("grpc", "protobuf")
    elif mode == 2:  # key=value pairs inside a log file uploaded in a multipart part
        e.coords(lat, lon)
        log = (f"11-21 09:00:01.123  4242  4260 I LocationSvc: fix provider=fused lat={coord_text(lat)} "
               f"lon={coord_text(lon)} acc=12.0\n"
               f"11-21 09:00:02.456  4242  4261 D Sync: imei={e.imei()} model=\"{e.model()}\" result=OK\n")  # fmt: skip
        body, ctype = multipart(e, [("app", app.pkg, None), ("logcat", log, None)])
        e.url = f"https://{host}/v2/diagnostics/upload"
        e.headers = [("Content-Type", ctype), *e.headers]
        set_body(e, body)
        e.tag("multipart")
    elif mode == 3:  # a search inside app-event JSON inside a form field
        term = ["laufschuhe damen", "pho near me", "cheap flights lisbon", "vegan ramen"][v % 4]
        events = [{"name": "search", "params": {"search_term": e.search(term), "results": 12}},
                  {"name": "screen_view", "params": {"screen_name": e.activity("SearchResultsActivity")}}]  # fmt: skip
        e.url = f"https://{host}/collect"
        e.headers = [("Content-Type", "application/x-www-form-urlencoded"), *e.headers]
        set_body(e, urlencode({"app": app.pkg, "events": compact(events)}))
        e.tag("form", "json")
    else:  # screen events, one JSON object per line
        screens = app.screens[:3]
        lines = [
            compact({"event": "screen_view", "screen": e.activity(sc), "ts": e.ms + i})
            for i, sc in enumerate(screens)
        ]
        e.url = f"https://{host}/events/ndjson"
        e.headers = [("Content-Type", "application/x-ndjson"), *e.headers]
        set_body(e, "\n".join(lines) + "\n")
        e.tag("ndjson")
    c.add(e)


X, S, H, P = XIAOMI, SAMSUNG, HUAWEI, PIXEL
PLAN: list[tuple[Callable[[Corpus, Device, int], None], dict[Device, int]]] = [
    (f_ga4, {X: 7, S: 7, P: 7}),
    (f_fis, {X: 1, S: 1, P: 2}),
    (f_gma, {X: 5, S: 5, P: 5}),
    (f_gma_click, {X: 1, S: 1, H: 1, P: 1}),
    (f_facebook, {X: 5, S: 5, P: 5}),
    (f_appsflyer, {X: 4, S: 4, H: 4, P: 4}),
    (f_adjust, {X: 5, S: 5, H: 2, P: 5}),
    (f_branch, {S: 4, P: 4}),
    (f_onetrack, {X: 14}),
    (f_mistat, {X: 8}),
    (f_sensors, {X: 14}),
    (f_miads, {X: 4}),
    (f_hianalytics, {H: 14}),
    (f_hota, {H: 2}),
    (f_umeng, {H: 10, X: 4}),
    (f_pangle, {H: 5, X: 4}),
    (f_mintegral, {S: 4, X: 4}),
    (f_gdt, {H: 8}),
    (f_baidu, {H: 8}),
    (f_kuaishou, {H: 8}),
    (f_appmetrica, {X: 4, S: 4}),
    (f_amplitude, {S: 5, P: 5}),
    (f_mixpanel, {P: 6, S: 4}),
    (f_segment, {P: 8}),
    (f_onesignal, {P: 4, S: 4}),
    (f_braze, {P: 4, S: 4}),
    (f_sentry, {P: 4, S: 3, X: 3}),
    (f_web_shop, {P: 12, S: 12, X: 6}),
    (f_shapes, {P: 5, S: 5, X: 5, H: 5}),
    (f_unity, {X: 3, S: 3, P: 3}),
    (f_applovin, {X: 3, S: 3, P: 3}),
    (f_ironsource, {X: 3, S: 3, P: 3}),
    (f_weather, {X: 6, S: 6, H: 5, P: 6}),
    (f_geolocate, {X: 2, S: 2, H: 2, P: 2}),
    (f_visits, {X: 2, S: 2, H: 1, P: 2}),
    (f_checkin, {X: 2, S: 2, P: 2}),
    (f_galaxy_store, {S: 3}),
    (f_login, {X: 6, S: 4, H: 3, P: 5}),
    (f_contacts, {X: 2, S: 2, H: 2, P: 2}),
    (f_applist, {X: 3, S: 2, H: 3, P: 2}),
    (f_usage, {S: 4, P: 4}),
    (f_search, {X: 3, S: 2, H: 3, P: 3}),
    (f_page, {X: 2, S: 2, H: 2, P: 2}),
    (f_webview, {X: 3, S: 2, H: 3, P: 2}),
    (f_gam, {X: 2, S: 2, P: 2}),
    (f_mifeed, {X: 4}),
    (f_firestore, {X: 1, S: 2, P: 2}),
    (f_grpc_device, {S: 2, P: 2}),
    (f_plain, {X: 5, S: 5, H: 5, P: 5}),
    (f_feedback, {X: 1, P: 1}),
    (f_acra, {X: 1, S: 1}),
]


def build() -> Corpus:
    corpus = Corpus()
    items = [(fn, dev, v) for fn, counts in PLAN for dev, n in counts.items() for v in range(n)]
    random.Random(SEED + 1).shuffle(items)
    for fn, dev, v in items:
        fn(corpus, dev, v)
    return corpus


# -- output -------------------------------------------------------------------------------------------------------------


def toml_text(values: dict[str, list[str]]) -> str:
    lines = [
        "# Declared values of the corpus's four invented phones (DESIGN.md's known-values format).",
        "# Xiaomi Redmi Note 11 (Barcelona), Samsung Galaxy S23 (Berlin), HUAWEI Mate 40 Pro (Guangzhou), Pixel 7 (Seattle).",
        "# Coordinates are each phone's home; a reading within 1 km is the same place.",
    ]
    for key, vals in values.items():
        lines.append(f"{key} = [{', '.join(json.dumps(x) for x in vals)}]")
    return "\n".join(lines) + "\n"


def jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


ENCODING_NAMES = {
    "path": "URL path segment",
    "query": "query string",
    "header": "header",
    "cookie": "cookie",
    "percent": "percent-encoding",
    "double_percent": "double percent-encoding",
    "form": "form-urlencoded body",
    "multipart": "multipart/form-data",
    "json": "JSON",
    "json_in_string": "JSON inside a string value",
    "base64": "base64",
    "base64url": "base64url",
    "gzip": "gzip",
    "gzip_ce": "gzip with Content-Encoding",
    "deflate": "raw deflate",
    "deflate_ce": "raw deflate with Content-Encoding",
    "zlib": "zlib",
    "zlib_ce": "zlib with Content-Encoding: deflate",
    "brotli": "brotli",
    "brotli_ce": "brotli with Content-Encoding",
    "zstd": "zstd",
    "zstd_ce": "zstd with Content-Encoding",
    "jwt": "JWT payload",
    "protobuf": "schema-less protobuf",
    "grpc": "gRPC framing",
    "ndjson": "newline-delimited JSON",
}


def table(rows: Iterable[tuple[str, Any]], head: tuple[str, str]) -> str:
    out = [f"| {head[0]} | {head[1]} |", "|---|---:|"]
    out += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(out)


def readme(c: Corpus) -> str:
    kinds = Counter(r["kind"] for r in c.labels)
    known = Counter(r["kind"] for r in c.labels if r["known"])
    hashed = Counter(r["hashed"] for r in c.labels if r["hashed"])
    enc = Counter(e for m in c.manifest for e in m["encodings"])
    fam = Counter(m["family"] for m in c.manifest)
    dev = Counter(m["device"] for m in c.manifest)
    negs = Counter(n["category"] for n in c.negatives)
    clean = sum(1 for m in c.manifest if m["labels"] == 0)
    kind_rows = [(f"`{k}`", f"{n} ({known[k]} known)" if known[k] else n) for k, n in sorted(kinds.items())]
    return README_TEMPLATE.format(
        entries=len(c.entries),
        labels=len(c.labels),
        negatives=len(c.negatives),
        clean=clean,
        known_labels=sum(known.values()),
        hashed=", ".join(f"{k} {n}" for k, n in sorted(hashed.items())),
        kinds=table(kind_rows, ("kind", "labels")),
        encodings=table(
            ((f"`{k}` ({ENCODING_NAMES[k]})", n) for k, n in sorted(enc.items())),
            ("encoding layer", "entries"),
        ),
        families=table(sorted(fam.items()), ("SDK / endpoint family", "entries")),
        devices=table(sorted((k or "-", n) for k, n in dev.items()), ("device", "entries")),
        negs=table(sorted(negs.items()), ("look-alike category", "negatives")),
    )


README_TEMPLATE = """# The labelled accuracy corpus

`corpus.har` is a capture of four invented Android phones talking to the real endpoints of tracking,
advertising, analytics and OEM telemetry SDKs, each request shaped like that SDK's real payload, and wrapped
in every encoding layer phonehome decodes. `labels.jsonl` says which personal data each request carries.
`benchmarks/accuracy.py` replays the HAR through the classifiers and scores precision and recall per kind
against the labels (heuristic mode, and known-value mode with `known.toml`).

**Everything in it is invented.** The IMEIs, IMSIs, ICCIDs, serial numbers, Android IDs, advertising IDs,
MAC addresses, e-mail addresses, phone numbers, homes, Wi-Fi networks, cells, contacts, searches and visits
belong to nobody. Hosts, paths and payload shapes follow public research and SDK sources; no request here was
ever sent. The app packages that send data (`com.nimbus.weather`, `com.pixelforge.blockpuzzle`,
`com.fitpulse.tracker`, `com.tidepool.budget`, `de.kiezkauf.app`, `com.xinwen.daily`, `com.meishi.recipes`)
and some hosts under `.example` are fictional.

Regenerate (deterministic: fixed seed, clock from 2026-11-21T09:00:00Z; standard library + brotli + zstandard):

```
python tests/corpus/make_corpus.py           # rewrites tests/corpus/{{corpus.har,labels.jsonl,negatives.jsonl,manifest.jsonl,known.toml,README.md}}
pytest tests/corpus -q                        # regenerates into a temp dir and checks every label against the HAR
```

## Files

| file | what |
|---|---|
| `make_corpus.py` | the generator (`main(out_dir)`) |
| `corpus.har` | HAR 1.2 in mitmproxy's layout ({entries} entries, under 3 MB); binary or compressed bodies are base64 in `postData.text` with `"encoding": "base64"` |
| `labels.jsonl` | `{{"entry", "kind", "value", "hashed", "known"}}`: one line per distinct personal datum per entry |
| `negatives.jsonl` | `{{"entry", "category", "value", "description"}}`: look-alikes planted on purpose; nothing is labelled for them |
| `manifest.jsonl` | per entry: device, SDK family, host, the encoding layers its personal data sits in, label and negative counts |
| `known.toml` | the four phones' declared values, for known-value mode |
| `test_corpus.py` | reproducibility, and an independent reference decoder proving every label is really in its entry |

## The cast

| device | model (`Build.MODEL`) | OS | carrier | home |
|---|---|---|---|---|
| Xiaomi Redmi Note 11 | `2201117TG` | Android 13, MIUI `V14.0.4.0.TGCEUXM` | Movistar (214-07) | Barcelona |
| Samsung Galaxy S23 | `SM-S911B` | Android 14, One UI 6.0 | Telekom.de (262-01) | Berlin |
| HUAWEI Mate 40 Pro | `NOH-AN00` | HarmonyOS 3.0.0 (Android 12), no Google services | 中国移动 (460-00) | Guangzhou |
| Google Pixel 7 | `Pixel 7` | Android 14 | T-Mobile (310-260) | Seattle |

Each phone has two Luhn-valid IMEIs (TACs starting 86/35), an IMSI, a Luhn-valid ICCID, serial, Android ID,
GAID (not the Huawei), OAID (Xiaomi: 16 hex; Huawei: UUID), Wi-Fi MAC, e-mail, phone number, home, home Wi-Fi,
serving cell, installed apps and contacts. The Huawei also has an MEID.

## Counts

{entries} entries, {labels} labels ({known_labels} of them declared values from `known.toml`; digests: {hashed}),
{negatives} planted negatives; {clean} entries carry no personal data at all.

{kinds}

Entries per encoding layer that wraps labelled data (an entry counts once per layer; `_ce` means the body
had a `Content-Encoding` header, the plain name counts every entry with that compression):

{encodings}

{families}

{devices}

{negs}

## Labelling decisions

Labels follow DESIGN.md's "Kinds and how values are normalised" table literally. Where a kind was arguable:

- **One label per distinct (kind, value) per entry.** The same IMEI sent twice in one request is one label;
  its md5 in the same request is another label (different value, `hashed: "md5"`).
- **Digests**: `value` is the digest exactly as sent (hex in its case, or base64), `hashed` the algorithm,
  `known` the declared value it is a digest of (or null for contacts' numbers). Which variant was hashed
  (MAC upper-case with colons, MAC without separators, phone with or without `+`, e-mail lower-cased) varies
  like real SDKs; the test recomputes each digest from the declared value.
- **Normalised values**: IMEI/IMSI/ICCID digits; Android ID lower-case hex (even when sent upper-case); GAID
  lower-case canonical UUID; OAID as sent; MAC lower-case with colons (also when sent as `D4389C5A7E21`); e-mail
  lower-case; phone numbers E.164 always, because every number in the corpus is either the phone's own or a
  contact of a phone whose country is known (national, `0151…`, `0086-…`, `(206) 841-7392`, spaced forms all
  normalise to `+…`).
- **`known`** is the value as written in `known.toml`. Coordinates within 1 km of a phone's home get that home
  (`41.3921,2.1649`…), readings farther away (office, a visit elsewhere) get `null`.
- **Coordinates** `lat,lon` with the numbers as sent (JSON number or text), in lat,lon order even where the
  endpoint sends lon,lat (Mapbox path, Amap `location=`). Two-decimal readings still count (they are within
  ~1 km); accuracy, altitude, bearing, zoom, volume and other one-decimal or integer numbers next to them are
  negatives.
- **Cell towers**: `mcc-mnc-lac-cid` with the MNC as the network writes it (`07`, `00`, `260`) even where sent
  as an integer. A bare MCC+MNC pair (Adjust `mcc`/`mnc`, Unity `networkOperator` `21407`, checkin
  `cellOperator`, AppLovin, HiAnalytics `_mcc`/`_mnc`) is labelled as a partial tower `214-07--`, as in the
  bundled sample capture.
- **Wi-Fi**: every BSSID (normalised like a MAC) and every SSID, neighbours included, is a separate
  `wifi_network` label.
- **OS version**: release strings (`13`), `Android 13` from user agents (also when a UA string is a field
  inside a JSON body or query), OEM ROM versions under ROM keys (`V14.0.4.0.TGCEUXM`, `HarmonyOS 3.0.0`), and
  API levels under OS keys (`api_level`, `os_api`, `sdk`, Branch's integer `os_version`, checkin `sdkVersion`)
  are all `os_version`. A version string under `app_version` is not (negative). Chrome's frozen reduced UA
  (`Android 10; K`) on the Pixel is not the phone's OS: it is a negative.
- **Device model**: `Build.MODEL` (`2201117TG`, `SM-S911B`, `NOH-AN00`, `Pixel 7`) wherever sent, including
  Samsung's Galaxy Store `deviceId=SM-S911B` and Samsung Internet's `SAMSUNG SM-S911B` UA token (labelled
  `SM-S911B`, the token as it appears after the browser's `SAMSUNG ` prefix), and marketing names (`Redmi Note 11`, `HUAWEI Mate 40 Pro`)
  where an SDK sends them. Brands, manufacturers and code names (`spes`, `dm1q`) are not labelled; build IDs
  and build fingerprints are negatives.
- **`device_id`** covers SDK and vendor installation IDs by key: Firebase `app_instance_id` (protobuf field 21)
  and installation ID (FID, also in the URL path), AppsFlyer `uid`, Adjust `android_uuid`, Facebook `anon_id`,
  Branch `randomized_device_token`, Umeng `utdid`/`umid`, OneTrack `instance_id`, Huawei UDID, Baidu CUID,
  Tencent TAID, Kuaishou `deviceId`, AppMetrica `deviceid`/`uuid`, Amplitude/Mixpanel/Segment/Braze/OneSignal/
  Sentry/ACRA/Unity installation IDs, Samsung `extuk`, account-SDK device cookies. Per-request, per-session and
  per-event IDs are negatives, not `device_id`.
- **Browsing**: a URL of another site inside a payload, or a `Referer` of another site, is `visited_url` (as
  sent, including origin-only referers). The request URL itself, same-site referers, the app's own API URLs
  and CDN images are not. `search_query` is the decoded text of a search parameter (`q`, `wd`, `word`,
  `keyword`, `search_word`) and also of the `q` inside a visited search-engine URL; AccuWeather's `q=lat,lon`
  is coordinates, not a search.
- **App usage**: an ordered list of package names is one `installed_apps` label (comma-joined in the order
  sent, whether sent as a JSON array, a comma string, objects or repeated protobuf fields). Screen/activity
  names in screen-view, page and usage events (and the package names in per-app usage rows) are
  `app_activity`. The sending app's own package (`msid`, `package_name`, `X-Requested-With`) is not labelled.
- **Not labelled at all** (no kind in the vocabulary): names of people, locale, language, time zone, brand,
  screen metrics, battery, IP addresses, push/app keys, app versions, JWT issuer/audience URLs.
- **Negatives are planted, not exhaustive**: `negatives.jsonl` lists look-alikes put there on purpose
  (random ad `correlator`s that may pass Luhn, Sentry `release` strings `package@version` that look like
  e-mails, `name@2x.png`...). Every other unlabelled string is also not personal data.
- **Encodings in `manifest.jsonl`** name the layers that wrap at least one labelled datum of the entry; the
  test re-derives them with its own decoder. A base64url text that would also be valid padded base64 is
  given a trailing space inside the JSON so that the two stay distinguishable.
- **Carrier** is the operator name as sent (`Movistar`, `Telekom.de`, `中国移动`, `T-Mobile`).
"""


def main(out_dir: Path = HERE) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    c = build()
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "mitmproxy", "version": MITMPROXY_VERSION, "comment": ""},
            "pages": [],
            "entries": c.entries,
        }
    }
    (out_dir / "corpus.har").write_text(
        json.dumps(har, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (out_dir / "labels.jsonl").write_text(jsonl(c.labels), encoding="utf-8")
    (out_dir / "negatives.jsonl").write_text(jsonl(c.negatives), encoding="utf-8")
    (out_dir / "manifest.jsonl").write_text(jsonl(c.manifest), encoding="utf-8")
    (out_dir / "known.toml").write_text(toml_text(known_values()), encoding="utf-8")
    (out_dir / "README.md").write_text(readme(c), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
