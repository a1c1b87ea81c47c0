"""``python -m bookctl``: the same as the ``bookctl`` command."""

from bookctl.cli.app import main

main()
