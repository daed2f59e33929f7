"""Umeng (U-App analytics): `ulogs.umeng.com`, `alog.umeng.com`, `plbslog.umeng.com`.

Sources (read to learn the field meanings; nothing is copied), decompiled from apps that ship the
SDK:
- The Umeng header serializer (`b.a.at` / `u.aly` in older SDKs) names the header keys: `idmd5`
  (DeviceConfig.getDeviceIdUmengMD5: MD5 of the device ID, IMEI where readable), `device_id`,
  `mc` (the MAC address), `device_model`, `os_version`, `carrier`, `mccmnc`, `device_manufacturer`,
  `resolution`, ...
- `com.umeng.commonsdk.framework.UMEnvelopeBuild` callers hand the envelope builder a message
  {"header": ..., "content": ...}; the envelope may be encrypted, in which case nothing decodes.
- `oaid`, `utdid` (the Alibaba/Umeng device ID) and `imei_md5` are named for what they hold.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter, Meaning
from phonehome.classifiers.model import Hash, Kind

_HEADER: dict[str, Meaning] = {
    # The digest of whichever device ID the SDK could read (IMEI, else ANDROID_ID / serial).
    # MD5 of the device ID, which is the IMEI wherever the SDK could read it.
    "idmd5": (Kind.IMEI, Hash.MD5),
    "imei_md5": (Kind.IMEI, Hash.MD5),
    "device_id": Kind.DEVICE_ID,
    "utdid": Kind.DEVICE_ID,
    "oaid": Kind.ADVERTISING_ID,
    "mc": Kind.MAC_ADDRESS,
    "device_model": Kind.DEVICE_MODEL,
    "os_version": Kind.OS_VERSION,
    "carrier": Kind.CARRIER,
}

ANALYTICS = Adapter(
    name="umeng",
    hosts=("ulogs.umeng.com", "alog.umeng.com", "plbslog.umeng.com"),
    fields={f"header.{key}": meaning for key, meaning in _HEADER.items()},
)

ADAPTERS: tuple[Adapter, ...] = (ANALYTICS,)
