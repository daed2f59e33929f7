from __future__ import annotations

from pathlib import Path

import pytest

# Real HAR exports from mitmproxy's test data, kept in the repository (see its README.md).
HAR_CLIENTS = Path(__file__).resolve().parent.parent / "data" / "har-clients"


@pytest.fixture()
def har_clients() -> Path:
    return HAR_CLIENTS
