from __future__ import annotations

from pathlib import Path

import pytest

HAR_CLIENTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "har-clients"


@pytest.fixture()
def har_clients() -> Path:
    if not HAR_CLIENTS.is_dir():
        pytest.skip("shared/data/har-clients is not beside the repository")
    return HAR_CLIENTS
