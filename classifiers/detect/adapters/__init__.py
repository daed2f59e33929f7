"""Endpoint adapters: data-driven field meanings for known SDK and vendor endpoints.

Each module holds the adapters of one company; `ADAPTERS` lists them all, explicitly.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters import (
    adjust,
    analytics,
    appsflyer,
    facebook,
    google,
    huawei,
    tencent,
    umeng,
    xiaomi,
)
from phonehome.classifiers.detect.adapters.base import Adapter, compile_path

ADAPTERS: tuple[Adapter, ...] = (
    google.ADAPTERS
    + facebook.ADAPTERS
    + appsflyer.ADAPTERS
    + adjust.ADAPTERS
    + xiaomi.ADAPTERS
    + huawei.ADAPTERS
    + umeng.ADAPTERS
    + tencent.ADAPTERS
    + analytics.ADAPTERS
)

__all__ = ["ADAPTERS", "Adapter", "compile_path"]
