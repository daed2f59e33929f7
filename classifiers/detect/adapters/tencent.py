"""Tencent's ad network (GDT, 广点通): `gdt.qq.com`, `e.qq.com`.

Source (read to learn the meaning; nothing copied): Tencent Marketing API documentation of the
click and conversion callbacks and the ad request of the GDT SDK, which name `muid` "the device ID:
MD5 of the upper-case IMEI on Android, of the IDFA on iOS".  Elsewhere `muid` means other things
(Microsoft's random cookie ID above all), so it holds this meaning only here.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter
from phonehome.classifiers.model import Hash, Kind

ADAPTERS: tuple[Adapter, ...] = (
    Adapter(
        name="tencent-gdt",
        label="Tencent GDT documents muid as the MD5 of the IMEI",
        hosts=("gdt.qq.com", "e.qq.com"),
        keys={"muid": (Kind.IMEI, Hash.MD5)},
    ),
)
