"""Failures a person can act on: one clear line, never a traceback."""


class StackError(Exception):
    """Raised for configuration or environment problems; the CLI prints it and exits 1."""
