"""Identifiers found by behaviour, measured on two emulated devices with key names no rule knows.

    python benchmarks/behaviour.py [--requests 60] [--write docs/behaviour.md]

Builds one HAR per device: an SDK's telemetry, config, ad and pixel requests whose keys are
obfuscated (`k7`, `xq_a`, `uu`, `X-Inst`, cookie `zsid`), carrying per-device, per-install, account,
ad-user and cookie IDs and a token kept for the whole capture (the identifiers to find), among what
must not be called one: nonces, timestamps, counters, sequence numbers, body hashes, request
signatures, cache-busters, a launch ID that rotates when the app restarts, the app key and SDK
version every install shares, and what describes a device (model, OS version, build ID and
fingerprint, screen size, density, RAM, locale, time zone, carrier, install time, an A/B group).
Replays both files through phonehome's own pipeline into a temporary database (each file is a
device, as a replay's label is), runs `phonehome.behaviour`, and scores each place (endpoint, where,
key) against the ground truth.  Prints one summary line; `--write` puts the table in the doc.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from phonehome.classifiers.decode.paths import last_key  # noqa: E402
from phonehome.db import queries  # noqa: E402
from phonehome.db.store import Store  # noqa: E402

from phonehome import behaviour  # noqa: E402
from phonehome.pipeline import replay  # noqa: E402

DEVICES: dict[str, dict[str, str]] = {
    "phone-a": {
        "model": "SM-A546B", "os": "14", "screen": "1080x2340", "locale": "de_DE", "tz": "Europe/Berlin",
        "build": "UP1A.231005.007", "dpi": "2.625", "ram": "7823458304", "carrier": "Telekom.de",
        "fingerprint": "samsung/a54xnseea/a54x:14/UP1A.231005.007/A546BXXU3BWK1:user/release-keys",
        "group": "checkout_v2_control",
    },
    "phone-b": {
        "model": "Pixel 7a", "os": "15", "screen": "1080x2400", "locale": "en_GB", "tz": "America/Los_Angeles",
        "build": "AP4A.250105.002", "dpi": "2.75", "ram": "7994361856", "carrier": "T-Mobile",
        "fingerprint": "google/lynx/lynx:15/AP4A.250105.002/12737840:user/release-keys",
        "group": "checkout_v2_treatment",
    },
}  # fmt: skip
APP_KEY = "ak_7f3c9e21b04d4a6e"  # the same in every install: not an ID of a device
SDK = "3.14.2"
T, CFG, ADS, PX = "t.sdk-x.example", "cfg.sdk-x.example", "ads.net-y.example", "px.net-y.example"


@dataclass(frozen=True)
class Truth:
    label: str
    host: str
    where: str
    key: str
    identifier: bool


# Every value the captures carry, by place; `identifier` is the answer.
TRUTH = (
    Truth("device ID (24 hex)", T, "body", "k7", True),
    Truth("device ID in a query", CFG, "query", "q1", True),
    Truth("device ID as a path segment", CFG, "path", "/1", True),
    Truth("install ID (UUID)", T, "body", "xq_a", True),
    Truth("install ID in a header, other company", ADS, "header", "x-inst", True),
    Truth("account ID, nested", T, "body", "u9", True),
    Truth("numeric user ID (17 digits)", CFG, "query", "gid", True),
    Truth("ad user ID in a form", ADS, "body", "uu", True),
    Truth("cookie ID", ADS, "cookie", "zsid", True),
    Truth("token kept for the whole capture", PX, "query", "tok", True),
    Truth("launch ID (rotates on restart)", T, "body", "ls", False),
    Truth("launch ID in a header", CFG, "header", "x-l", False),
    Truth("nonce", T, "body", "n", False),
    Truth("nonce in a form", ADS, "body", "req", False),
    Truth("timestamp (ms)", T, "body", "t", False),
    Truth("timestamp (s)", CFG, "query", "ts", False),
    Truth("sequence number", T, "body", "seq", False),
    Truth("sequence number in a query", PX, "query", "s", False),
    Truth("counter cookie", ADS, "cookie", "_c", False),
    Truth("body hash (MD5)", T, "query", "h", False),
    Truth("request signature (SHA-256)", PX, "header", "x-req-sig", False),
    Truth("cache-buster (random float)", CFG, "query", "cb", False),
    Truth("cache-buster (random int)", PX, "query", "r", False),
    Truth("battery level", ADS, "body", "bat", False),
    Truth("screen name", T, "body", "p", False),
    Truth("duration", T, "body", "d", False),
    Truth("app key (every install)", T, "body", "ak", False),
    Truth("app key in a query", CFG, "query", "a", False),
    Truth("SDK version", CFG, "query", "v", False),
    Truth("ad slot", ADS, "body", "slot", False),
    Truth("model", T, "body", "m", False),
    Truth("OS version", T, "body", "ov", False),
    Truth("OS version in a form", ADS, "body", "os", False),
    Truth("screen size", T, "body", "sr", False),
    Truth("screen density", ADS, "body", "dpi", False),
    Truth("RAM in bytes", T, "body", "ram", False),
    Truth("locale", T, "body", "lc", False),
    Truth("locale in a form", ADS, "body", "loc", False),
    Truth("time zone", PX, "query", "tz", False),
    Truth("carrier", ADS, "body", "cr", False),
    Truth("build ID", CFG, "query", "bid", False),
    Truth("build fingerprint", T, "body", "fp", False),
    Truth("install time (ISO)", T, "body", "it", False),
    Truth("first launch (epoch ms)", PX, "query", "fl", False),
    Truth("A/B group", CFG, "query", "exp", False),
)


def _entry(
    when: datetime, method: str, url: str, body: str | None, headers: dict[str, str]
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method, "url": url, "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in headers.items()], "queryString": [], "cookies": [],
        "headersSize": -1, "bodySize": len(body or ""),
    }  # fmt: skip
    if body is not None:
        request["postData"] = {"mimeType": headers.get("Content-Type", ""), "text": body}
    return {
        "startedDateTime": when.isoformat().replace("+00:00", "Z"), "time": 12, "request": request,
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": "application/json"}, "redirectURL": "", "headersSize": -1,
                     "bodySize": 0},
        "cache": {}, "timings": {"send": 1, "wait": 10, "receive": 1},
    }  # fmt: skip


def _token(rng: random.Random, n: int, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def device_har(name: str, requests: int, seed: int) -> tuple[dict[str, Any], set[str]]:
    """One device's capture (an app restart half way) and the identifying values it sent."""
    rng = random.Random(seed)
    spec = DEVICES[name]
    device_id = hashlib.sha1(f"dev{name}".encode()).hexdigest()[:24]  # noqa: S324 - a made-up ID
    install = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    account = "acct" + _token(rng, 12, B62)
    gid = str(76561197960265728 + rng.getrandbits(32))
    ad_user = f"u{rng.getrandbits(60)}"
    cookie = _token(rng, 22, B62 + "-_")
    token = _token(rng, 32, "0123456789abcdef")
    truth = {device_id, install, account, gid, ad_user, cookie, token}
    ua = f"okhttp/4.12.0 (Linux; U; Android {spec['os']}; {spec['model']} Build/{spec['build']})"
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=seed)
    installed = (start - timedelta(days=3 + seed, minutes=17 * seed)).replace(microsecond=0)
    first_launch = str(int(installed.timestamp() * 1000) + 4211)
    launch = ""
    entries = []
    for i in range(requests):
        if i in (0, requests // 2):  # the app starts, then restarts half way: a new launch ID
            launch = _token(rng, 18, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            seq = 0
        seq += 1
        when = start + timedelta(seconds=40 * i + rng.randint(0, 9))
        ts = int(when.timestamp() * 1000)
        nonce = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        common = {"User-Agent": ua}
        kind = i % 4
        if kind == 0:  # telemetry: a JSON body
            payload = {
                "k7": device_id, "xq_a": install, "ls": launch, "ak": APP_KEY, "t": ts, "n": nonce, "seq": seq,
                "m": spec["model"], "ov": spec["os"], "sr": spec["screen"], "lc": spec["locale"],
                "ram": int(spec["ram"]), "fp": spec["fingerprint"], "it": installed.isoformat(),
                "ctx": {"u9": account},
                "ev": [{"e": "scr", "p": rng.choice(["Home", "Feed", "Settings"]), "d": rng.randint(100, 9000)}
                       for _ in range(rng.randint(1, 3))],
            }  # fmt: skip
            body = json.dumps(payload)
            digest = hashlib.md5(body.encode()).hexdigest()  # noqa: S324 - a body hash, as SDKs send
            entries.append(_entry(when, "POST", f"https://{T}/v2/e?h={digest}", body,
                                  {**common, "Content-Type": "application/json"}))  # fmt: skip
        elif kind == 1:  # config: the ID in the path and the query
            q = {"a": APP_KEY, "q1": device_id, "gid": gid, "cb": str(rng.random()), "ts": str(ts // 1000),
                 "v": SDK, "bid": spec["build"], "exp": spec["group"]}  # fmt: skip
            entries.append(_entry(when, "GET", f"https://{CFG}/c/{device_id}/s?{urlencode(q)}", None,
                                  {**common, "X-L": launch}))  # fmt: skip
        elif kind == 2:  # ads: a form, a header, cookies
            form = {"uu": ad_user, "req": nonce, "slot": "banner_320x50", "loc": spec["locale"], "os": spec["os"],
                    "dpi": spec["dpi"], "cr": spec["carrier"], "bat": str(rng.randint(20, 100))}  # fmt: skip
            entries.append(_entry(when, "POST", f"https://{ADS}/bid", urlencode(form),
                                  {**common, "Content-Type": "application/x-www-form-urlencoded", "X-Inst": install,
                                   "Cookie": f"zsid={cookie}; _c={i // 4 + 1}"}))  # fmt: skip
        else:  # a pixel
            q = {
                "r": str(rng.getrandbits(31)),
                "s": str(seq),
                "tok": token,
                "tz": spec["tz"],
                "fl": first_launch,
            }
            sig = hashlib.sha256(f"{nonce}{ts}".encode()).hexdigest()
            entries.append(_entry(when, "GET", f"https://{PX}/p.gif?{urlencode(q)}", None,
                                  {**common, "X-Req-Sig": sig}))  # fmt: skip
    har = {"log": {"version": "1.2", "creator": {"name": "benchmarks/behaviour.py", "version": "1"},
                   "entries": entries}}  # fmt: skip
    return har, truth


def truth_of(endpoint: str, where: str, path: str) -> Truth | None:
    host = endpoint.split(" ", 1)[1].split("/", 1)[0]
    key = path.lower() if where in ("header", "path") else last_key(path)
    for t in TRUTH:
        if (t.host, t.where, t.key) == (host, where, key):
            return t
    return None


def run(requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "behaviour.db"))
        try:
            values: set[str] = set()
            for seed, name in enumerate(DEVICES):
                har, ids = device_har(name, requests, seed + 1)
                path = Path(tmp) / f"{name}.har"
                path.write_text(json.dumps(har))
                replay(store, [str(path)], label=name)
                values |= ids
            result = behaviour.find(store, queries.Filters())
            added = behaviour.add(store, result)
        finally:
            store.dispose()
    reported = {truth_of(*c.place): c for c in result.candidates}
    why = {truth_of(*p): reason for p, reason in result.outcome.rejected.items()}
    false = [c for t, c in reported.items() if t is None or not t.identifier]
    tp = [t for t in reported if t is not None and t.identifier]
    positives = [t for t in TRUTH if t.identifier]
    rows = []
    for t in TRUTH:
        got = "reported" if t in reported else why.get(t, "not seen")
        ok = (t in reported) == t.identifier
        rows.append((t, got, ok))
    wrong_values = [c for c in result.candidates if set(c.values.values()) - values]
    return {
        "devices": result.devices, "flows": result.flows, "places": len(result.candidates), "added": added,
        "precision": len(tp) / len(reported) if reported else 1.0, "recall": len(tp) / len(positives),
        "tp": len(tp), "positives": len(positives), "false": false, "rows": rows,
        "wrong_values": wrong_values, "example": result.candidates[0].evidence if result.candidates else "",
        "unlabelled": sorted(p for p in result.outcome.rejected if truth_of(*p) is None),
    }  # fmt: skip


def table(r: dict[str, Any]) -> str:
    lines = ["| value | where | key | an identifier? | phonehome says |", "|---|---|---|---|---|"]
    for t, got, ok in r["rows"]:
        mark = "" if ok else " **(wrong)**"
        lines.append(f"| {t.label} | {t.where} at {t.host} | `{t.key}` | {'yes' if t.identifier else 'no'} "
                     f"| {got}{mark} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60, help="requests per device (default 60)")
    parser.add_argument("--write", type=Path, default=None, help="put the result table in this Markdown file")
    args = parser.parse_args()
    r = run(args.requests)
    line = (
        f"behaviour: {r['devices']} devices, {r['flows']} flows, {r['places']} places reported: "
        f"precision {r['precision']:.3f} recall {r['recall']:.3f} ({r['tp']} of {r['positives']} identifier "
        f"places, {len(r['false'])} false alarms, {r['added']} findings added)"
    )
    print(line)
    for c in r["false"]:
        print(f"  false alarm: {c.where} {c.path} at {c.endpoint}")
    for t, got, ok in r["rows"]:
        if not ok and t.identifier:
            print(f"  missed: {t.label} ({t.where} {t.key} at {t.host}): {got}")
    for c in r["wrong_values"]:
        print(f"  wrong values: {c.place}")
    if args.write:
        text = args.write.read_text()
        head = text.split("<!-- measured -->")[0]
        body = (f"<!-- measured -->\n\n`python benchmarks/behaviour.py --requests {args.requests}`:\n\n"
                f"    {line}\n\n{table(r)}\n\nOne finding's evidence, as stored:\n\n> {r['example']}\n")  # fmt: skip
        args.write.write_text(head + body)


if __name__ == "__main__":
    main()
