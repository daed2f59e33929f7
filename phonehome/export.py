"""`phonehome export --format har`: stored flows back out as HAR, for other tools, redacted by default.

Redacted (the default): every value phonehome found is masked wherever it appears in URLs and
headers, identifier-like query values are masked, credentials (Authorization, Cookie, tokens) are
masked, and request bodies that carried findings are left out with a note saying so.  `--reveal`
writes the flows exactly as stored.  The file is created 0600 either way: it is still a record of
someone's traffic.

Grouped by device: each (session, device) is one HAR page, titled `session · device`, and every
entry points to it with `pageref` and names its `_session` and `_device`, so HAR viewers list the
requests device by device.  Redacted, a device known only by its address is called `device 1`,
`device 2`, ... (the phone's own address is personal data); a name the user gave it is kept.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from phonehome.classifiers.model import split_url
from phonehome.db import queries
from phonehome.db.reanalyze import exchange_of
from phonehome.db.store import Store
from phonehome.redact import Redactor, hide_passwords, mask
from phonehome.sources.harwrite import har_entry

_SECRET_HEADER = re.compile(r"authorization|cookie|token|auth|session|api[-_]?key|secret|signature", re.I)


def redact_entry(entry: dict[str, Any], r: Redactor, findings: int) -> dict[str, Any]:
    req = entry["request"]
    req["url"] = r.url(req["url"])
    for h in req["headers"]:
        h["value"] = mask(h["value"], 0, 0) if _SECRET_HEADER.search(h["name"]) else r.text(h["value"])
    for q in req["queryString"]:
        q["value"] = r.text(q["value"])
    q_masked = dict(_query_pairs(req["url"]))
    for q in req["queryString"]:
        if q["name"] in q_masked:
            q["value"] = q_masked[q["name"]]
    for h in entry["response"]["headers"]:
        if _SECRET_HEADER.search(h["name"]):
            h["value"] = mask(h["value"], 0, 0)
    post = req.get("postData")
    if post is not None:
        if findings or post.get("encoding") == "base64":
            req["postData"] = {"mimeType": post.get("mimeType", ""), "text": ""}
            entry["_phonehome"] = (
                f"request body left out by redaction ({findings} findings in it); export with --reveal to keep it"
            )
        else:
            post["text"] = r.text(post["text"])
    entry.pop("_clientAddress", None)
    return entry


def _query_pairs(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(split_url(url).query, keep_blank_values=True)


def hide_entry_passwords(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as `--reveal` writes it: everything as captured except passwords."""
    req = entry["request"]
    req["url"] = hide_passwords(req["url"])
    for h in req.get("headers", []):
        h["value"] = hide_passwords(h["value"])
    for q in req.get("queryString", []):
        q["value"] = hide_passwords(f"{q['name']}={q['value']}").partition("=")[2]
    post = req.get("postData")
    if post:
        if "text" in post:
            post["text"] = hide_passwords(post["text"])
        for p in post.get("params", []):
            p["value"] = hide_passwords(f"{p['name']}={p.get('value', '')}").partition("=")[2]
    return entry


def _pages(
    rows: list[tuple[Any, Any]], labels: dict[int, str], reveal: bool
) -> dict[tuple[int, str], dict[str, Any]]:
    """One HAR page per (session, device), in the order their first flows came (rows are by time)."""
    pages: dict[tuple[int, str], dict[str, Any]] = {}
    hidden: dict[str, str] = {}
    for flow, _ in rows:
        key = (flow.session_id, flow.device)
        if key in pages:
            continue
        device = flow.device
        if not reveal and _is_address(device):
            device = hidden.setdefault(device, f"device {len(hidden) + 1}")
        label = labels.get(flow.session_id, "")
        pages[key] = {
            "startedDateTime": flow.time.isoformat(),
            "id": f"page_{len(pages) + 1}",
            "title": f"{label} · {device}",
            "pageTimings": {},
            "_session": label,
            "_device": device,
        }
    return pages


def _is_address(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def export_har(
    store: Store, f: queries.Filters, path: str | os.PathLike[str], *, reveal: bool = False
) -> int:
    """Write the flows of `f` to `path`; returns how many."""
    rows = list(queries.flow_rows(store, f))
    r = Redactor((kv for _, found in rows for kv in found), reveal=reveal)
    pages = _pages(rows, store.session_labels(), reveal)
    target = Path(path)
    fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.chmod(target, 0o600)  # an existing file keeps its old mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write('{"log":{"version":"1.2","creator":{"name":"phonehome","version":"0.1"},')
        out.write(
            f'"comment":{json.dumps("redacted by phonehome" if not reveal else "full values")},'
            f'"pages":{json.dumps(list(pages.values()), ensure_ascii=False)},"entries":[\n'
        )
        for i, (flow, found) in enumerate(rows):
            entry = har_entry(exchange_of(flow))
            entry = redact_entry(entry, r, len(found)) if not reveal else hide_entry_passwords(entry)
            page = pages[(flow.session_id, flow.device)]
            entry.update(pageref=page["id"], _session=page["_session"], _device=page["_device"])
            out.write((",\n" if i else "") + json.dumps(entry, ensure_ascii=False))
        out.write("\n]}}\n")
    return len(rows)
