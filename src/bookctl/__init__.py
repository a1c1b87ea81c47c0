"""bookctl: one command line for five booking platforms, with a built-in sandbox."""

__version__ = "0.1.0"
