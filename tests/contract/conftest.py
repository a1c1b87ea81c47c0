"""Contract tests: each provider's stage commands against stubs built from its documents.

Nothing here (or in any test of this folder) imports ``bookctl.sandbox``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from tests.conftest import Cli
from tests.contract.stub import VARIANTS

#: The profile every contract test configures; the stub serves this host only.
PROFILE = "doc"


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Retries happen as in production, without their backoff sleeps."""
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> str:
    """Each test runs against the documented payloads, with extras, and with types swapped."""
    value: str = request.param
    return value


def add_profile(cli: Cli, provider: str, base_url: str, key: str, *extra: str) -> None:
    """``profile add doc --provider P --base-url URL --api-key-stdin`` (the key from stdin)."""
    result = cli(
        "profile",
        "add",
        PROFILE,
        "--provider",
        provider,
        "--base-url",
        base_url,
        *extra,
        "--api-key-stdin",
        "--use",
        stdin=f"{key}\n",
    )
    assert result.exit_code == 0, result
