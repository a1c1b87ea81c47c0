"""``python -m bookctl``: the same as the ``bookctl`` command."""

from bookctl.cli.entry import main

main()
