"""Huawei HiAnalytics (HMS Analytics and the OS's own HiAnalytics): `metrics*.data.hicloud.com`,
`*.dt.hicloud.com`.

Sources (read to learn the field meanings; nothing is copied), all decompiled from apps that ship
the SDK:
- `com.huawei.hianalytics` / `com.huawei.hms.analytics` upload tasks set the HTTP header
  `Device-Type` to Build.MODEL (next to App-Id, App-Ver, Sdk-Name, servicetag).
- The ROM attribute collectors (`com.huawei.hms.hatool.g1`, `com.huawei.hianalytics.v2.a.a.h`,
  RomAttributeCollector implementations) build a flat object with `_model` (Build.MODEL) and,
  in newer versions, `_os_ver`; `_rom_ver` is Build.DISPLAY, a build string, so it is not used.
- The HMS device attribute collectors (`com.huawei.hms.analytics.br` / `bv`) build a flat object
  with `aaid` (the app instance ID) and `oaid`.
Event bodies are normally AES-encrypted; those object keys only apply when a body decodes, and the
layout around the objects is not documented, so they are matched at the top level or one level
down.  The headers are always readable.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter, Meaning
from phonehome.classifiers.model import Kind

_COLLECTED: dict[str, Meaning] = {
    "_model": Kind.DEVICE_MODEL,
    "_os_ver": Kind.OS_VERSION,
    "aaid": Kind.DEVICE_ID,
    "oaid": Kind.ADVERTISING_ID,
}

HIANALYTICS = Adapter(
    name="huawei-hianalytics",
    hosts=("data.hicloud.com", "dt.hicloud.com"),
    fields={
        "device-type": Kind.DEVICE_MODEL,  # the request header, lower-cased by the decoder
        **{f"{parent}{key}": meaning for parent in ("", "*.") for key, meaning in _COLLECTED.items()},
    },
)

ADAPTERS: tuple[Adapter, ...] = (HIANALYTICS,)
