"""Shared fixtures: every test gets its own cache folder, so tests never see a reader's cache."""

import pytest


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XAIAUDIO_CACHE", str(folder))
    return folder
