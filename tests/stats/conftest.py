"""Fixtures for the statistics tests."""

from __future__ import annotations

import pandas as pd
import pytest

from .helpers import make_panel


@pytest.fixture
def panel() -> pd.DataFrame:
    return make_panel()
