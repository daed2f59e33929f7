"""Endpoint adapters: data-driven field meanings for known SDK and vendor endpoints.

Each module holds the adapters of one company; `ADAPTERS` lists them all, explicitly.
"""

from __future__ import annotations

from phonehome.classifiers.detect.adapters import adjust, appsflyer, facebook, google, huawei, umeng, xiaomi
from phonehome.classifiers.detect.adapters.base import Adapter, compile_path

ADAPTERS: tuple[Adapter, ...] = (
    google.ADAPTERS
    + facebook.ADAPTERS
    + appsflyer.ADAPTERS
    + adjust.ADAPTERS
    + xiaomi.ADAPTERS
    + huawei.ADAPTERS
    + umeng.ADAPTERS
)

__all__ = ["ADAPTERS", "Adapter", "compile_path"]
