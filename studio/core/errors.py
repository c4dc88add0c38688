"""Errors a user can cause: each carries a sentence the user understands."""


class StudioError(Exception):
    """A problem with the user's input or files, shown as a message, never as a traceback."""
