"""phonehome/guides.py: each template filled with this computer's facts, every placeholder used."""

from __future__ import annotations

import pytest

from phonehome.guides import APEX_STORE, PLATFORMS, STORE, Facts, guide

FACTS = Facts(ca="/home/me/.mitmproxy/mitmproxy-ca-cert.cer", name="c8750f0d.0", ca_note="Found.", port=8123)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_guide_is_filled_in(platform: str) -> None:
    text = guide(platform, FACTS)
    assert "{" not in text and "}" not in text  # no placeholder left behind
    assert "mitm.it" in text or FACTS.ca in text
    assert "afterwards" in text.lower() or "remove" in text.lower()  # every guide says how to undo it


def test_android_names_the_system_store_and_android_14() -> None:
    text = guide("android", FACTS)
    assert FACTS.name in text and STORE in text and APEX_STORE in text and "Android 14" in text


def test_emulator_uses_the_port_and_a_writable_system() -> None:
    text = guide("emulator", FACTS)
    assert "8123" in text and "-writable-system" in text and "adb root" in text


def test_ios_turns_on_full_trust() -> None:
    assert "Certificate Trust Settings" in guide("ios", FACTS)


def test_an_unknown_platform_is_refused() -> None:
    with pytest.raises(KeyError):
        guide("windows-phone", FACTS)
