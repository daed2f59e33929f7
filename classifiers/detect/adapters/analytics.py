"""Web analytics and ad tech: the tracking IDs their endpoints receive in queries and bodies.

Each parameter means "this browser's ID" only at the endpoint that documents it (Google's `cid` is
the Analytics client ID; elsewhere `cid` is a campaign, a cell or a customer), so each is scoped
to its receiver here.  Sources (public documentation; read to learn the meanings, nothing copied):
- Google Analytics Measurement Protocol (v1 `/collect`, GA4 `/g/collect`): `cid` client ID,
  `uid` the site's user ID, `_fid` the Firebase instance in GA4 web streams.
- Microsoft Advertising UET tag (`bat.bing.com/action/0`): `sid` session ID (the `_uetsid`
  cookie), `vid` visitor ID (`_uetvid`).
- Meta Pixel (`facebook.com/tr`): `fbp` browser ID (the `_fbp` cookie), `fbc` click ID (`_fbc`).
- Adobe Analytics data insertion (`/b/ss/<suite>/`, on the customer's own tracking domain):
  `mid` Experience Cloud ID (MCMID), `aid` legacy analytics visitor ID (`s_vi`), `vid` custom visitor
  ID, `fid` the fallback visitor ID (`s_fid`), `vidn` a new visitor ID; Adobe Audience Manager (`demdex.net`): `d_mid`.
- Segment HTTP tracking API (`api.segment.io/v1/`): `anonymousId`, `userId`.
- Amplitude HTTP API (`api2.amplitude.com/2/httpapi`, `/batch`): `device_id`, `user_id`.
- Mixpanel ingestion (`api.mixpanel.com/track`, `/engage`): `distinct_id`, `$device_id`.
- Comscore (`scorecardresearch.com/b`, `/p`): `c12` the visitor ID.
- Quantcast (`pixel.quantserve.com/pixel`): `fpa` the first-party cookie ID.
- The Trade Desk (`adsrvr.org`): `tdid`; Criteo (`criteo.com`, `criteo.net`): `uid`.
- Cookie syncing: Index Exchange (`casalemedia.com`) `external_user_id`, Sonobi `nuid`: a partner's user ID.
- Chartbeat pings (`ping.chartbeat.net`): `u`, the user ID.
- Tealium (`tealiumiq.com` collect and visitor service, `tiqcdn.com` tags): `tealium_visitor_id`, `tealium_vid`.
- Branch (`api.branch.io`, `api2.branch.io`): `identity_id` (the install's Branch identity), and
  `device_fingerprint_id` (Branch's ID for the device: a device ID).
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters.base import Adapter
from phonehome.classifiers.model import Kind, Where

T = Kind.TRACKING_ID
_NOT_COOKIES = frozenset({Where.QUERY, Where.BODY, Where.PATH})

ADAPTERS: tuple[Adapter, ...] = (
    # GA4 through a site's own server-side tag manager: the same protocol on the site's domain.  First,
    # so that at Google's own hosts (where both match) Google's adapter names the finding.
    Adapter(
        name="google-analytics-server-side",
        label="Google Analytics client ID (server-side tagging)",
        hosts=(),
        path=r"/g/collect$",
        keys={"cid": T, "uid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="google-analytics",
        label="Google Analytics client ID",
        hosts=("google-analytics.com", "analytics.google.com"),
        path=r"/(?:g/|r/|j/)?collect",
        keys={"cid": T, "uid": T, "fid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="bing-uet",
        label="Microsoft Bing Ads (UET) ID",
        hosts=("bat.bing.com", "bat.bing.net"),
        keys={"sid": T, "vid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="meta-pixel",
        label="Facebook (Meta) Pixel browser ID",
        hosts=("facebook.com", "facebook.net"),
        path=r"^/tr/?$",
        keys={"fbp": T, "fbc": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="adobe-analytics",
        label="Adobe Analytics visitor ID",
        hosts=(),
        path=r"/b/ss/",
        keys={"mid": T, "aid": T, "vid": T, "mcmid": T, "fid": T, "vidn": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="adobe-audience-manager",
        label="Adobe Audience Manager ID",
        hosts=("demdex.net",),
        keys={"dmid": T, "duuid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="segment",
        label="Segment ID",
        hosts=("api.segment.io", "api.segment.com", "cdn.segment.com"),
        keys={"anonymousid": T, "userid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="amplitude",
        label="Amplitude ID",
        hosts=("api.amplitude.com", "api2.amplitude.com", "api.eu.amplitude.com"),
        keys={"deviceid": T, "userid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="mixpanel",
        label="Mixpanel ID",
        hosts=("api.mixpanel.com", "api-js.mixpanel.com", "api-eu.mixpanel.com"),
        keys={"distinctid": T, "deviceid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="comscore",
        label="Comscore visitor ID",
        hosts=("scorecardresearch.com",),
        keys={"c12": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="quantcast",
        label="Quantcast browser ID",
        hosts=("quantserve.com", "quantcount.com"),
        keys={"fpa": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="the-trade-desk",
        label="The Trade Desk user ID",
        hosts=("adsrvr.org",),
        keys={"tdid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="tealium",
        label="Tealium visitor ID",
        hosts=("tealiumiq.com", "tiqcdn.com"),
        keys={"tealiumvisitorid": T, "tealiumvid": T},
    ),
    Adapter(
        name="branch",
        label="Branch ID",
        hosts=("api.branch.io", "api2.branch.io", "api3.branch.io"),
        keys={"identityid": T, "devicefingerprintid": Kind.DEVICE_ID},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="index-exchange-sync",
        label="a partner's user ID synced to Index Exchange (Casale)",
        hosts=("casalemedia.com",),
        keys={"externaluserid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="sonobi-sync",
        label="a partner's user ID synced to Sonobi",
        hosts=("sonobi.com",),
        keys={"nuid": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="chartbeat",
        label="Chartbeat user ID",
        hosts=("chartbeat.net",),
        keys={"u": T},
        where=_NOT_COOKIES,
    ),
    Adapter(
        name="criteo",
        label="Criteo user ID",
        hosts=("criteo.com", "criteo.net"),
        keys={"uid": T},
        where=_NOT_COOKIES,
    ),
)
