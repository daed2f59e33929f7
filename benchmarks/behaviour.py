"""Identifiers found by behaviour, measured on two emulated devices with key names no rule knows.

    python benchmarks/behaviour.py [--requests 40] [--write docs/behaviour.md]

Builds one HAR per device: an app's telemetry, config and ad requests whose keys are obfuscated
(`k7`, `xq_a`, `zz`), carrying per-device IDs, per-install IDs and a per-session ID (the IDs to find),
and the values that must not be called IDs: nonces, timestamps, counters, body hashes, cache-busters,
the app key every install shares, the model, OS version, screen size and locale (each different
between the devices and constant within one).  Replays both through phonehome's own pipeline into a
temporary database, runs `phonehome.behaviour`, and scores it against the ground truth.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from phonehome.db import queries  # noqa: E402
from phonehome.db.store import Store  # noqa: E402

from phonehome import behaviour  # noqa: E402
from phonehome.pipeline import replay  # noqa: E402

DEVICES = {
    "phone-a": {"model": "SM-A546B", "os": "14", "screen": "1080x2340", "locale": "de_DE"},
    "phone-b": {"model": "Pixel 7a", "os": "15", "screen": "1080x2400", "locale": "en_GB"},
}
APP_KEY = "ak_7f3c9e21b04d4a6e"  # the same in every install: not an ID of a device


def _entry(when: datetime, method: str, url: str, body: str | None, headers: dict[str, str]) -> dict:
    request = {
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


def device_har(name: str, requests: int, seed: int) -> tuple[dict, set[str]]:
    """One device's capture and the values that identify it (the ground truth)."""
    rng = random.Random(seed)
    spec = DEVICES[name]
    device_id = hashlib.sha1(f"dev{name}".encode()).hexdigest()[:24]  # noqa: S324 - a made-up ID
    install = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    session = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(18))
    ad_user = f"u{rng.getrandbits(60)}"
    truth = {device_id, install, session, ad_user}
    ua = f"okhttp/4.12.0 (Linux; Android {spec['os']}; {spec['model']})"
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=seed)
    entries = []
    for i in range(requests):
        when = start + timedelta(seconds=7 * i + rng.randint(0, 3))
        ts = int(when.timestamp() * 1000)
        nonce = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        kind = i % 3
        if kind == 0:  # telemetry: JSON body
            payload = {
                "k7": device_id, "xq_a": install, "zz": session, "ak": APP_KEY, "t": ts, "n": nonce, "seq": i,
                "m": spec["model"], "ov": spec["os"], "sr": spec["screen"], "lc": spec["locale"],
                "ev": [{"e": "scr", "p": rng.choice(["Home", "Feed", "Settings"]), "d": rng.randint(100, 9000)}],
            }  # fmt: skip
            body = json.dumps(payload)
            payload_hash = hashlib.md5(body.encode()).hexdigest()  # noqa: S324 - a body hash, as SDKs send
            entries.append(_entry(when, "POST", f"https://t.obscure-sdk.example/v2/e?h={payload_hash}", body,
                                  {"Content-Type": "application/json", "User-Agent": ua}))  # fmt: skip
        elif kind == 1:  # config: query string
            q = {"a": APP_KEY, "q1": device_id, "cb": str(rng.random()), "ts": str(ts // 1000), "v": "3.14.2"}
            entries.append(_entry(when, "GET", f"https://cfg.obscure-sdk.example/c?{urlencode(q)}", None,
                                  {"User-Agent": ua, "X-Q-Sess": session}))  # fmt: skip
        else:  # ads: form body and a header
            form = {
                "uu": ad_user,
                "req": nonce,
                "slot": "banner_320x50",
                "loc": spec["locale"],
                "os": spec["os"],
            }
            entries.append(_entry(when, "POST", "https://ads.obscure-net.example/bid", urlencode(form),
                                  {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": ua,
                                   "X-Inst": install}))  # fmt: skip
    return {"log": {"version": "1.2", "creator": {"name": "benchmarks/behaviour.py", "version": "1"},
                    "entries": entries}}, truth  # fmt: skip


def run(requests: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        files, truth = [], set()
        for seed, name in enumerate(DEVICES):
            har, ids = device_har(name, requests, seed + 1)
            path = Path(tmp) / f"{name}.har"
            path.write_text(json.dumps(har))
            files.append(str(path))
            truth |= ids
        store = Store(str(Path(tmp) / "b.db"))
        try:
            for path in files:
                replay(store, [path], label=Path(path).stem)
            result = behaviour.find(store, queries.Filters(), sessions_are_devices=True)
        finally:
            store.dispose()
    found = {v for c in result.candidates for v in c.values.values()}
    tp, fp, fn = found & truth, found - truth, truth - found
    return {
        "devices": result.devices, "flows": result.flows, "places": len(result.candidates),
        "precision": len(tp) / len(found) if found else 1.0, "recall": len(tp) / len(truth),
        "true": sorted(tp), "false": sorted(fp), "missed": sorted(fn), "truth": len(truth),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args()
    r = run(args.requests)
    line = (
        f"behaviour: {r['devices']} devices, {r['flows']} flows, {r['places']} places: precision {r['precision']:.3f} "
        f"recall {r['recall']:.3f} ({len(r['true'])} of {r['truth']} IDs, {len(r['false'])} false)"
    )
    print(line)
    for v in r["false"]:
        print(f"  false: {v}")
    for v in r["missed"]:
        print(f"  missed: {v}")
    if args.write:
        args.write.write_text(
            args.write.read_text().split("<!-- measured -->")[0] + "<!-- measured -->\n\n" + line + "\n"
        )


if __name__ == "__main__":
    main()
