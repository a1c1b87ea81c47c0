"""Hints that lead somewhere: each names a command that works in the user's situation.

A hint is written once, where the error is raised, without knowing how the user chose the
profile or which command ran. Before an error is reported, :func:`fit` adjusts it:

- when the command ran on a profile other than the one a bare ``bookctl`` would use (``-p`` on
  the command line), every ``bookctl COMMAND`` in the hint gets that ``-p NAME``, so that
  copying it works;
- the generic hints of HTTP errors (``not found``, ``refused``) become the ones that fit the
  command that ran: a missing product points to ``products``, a missing cart to ``cart list``,
  a missing order to ``orders``; a refusal points to ``cart show`` only when there is a cart.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import click

from bookctl.core.errors import (
    ApiAuthError,
    ApiNotFoundError,
    ApiRefusedError,
    BookctlError,
    InvalidRequestError,
    default_hint,
)

_state: dict[str, object] = {}
#: Commands that do not read the active profile.
_PROFILE_FREE = frozenset({"profile", "sandbox", "demo", "completion", "help"})

#: What a missing id most likely was, by the command that looked it up.
_NOT_FOUND = {
    "cart": "check the id; this profile's open carts: 'bookctl cart list'",
    "checkout": "check the id; this profile's open carts: 'bookctl cart list'",
    "poll": "check the id; this profile's orders: 'bookctl orders'",
    "order": "check the id; this profile's orders: 'bookctl orders'",
    "member": "check the id; find a member with 'bookctl member show EMAIL'",
}
_NOT_FOUND_DEFAULT = "check the id; list what exists with 'bookctl products'"


def start(root: click.Command) -> None:
    """Forget the previous invocation (tests run many in one process) and know the commands."""
    _state.clear()
    _state["root"] = root


def use_profile(name: str, *, flag: bool) -> None:
    """The profile in use; ``flag`` when commands named in hints must carry ``-p name``."""
    _state["name"] = name
    _state["profile"] = name if flag else None


def use_command(path: str, has_cart: Callable[[], bool]) -> None:
    """The command that runs (``bookctl cart show``) and how to tell whether a cart is open."""
    _state["command"] = path.split()[1:2]
    _state["path"] = path
    _state["has_cart"] = has_cart


def command_line(rest: str) -> str:
    """``bookctl [-p NAME] REST``: a command line to show the user."""
    return _with_profile(f"bookctl {rest}")


def fit(err: BookctlError) -> None:
    """Make ``err``'s hint name commands that work here (see the module's docstring)."""
    situated = (ApiNotFoundError, ApiRefusedError, InvalidRequestError, ApiAuthError)
    if isinstance(err, situated) and err.hint == default_hint(type(err)):
        err.hint = _situated(err)
    if err.hint:
        err.hint = _with_profile(err.hint)


def _situated(err: BookctlError) -> str:
    command = _state.get("command")
    name = command[0] if isinstance(command, list) and command else ""
    if isinstance(err, ApiNotFoundError):
        return _NOT_FOUND.get(name, _NOT_FOUND_DEFAULT)
    if isinstance(err, ApiAuthError):
        profile = _state.get("name")
        if not isinstance(profile, str):
            return str(err.hint)
        return (
            f"check the API key of profile {profile!r} ('bookctl profile show {profile}' shows it "
            "masked); BOOKCTL_API_KEY overrides it"
        )
    if isinstance(err, InvalidRequestError):
        path = _state.get("path")
        return f"check the values you passed; see '{path} --help'" if path else str(err.hint)
    has_cart = _state.get("has_cart")
    try:
        cart = callable(has_cart) and bool(has_cart())
    except BookctlError:
        cart = False
    if cart:
        return "the provider refused it as things stand; see the cart with 'bookctl cart show'"
    return "the provider refused it as things stand"


def _command_names() -> set[str]:
    root = _state.get("root")
    if not isinstance(root, click.Group):
        return set()
    return set(root.list_commands(click.Context(root)))


def _with_profile(text: str) -> str:
    profile = _state.get("profile")
    if not isinstance(profile, str):
        return text
    names = _command_names() - _PROFILE_FREE

    def add_flag(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            return match.group(0)
        return f"bookctl -p {profile} {match.group(1)}"

    return re.sub(r"\bbookctl (?!-)([a-z][a-z-]*)\b", add_flag, text)
