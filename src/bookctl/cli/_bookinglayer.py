"""The Bookinglayer-only commands' shared piece: the provider, or a clear refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookctl.cli.context import Application
from bookctl.core.errors import UsageError

if TYPE_CHECKING:
    from bookctl.providers.bookinglayer.client import Bookinglayer


def bookinglayer(app: Application, command: str) -> Bookinglayer:
    from bookctl.providers.bookinglayer.client import Bookinglayer

    if app.profile.provider != "bookinglayer":
        raise UsageError(
            f"'{command}' is a Bookinglayer command; profile {app.profile_name!r} is "
            f"{app.profile.provider}",
            hint="use -p sandbox or another bookinglayer profile",
        )
    provider = app.provider()
    assert isinstance(provider, Bookinglayer)  # the registry maps the key to this class
    return provider
