"""Facebook (Meta) Graph API app events: `graph.facebook.com/vNN/<app id>/activities`.

Sources (read to learn the field meanings; nothing is copied):
- facebook/facebook-android-sdk, facebook-core/src/main/java/com/facebook/internal/Utility.kt:
  `setAppEventAttributionParameters` sends `anon_id` (the SDK's per-install GUID), `attribution`
  (the attribution ID the Facebook app shares with every app on the device) and `advertiser_id`
  (the GAID), plus `ud`, the user data store; `setAppEventExtendedDeviceInfoParameters` builds the
  positional `extinfo` array: [0] format version, [1] package, [2] version code, [3] version name,
  [4] Build.VERSION.RELEASE, [5] Build.MODEL, [6] locale, [7] time-zone abbreviation, [8] carrier
  name, [9..11] screen, [12] CPU cores, [13..14] storage, [15] time-zone name.
- facebook-core/.../appevents/UserDataStore.kt: `ud` maps `em` (email) and `ph` (phone, digits
  only) to their SHA-256 digests.
- Cross-checked against TrackHAR (tweaselORG/TrackHAR, src/adapters/facebook.ts), whose
  extinfo positions agree.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter
from phonehome.classifiers.model import Hash, Kind

APP_EVENTS = Adapter(
    name="facebook-app-events",
    hosts=("graph.facebook.com",),
    path=r"^/v\d+(?:\.\d+)?/\d+/activities/?$",
    fields={
        "advertiser_id": Kind.ADVERTISING_ID,
        "anon_id": Kind.DEVICE_ID,
        "attribution": Kind.DEVICE_ID,
        "extinfo[4]": Kind.OS_VERSION,
        "extinfo[5]": Kind.DEVICE_MODEL,
        "extinfo[8]": Kind.CARRIER,
        "ud.em": (Kind.EMAIL, Hash.SHA256),
        "ud.ph": (Kind.PHONE_NUMBER, Hash.SHA256),
    },
)

ADAPTERS: tuple[Adapter, ...] = (APP_EVENTS,)
