"""Xiaomi: OneTrack and MiStat telemetry, and Sensors Analytics as used by Mi Browser / Mint Browser.

Sources (read to learn the field meanings; nothing is copied):
- OneTrack, decompiled from Xiaomi apps: `com.xiaomi.onetrack.e.b` names the keys of each event's
  header object `H` (`event`, `imei`, `oaid`, `sn`, `gaid`, `android_id`, `instance_id`, `mfrs`,
  `model`, `platform`, `miui`, `build`, `os_ver`, ...), and `com.xiaomi.onetrack.api.c` wraps
  every event as {"H": header, "B": body}; `com.xiaomi.onetrack.util.q` (OsUtil) shows `os_ver`
  is Build.VERSION.RELEASE.  Hosts: tracking.{,intl.,india.,rus.}miui.com, paths /track/...
  Many OneTrack uploads are AES-encrypted; only plain ones reach these rules.
- MiStat, decompiled `com.xiaomi.mistatistic.sdk` (RemoteDataUploadJob): a form POST to
  data.mistat.xiaomi.com/mistats{,/v2} with `app_id`, `app_key`, `device_id`, `channel`, `version`
  and an encrypted `stat_value`.
- Sensors Analytics: sensorsdata/sa-sdk-android, SensorsDataAPI.java: every event carries
  `distinct_id` (anonymous or login ID) and preset properties `$model` (Build.MODEL), `$os_version`,
  `$carrier` and `$device_id` (Settings.Secure ANDROID_ID); auto-tracked `$AppViewScreen` events
  name the screen in `$screen_name`.  The form body is `data_list=base64(gzip(JSON array))`.
  Mi Browser's own event properties `url` and the search word (`search_word` / `keyword`) are
  named for what they hold; W. Palant's analysis of Mint Browser 3.4.0 (palant.info, 2020-05-04)
  and the Forbes report describe visited URLs and searches going to sa.api.intl.miui.com.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter, Meaning
from phonehome.classifiers.model import Hash, Kind

# OneTrack's per-event header.  `imei` is left out: the SDK helper that fills it may hash it, and
# the generic key detector already recognises both shapes under that key.
_ONETRACK_HEADER: dict[str, Meaning] = {
    "oaid": Kind.ADVERTISING_ID,
    "gaid": Kind.ADVERTISING_ID,
    "android_id": Kind.ANDROID_ID,
    "instance_id": Kind.DEVICE_ID,
    "sn": Kind.SERIAL_NUMBER,
    "model": Kind.DEVICE_MODEL,
    "os_ver": Kind.OS_VERSION,
}

ONETRACK = Adapter(
    name="xiaomi-onetrack",
    hosts=("tracking.miui.com", "tracking.intl.miui.com", "tracking.india.miui.com", "tracking.rus.miui.com"),
    path=r"^/track/",
    # A single event is {"H": ..., "B": ...}; a batch is a list of them.
    fields={
        f"{batch}H.{key}": meaning for batch in ("", "[*].") for key, meaning in _ONETRACK_HEADER.items()
    },
)

MISTAT = Adapter(
    name="xiaomi-mistat",
    hosts=(
        "data.mistat.xiaomi.com",
        "data.mistat.intl.xiaomi.com",
        "data.mistat.india.xiaomi.com",
        "data.mistat.rus.xiaomi.com",
    ),  # fmt: skip
    path=r"^/mistats",
    # MiStat's `device_id` is the MD5 of the IMEI (hex, either case).
    fields={"device_id": (Kind.IMEI, Hash.MD5)},
)

_SENSORS_EVENT: dict[str, Meaning] = {
    "distinct_id": Kind.DEVICE_ID,
    "anonymous_id": Kind.DEVICE_ID,
    "properties.$device_id": Kind.ANDROID_ID,
    "properties.$model": Kind.DEVICE_MODEL,
    "properties.$os_version": Kind.OS_VERSION,
    "properties.$carrier": Kind.CARRIER,
    "properties.$screen_name": Kind.APP_ACTIVITY,
    # Mi Browser's own properties: the page visited and the words searched for.
    "properties.url": Kind.VISITED_URL,
    "properties.search_word": Kind.SEARCH_QUERY,
    "properties.keyword": Kind.SEARCH_QUERY,
}

SENSORS = Adapter(
    name="xiaomi-sensors",
    hosts=("sa.api.intl.miui.com",),
    fields={f"data_list[*].{key}": meaning for key, meaning in _SENSORS_EVENT.items()},
)

ADAPTERS: tuple[Adapter, ...] = (ONETRACK, MISTAT, SENSORS)
