"""Adjust: the SDK's activity packages to `app.adjust.com` (form bodies; `/attribution` as a query).

Sources (read to learn the field meanings; nothing is copied):
- adjust/android_sdk, Adjust/sdk-core/src/main/java/com/adjust/sdk/PackageBuilder.java: the
  package paths and the keys `android_uuid` (the SDK's install UUID), `gps_adid`, `fire_adid`,
  `google_app_set_id`, `android_id`, `fb_id`, `external_device_id`, `device_name`, `os_version`.
- Adjust/sdk-core/.../DeviceInfo.java: `device_name` is Build.MODEL, `os_version` is
  Build.VERSION.RELEASE, `fb_id` the Facebook attribution ID read from the Facebook app.
- Adjust/plugins/sdk-plugin-imei/.../TelephonyIdsUtil.java: `imei`, `meid`;
  Adjust/plugins/sdk-plugin-oaid/.../AdjustOaid.java: `oaid`.
- iOS keys (`idfa`, `idfv`, `ios_uuid`, `persistent_ios_uuid`, `fb_anon_id`) and the extra hosts
  from TrackHAR (tweaselORG/TrackHAR, src/adapters/adjust.ts and research-docs/adjust/).
Left out on purpose: `mcc` / `mnc` (not a full cell), `device_manufacturer`, `network_type`.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter
from phonehome.classifiers.model import Kind

PACKAGES = Adapter(
    name="adjust",
    hosts=("adjust.com", "adjust.net.in", "adjust.world"),
    path=(
        r"^/(?:session|event|sdk_click|sdk_info|attribution|third_party_sharing|ad_revenue"
        r"|measurement_consent|gdpr_forget_device|v2/purchase)/?$"
    ),
    fields={
        "gps_adid": Kind.ADVERTISING_ID,
        "fire_adid": Kind.ADVERTISING_ID,
        "oaid": Kind.ADVERTISING_ID,
        "idfa": Kind.ADVERTISING_ID,
        "android_uuid": Kind.DEVICE_ID,
        "ios_uuid": Kind.DEVICE_ID,
        "persistent_ios_uuid": Kind.DEVICE_ID,
        "idfv": Kind.DEVICE_ID,
        "google_app_set_id": Kind.DEVICE_ID,
        "fb_id": Kind.DEVICE_ID,
        "fb_anon_id": Kind.DEVICE_ID,
        "external_device_id": Kind.DEVICE_ID,
        "android_id": Kind.ANDROID_ID,
        "imei": Kind.IMEI,
        "meid": Kind.MEID,
        "device_name": Kind.DEVICE_MODEL,
        "os_version": Kind.OS_VERSION,
    },
)

ADAPTERS: tuple[Adapter, ...] = (PACKAGES,)
