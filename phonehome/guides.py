"""The certificate steps `phonehome setup android|ios|emulator` prints: plain text, 80 columns.

Each guide is a template filled with this computer's facts: where the CA certificate is, the file
name Android's system store needs for it, and the proxy's port.  Long paths may run past 80
columns; everything else fits.
"""

from __future__ import annotations

from dataclasses import dataclass

PLATFORMS = ("android", "ios", "emulator")
STORE = "/system/etc/security/cacerts"
APEX_STORE = "/apex/com.android.conscrypt/cacerts"
MITMPROXY_ANDROID_DOC = "https://docs.mitmproxy.org/stable/howto-install-system-trusted-ca-android/"


@dataclass(frozen=True, slots=True)
class Facts:
    """What a guide says about this computer."""

    ca: str  # the CA certificate's path, as the user would type it
    name: str  # its file name in Android's system store, `<hash>.0`
    ca_note: str  # one paragraph: found, not created yet, or unreadable
    port: int = 8080


def guide(platform: str, facts: Facts) -> str:
    """The steps for `platform` (one of PLATFORMS), filled in with `facts`."""
    template = {"android": ANDROID, "ios": IOS, "emulator": EMULATOR}[platform]
    return template.format(
        ca=facts.ca,
        name=facts.name,
        ca_note=facts.ca_note,
        port=facts.port,
        store=STORE,
        apex=APEX_STORE,
        doc=MITMPROXY_ANDROID_DOC,
    )


ANDROID = """\
Android: the proxy and the certificate
======================================
{ca_note}

1. Point the phone at the proxy
   Settings → Network & internet → Wi-Fi → your network → Edit (pencil) →
   Advanced options → Proxy: Manual. Host: the address `phonehome capture`
   printed. Port: {port}. Save. (Names vary a little between makers.)

2. Install the certificate as a user CA
   In Chrome on the phone open http://mitm.it and tap Android to download it.
   Then Settings → Security & privacy → More security settings →
   Encryption & credentials → Install a certificate → CA certificate →
   Install anyway, and pick the downloaded mitmproxy-ca-cert.cer.
   (Search Settings for "certificate" if your phone names it differently.)

3. Know the limit: on Android 7 and later, apps ignore user CAs
   Chrome trusts a user CA, and so do the few apps (and their web views) that
   opt in. Every other app refuses the proxy's certificate: you still see its
   plain-HTTP requests and the hosts it contacted (each refused handshake is
   recorded as a blind spot), not what it sent over HTTPS. Either accept that
   browser and WebView coverage, or put the CA in the system store: an
   emulator (phonehome setup emulator) or a rooted phone (steps 4 and 5).

4. System CA on a rooted phone, Android 7 to 13
   The system store names each certificate after its old subject hash:
     {ca}
     must become {store}/{name}
   (openssl x509 -inform PEM -subject_hash_old -in FILE | head -1 prints the
   same hash.) Where adb runs as root (userdebug builds):
     adb root
     adb remount         (if it asks for a reboot: adb reboot, adb root,
                          adb remount again)
     adb push {ca} \\
       {store}/{name}
     adb shell chmod 644 {store}/{name}
     adb reboot
   With Magisk instead: while the proxy is set, open http://mitm.it/cert/magisk
   on the phone, install the downloaded module in Magisk → Modules, reboot.
   Check: Settings → Security → Encryption & credentials →
   Trusted credentials → System lists mitmproxy.

5. Android 14 and later: the APEX certificate store
   Android 14 reads system CAs from {apex},
   a signed module that Google updates through Play system updates. It is
   read-only, even to root, and copying a file into {store}
   no longer has any effect. Root tools put the CA into every app's view of
   the store instead (in each app's mount namespace). By hand, first
     adb push {ca} /data/local/tmp/{name}
   then as root on the phone (adb shell, then su):
     mkdir -m 700 /data/local/tmp/ca-copy
     cp {apex}/* /data/local/tmp/ca-copy/
     mount -t tmpfs tmpfs {store}
     cp /data/local/tmp/ca-copy/* {store}/
     cp /data/local/tmp/{name} {store}/
     chown root:root {store}/*
     chmod 644 {store}/*
     chcon u:object_r:system_file:s0 {store}/*
     for pid in $(pidof zygote zygote64); do
       nsenter --mount=/proc/$pid/ns/mnt -- \\
         mount --bind {store} \\
         {apex}
     done
   Every app started from now on sees the CA (zygote starts them all): force-
   stop and reopen the apps you want to capture. It lasts until the next
   reboot; a Magisk module that does this at each boot is the usual way. Or
   use an emulator with Android 13 (API 33) or lower, where step 4 works.
   mitmproxy's notes on a system CA:
   {doc}

6. Afterwards: remove the proxy and the CA
   Wi-Fi → your network → Edit → Advanced options → Proxy: None.
   User CA: Settings → Security & privacy → More security settings →
   Encryption & credentials → User credentials → mitmproxy → Remove.
   System CA (step 4): adb root, adb remount,
     adb shell rm {store}/{name}, adb reboot;
   with Magisk, remove the module in Magisk → Modules and reboot.
   Android 14 (step 5): reboot the phone.
"""

