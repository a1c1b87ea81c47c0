"""The application object: consoles, format, interactivity, stores, and the provider factory.

Commands get it with :func:`get_app`; tests drive the real CLI and swap only directories and
environment, never this object's internals.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

from bookctl.cli import hints
from bookctl.cli.app import loading_code
from bookctl.cli.options import GlobalOptions, global_options
from bookctl.core.config import (
    ConfigStore,
    Profile,
    sandbox_key,
    validate_base_url,
    with_timeouts,
)
from bookctl.core.errors import AuthError, BookctlError, UsageError
from bookctl.core.output import FORMATS, Output, TableSpec
from bookctl.core.session import SessionStore
from bookctl.providers import CATALOGUE

if TYPE_CHECKING:
    import httpx

    from bookctl.core.http import ApiClient, Pacer
    from bookctl.core.provider import Provider


class Application:
    """Everything a command needs besides its own options."""

    def __init__(self, options: GlobalOptions) -> None:
        self.options = options
        self.config = ConfigStore(catalogue=CATALOGUE)
        self.sessions = SessionStore()
        self._clients: list[ApiClient] = []
        self._transports: list[httpx.BaseTransport] = []

    # -- output ------------------------------------------------------------------------------

    @cached_property
    def output(self) -> Output:
        return Output(
            fmt=self.output_format, quiet=self.options.quiet, no_color=self.options.no_color
        )

    @property
    def output_format(self) -> str:
        if self.options.json:
            return "json"
        if self.options.output:
            if self.options.output not in FORMATS:
                raise UsageError(
                    f"--output {self.options.output!r} is not a format",
                    hint=f"choose one of: {', '.join(FORMATS)}",
                )
            return self.options.output
        return "table"

    @property
    def interactive(self) -> bool:
        """May we prompt? Never with --no-input, in CI, or when stdin is not a terminal."""
        return (
            not self.options.no_input
            and sys.stdin is not None
            and sys.stdin.isatty()
            and os.environ.get("CI", "").lower() not in ("1", "true")
        )

    def no_prompt_hint(self, instead: str) -> str:
        """A hint for when we may not ask: what to pass ``instead``, and why nothing asked."""
        if self.options.no_input:
            return f"{instead}; --no-input never asks"
        if os.environ.get("CI", "").lower() in ("1", "true"):
            return f"{instead}; nothing asks under CI"
        return f"{instead}, or run it in a terminal to be asked"

    def confirm(self, question: str, *, needs: str) -> None:
        """Ask ``question``; 'no' ends the command: ``cancelled`` on stderr, exit 0 (as gh does).

        Where we may not ask, ``needs`` (what --yes is needed for) is a usage error.
        """
        import typer

        if not self.interactive:
            raise UsageError(needs, hint=self.no_prompt_hint("pass --yes"))
        if not typer.confirm(question, default=False, err=True):
            self.output.err.print("cancelled", markup=False, highlight=False)
            raise typer.Exit(0)

    def emit(
        self,
        payload: Any,
        table: TableSpec | list[TableSpec] | None = None,
        *,
        raw: Any = None,
    ) -> None:
        """Print a result; ``--raw`` adds the provider's payload under ``raw``."""
        if self.options.raw and isinstance(payload, dict):
            payload = {**payload, "raw": raw}
        self.output.data(payload, table)

    # -- profile and provider ----------------------------------------------------------------

    @cached_property
    def profile_name(self) -> str:
        name = self.options.profile or self.config.active_name()
        hints.use_profile(name, flag=self._needs_profile_flag(name))
        return name

    def has_cart(self) -> bool:
        """Whether the profile has an open cart session."""
        return self.sessions.load(self.profile_name) is not None

    def _needs_profile_flag(self, name: str) -> bool:
        """Whether a bare ``bookctl`` in this shell would use another profile than ``name``."""
        if not self.options.profile or os.environ.get("BOOKCTL_PROFILE") == name:
            return False
        try:
            return self.config.active_name() != name
        except BookctlError:
            return True

    @cached_property
    def profile(self) -> Profile:
        profile = self.config.get(self.profile_name)
        profile = with_timeouts(profile, self.options.connect_timeout, self.options.read_timeout)
        if not profile.embedded:
            validate_base_url(profile.base_url, insecure_http=self.options.insecure_http)
        return profile

    def trace(self, line: str) -> None:
        self.output.line(line)

    def client_for(
        self,
        profile: Profile,
        auth_headers: Mapping[str, str],
        secret: str,
        *,
        pacer: Pacer | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> ApiClient:
        """The one client factory: network or embedded sandbox, same policy either way
        (``transport``: a given local one, such as a background sandbox's socket)."""
        from bookctl.core.http import (
            DEFAULT_CONNECT_TIMEOUT,
            DEFAULT_READ_TIMEOUT,
            ApiClient,
            ClientConfig,
        )

        if transport is None and profile.embedded:
            transport = self._embedded_transport(profile.provider)
        client = ApiClient(
            ClientConfig(
                base_url=profile.base_url,
                auth_headers=dict(auth_headers),
                secrets=(secret,),
                # The sandbox's own admin calls have no provider: the default headers.
                secret_headers=CATALOGUE.spec(profile.provider).secret_headers
                if profile.provider in CATALOGUE
                else ClientConfig.secret_headers,
                connect_timeout=profile.connect_timeout or DEFAULT_CONNECT_TIMEOUT,
                read_timeout=profile.read_timeout or DEFAULT_READ_TIMEOUT,
                provider=profile.provider,
            ),
            transport=transport,
            trace=self.trace if self.options.verbose else None,
            pacer=pacer,
            notice=self.output.info if self.output.interactive else None,
        )
        self._clients.append(client)
        return client

    def _embedded_transport(self, provider: str) -> httpx.BaseTransport:
        """The embedded sandbox: its background server when one runs (and is on), else the
        app in this process, with only ``provider``'s emulator when it is one of the five
        (the admin commands, whose "provider" is the sandbox itself, get all of them)."""
        from bookctl.core import paths
        from bookctl.core.fs import ensure_private_dir

        with loading_code():
            from bookctl.cli import background
            from bookctl.cli.embedded import embedded_transport
            from bookctl.sandbox.registry import PROVIDER_NAMES

            db = paths.embedded_sandbox_db()
            ensure_private_dir(db.parent)
            only = [provider] if provider in PROVIDER_NAMES else None
            transport = embedded_transport(
                db, api_key=sandbox_key(), providers=only, background=background.enabled()
            )
        self._transports.append(transport)
        return transport

    def provider(
        self,
        stage: str | None = None,
        given: Mapping[str, Any] | None = None,
        *,
        profile: Profile | None = None,
        pacer: Pacer | None = None,
    ) -> Provider:
        """The active profile's provider; options it lacks are refused before any request."""
        profile = profile or self.profile
        spec = CATALOGUE.spec(profile.provider)
        if stage is not None and given:
            CATALOGUE.resolve(profile.provider, profile.name, stage, given)
        with loading_code():
            cls = spec.provider_class()
        key = self.config.api_key(profile)
        if not key:
            raise AuthError(
                f"profile {profile.name!r} has no API key",
                hint="set BOOKCTL_API_KEY, or remove the profile and add it again with a key: "
                f"'bookctl profile add {profile.name} ... --api-key-stdin'",
            )
        client = self.client_for(profile, cls.auth_headers(key), key, pacer=pacer)
        return cls(client, profile)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        for transport in self._transports:
            transport.close()


def get_app() -> Application:
    ctx = click.get_current_context()
    root = ctx.find_root()
    app = root.meta.get("bookctl.app")
    if app is None:
        app = Application(global_options(ctx))
        root.meta["bookctl.app"] = app
        hints.use_command(ctx.command_path, app.has_cart)
        root.call_on_close(app.close)
    assert isinstance(app, Application)
    return app
