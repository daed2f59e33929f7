"""Google: Firebase / GA4 app measurement (protobuf) and the Mobile Ads SDK ad request.

Sources (read to learn the field meanings; nothing is copied):
- Firebase: the community proto `lari/firebase-ga4-app-measurement-protobuf` (app-measurement.proto)
  and TrackHAR's observed data for `app-measurement.com/a` (tweaselORG/TrackHAR,
  src/adapters/google.ts; trackers.tweasel.org/t/google/app-measurement).  The two agree on the
  bundle layout: the body is a batch whose field 1 is a repeated bundle; inside a bundle 9 is the
  OS version, 10 the device model, 19 the resettable device ID (the GAID / IDFA: TrackHAR observed
  advertising IDs there), 21 the app instance ID, 27 the vendor-scoped ID (IDFV on iOS) and 30 the
  Firebase installation ID.  Decompiled Play services code (the bundle's `toString`, which names
  `app_instance_id`, `resettable_device_id`, `os_version`, `device_model`) confirms the names.
- Checkin: the `AndroidCheckinRequest` message as documented by the open-source microG project
  (microg/GmsCore, `checkin.proto`, Apache-2.0): 1 imei, 4 checkin (4.1 build: 4.1.10 sdkVersion,
  4.1.11 model; 4.6 cellOperator and 4.7 simOperator as MCC+MNC digits), 9 macAddr (repeated hex,
  no separators), 10 meid, 16 serialNumber.
- Ads: Google Ad Manager's targeting-parameter help (support.google.com/admanager/answer/7320899,
  via TrackHAR research-docs/google/rdid.md): `rdid` is the resettable device identifier (GAID,
  IDFA).  TrackHAR's `doubleclick-mads-gma` adapter: `msid` carries the app ID, `submodel` the
  device model, `os_version` the OS version.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter, When
from phonehome.classifiers.model import Kind, Where

FIREBASE = Adapter(
    name="google-firebase",
    hosts=("app-measurement.com",),  # also region1.app-measurement.com
    path=r"^/a$",
    where=frozenset({Where.BODY}),
    fields={
        # Protobuf paths are field numbers from the body root: bundle (1) -> field.
        "1.9": Kind.OS_VERSION,
        "1.10": Kind.DEVICE_MODEL,
        "1.19": Kind.ADVERTISING_ID,  # resettable_device_id; all zeros when ad tracking is limited
        "1.21": Kind.DEVICE_ID,  # app_instance_id: Analytics' per-installation ID
        "1.27": Kind.DEVICE_ID,  # vendor-scoped device ID (IDFV)
        "1.30": Kind.DEVICE_ID,  # firebase_instance_id
        # Event parameters (1.2.1): name in 1, string value in 2.  `_sn` is the screen name and
        # `_sc` the screen class the automatic screen_view event reports.
        "1.2.1.2": When(Kind.APP_ACTIVITY, "1", frozenset({"_sn", "_sc", "_pn", "_pc"})),
    },
)

ADS = Adapter(
    name="google-ads",
    hosts=("googleads.g.doubleclick.net",),
    path=r"^/mads/gma",
    fields={
        "rdid": Kind.ADVERTISING_ID,
        # `msid` (the package of the app showing the ad) names the sending app itself, not something the
        # user did: DESIGN has no kind for that, so it is left out.
        "submodel": Kind.DEVICE_MODEL,
        "os_version": Kind.OS_VERSION,
    },
)

CHECKIN = Adapter(
    name="google-checkin",
    hosts=("android.clients.google.com",),
    path=r"^/checkin",
    where=frozenset({Where.BODY}),
    fields={
        "1": Kind.IMEI,
        "4.1.10": Kind.OS_VERSION,  # the API level
        "4.1.11": Kind.DEVICE_MODEL,
        "4.6": Kind.CELL_TOWER,  # the network the phone is on, MCC+MNC
        "4.7": Kind.CELL_TOWER,  # the SIM's home network, MCC+MNC
        "9": Kind.MAC_ADDRESS,
        "10": Kind.MEID,
        "16": Kind.SERIAL_NUMBER,
    },
)

ADAPTERS: tuple[Adapter, ...] = (FIREBASE, ADS, CHECKIN)
