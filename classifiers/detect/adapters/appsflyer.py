"""AppsFlyer: the Android SDK's launch / in-app event JSON to `*.appsflyer.com/api/v*/androidevent`.

Sources (read to learn the field meanings; nothing is copied): the SDK's own key table,
`com.appsflyer.ServerParameters`, as shipped in apps (e.g. Seltraeh/Brave-Frontier-Offline,
smali/com/appsflyer/ServerParameters.smali; ibeae/tcash, com/appsflyer/ServerParameters.java):
ADVERTISING_ID_PARAM = `advertiserId`, AF_USER_ID = `uid` (the AppsFlyer ID),
ORIGINAL_AF_UID = `originalAppsflyerId`, DEVICE_FINGER_PRINT_ID = `deviceFingerPrintId`,
ANDROID_ID = `android_id`, IMEI = `imei`, OAID = `oaid`, AMAZON_AID = `amazon_aid`,
MODEL = `model`, CARRIER = `carrier`, OPERATOR = `operator`.  A decompiled AppsFlyerLib shows
where they go: `imei` is TelephonyManager.getDeviceId(), `android_id` is Settings.Secure
ANDROID_ID, `operator` / `carrier` are the network and SIM operator names, all at the top level;
`deviceData` holds only the CPU ABI, build display ID, battery, sensors and `loc` (lat/lon, which
the generic location detector pairs).
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter
from phonehome.classifiers.model import Kind

EVENTS = Adapter(
    name="appsflyer",
    hosts=("appsflyer.com", "appsflyersdk.com"),
    path=r"/api/v[\d.]+/androidevent",
    fields={
        "advertiserId": Kind.ADVERTISING_ID,
        "oaid": Kind.ADVERTISING_ID,
        "amazon_aid": Kind.ADVERTISING_ID,
        "uid": Kind.DEVICE_ID,
        "originalAppsflyerId": Kind.DEVICE_ID,
        "deviceFingerPrintId": Kind.DEVICE_ID,
        "android_id": Kind.ANDROID_ID,
        "imei": Kind.IMEI,
        "model": Kind.DEVICE_MODEL,
        "carrier": Kind.CARRIER,
        "operator": Kind.CARRIER,
    },
)

ADAPTERS: tuple[Adapter, ...] = (EVENTS,)
