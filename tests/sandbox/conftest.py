"""Fixtures for the sandbox tests: a fresh sandbox on its own SQLite file per test."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # Starlette warns about httpx in its TestClient; the brief asks for this client.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from bookctl.sandbox.app import create_app

from .helpers import AUTH


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "s.db"


@pytest.fixture
def client(db_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db_path), headers=AUTH) as test_client:
        yield test_client
