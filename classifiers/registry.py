"""The explicit list of detectors, and `analyze`: one Exchange in, its Analysis out.

Decoding happens once per exchange; every detector then sees every field.  A detector that raises
is skipped for that flow and noted on it: the flow itself is always analysed and stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote

from classifiers import apps, browsing, contact, device, identifiers, location
from classifiers.decode import Limits, decode
from classifiers.destination import destination_for
from classifiers.model import Analysis, Exchange, Field, Finding

log = logging.getLogger(__name__)

Detector = Callable[[Field], list[Finding]]

# Detector ids are persisted on findings: add, never rename.
DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("imei", identifiers.detect_imei),
    ("meid", identifiers.detect_meid),
    ("android_id", identifiers.detect_android_id),
    ("advertising_id", identifiers.detect_advertising_id),
    ("mac_address", identifiers.detect_mac_address),
    ("device_id", identifiers.detect_device_id),
    ("email", contact.detect_email),
    ("phone_number", contact.detect_phone_number),
    ("coordinates", location.detect_coordinates),
    ("wifi_network", location.detect_wifi_network),
    ("cell_tower", location.detect_cell_tower),
    ("visited_url", browsing.detect_visited_url),
    ("search_query", browsing.detect_search_query),
    ("installed_apps", apps.detect_installed_apps),
    ("app_activity", apps.detect_app_activity),
    ("device_model", device.detect_device_model),
    ("os_version", device.detect_os_version),
    ("carrier", device.detect_carrier),
)


def analyze(exchange: Exchange, limits: Limits | None = None) -> Analysis:
    decoded = decode(exchange, limits)
    notes = list(decoded.notes)
    failed: set[str] = set()
    best: dict[tuple[str, str, str, str], Finding] = {}
    for fld in decoded.fields:
        for name, detect in DETECTORS:
            if name in failed:
                continue
            try:
                found = detect(fld)
            except Exception as exc:  # noqa: BLE001 - one bad detector must not lose the flow
                failed.add(name)
                notes.append(f"detector {name} failed: {type(exc).__name__}: {exc}"[:300])
                log.warning("detector %s failed on %s: %s", name, exchange.url, exc)
                continue
            for f in found:
                # A percent-encoded value and its decoded form are one finding; the decoded one
                # comes later and wins ties, so `value` is what the user would recognise.
                key = (f.kind.value, unquote(f.value), f.where.value, f.path)
                if key not in best or f.confidence >= best[key].confidence:
                    best[key] = f
    return Analysis(
        exchange=exchange,
        findings=tuple(best.values()),
        destination=destination_for(exchange.host, exchange.server_ip),
        fields=len(decoded.fields),
        notes=tuple(notes),
    )
