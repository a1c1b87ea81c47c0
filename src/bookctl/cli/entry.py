"""The console script's entry: answers ``--version`` before anything heavy is imported."""

from __future__ import annotations

import sys


def main() -> None:
    """Run ``bookctl``."""
    if sys.argv[1:] == ["--version"]:
        from bookctl import __version__

        sys.stdout.write(f"bookctl {__version__}\n")
        raise SystemExit(0)
    import gc

    # What bookctl.cli.app.loading_code does, for the import that brings it.
    gc.disable()
    from bookctl.cli.app import main as run

    gc.freeze()
    gc.enable()
    run()