IOS = """\
iPhone and iPad: the proxy and the certificate
==============================================
{ca_note}

1. Point the phone at the proxy
   Settings → Wi-Fi → (i) next to your network → Configure Proxy → Manual.
   Server: the address `phonehome capture` printed. Port: {port}.
   Authentication: on, with the user and password, if you used --proxyauth.

2. Download the certificate
   In Safari (not another browser) open http://mitm.it, tap iOS, then Allow.

3. Install it
   Settings → General → VPN & Device Management → mitmproxy → Install, enter
   the passcode, Install. (Settings also shows "Profile Downloaded" at the top.
   On iOS 14 and older the menu is General → Profiles.)

4. Turn on full trust: installed is not enough
   Settings → General → About → Certificate Trust Settings → switch on
   mitmproxy → Continue. Without this, HTTPS still fails.

5. Check
   HTTPS sites open in Safari without a warning, and the capture counts flows.

Limits
   Apps that pin their server's certificate refuse the proxy's: each refused
   handshake is recorded as a blind spot (who the app talks to, not what).
   QUIC (HTTP/3 over UDP) and apps that ignore the Wi-Fi proxy bypass it: use
   phonehome capture --mode wireguard with the WireGuard app instead.

6. Afterwards: remove the proxy and the CA
   Settings → Wi-Fi → (i) → Configure Proxy → Off.
   Settings → General → VPN & Device Management → mitmproxy → Remove Profile
   (its Certificate Trust Settings switch goes with it).
   If you used WireGuard mode: delete the tunnel in the WireGuard app.
"""

EMULATOR = """\
Android emulator: a system CA without a rooted phone
====================================================
{ca_note}

1. Create a virtual device (AVD)
   Android Studio → Device Manager → Create device, with a system image
   WITHOUT Google Play ("Google APIs" or AOSP): Play images refuse adb root.
   Android 13 (API 33) or lower keeps it simple; Android 14 and later read
   the APEX store (phonehome setup android, step 5). Put the SDK's emulator/
   and platform-tools/ folders on your PATH.

2. Start the capture on this computer
   phonehome capture --listen-host 127.0.0.1 --listen-port {port}
   (Its first run creates the CA certificate, if it does not exist yet.)

3. Start the emulator with a writable system and the proxy
   emulator -list-avds
   emulator -avd NAME -writable-system -http-proxy 127.0.0.1:{port}
   Instead of -http-proxy, set the emulator's Wi-Fi proxy to host 10.0.2.2
   (the emulator's address for this computer) and port {port}.

4. Put the CA in the system store
   adb root
   adb shell avbctl disable-verification     (Android 10 and later; then:)
   adb reboot
   adb root
   adb remount         (if it asks for a reboot: adb reboot, adb root,
                        adb remount again)
   adb push {ca} \\
     {store}/{name}
   adb shell chmod 644 {store}/{name}
   adb reboot
   Always start this AVD with -writable-system: without it, it boots the
   clean system image, without the CA. mitmproxy's notes:
   {doc}

5. Check
   Settings → Security → Encryption & credentials → Trusted credentials →
   System lists mitmproxy; apps' HTTPS requests appear in the capture.

6. Afterwards
   Start the AVD without -writable-system (the clean image), or wipe it
   (Device Manager → Wipe Data); or adb root, adb remount,
   adb shell rm {store}/{name}, adb reboot.
   A Wi-Fi proxy set by hand: set it back to None.
"""
