"""Errors that are safe to show to a user.

Every error here carries a message written for the person who will read it: precise for staff and
operators (CLI, console), and each channel turns it into a kind sentence for parents. Anything that is
not an ``OuderwijzerError`` is a bug: channels log it with its traceback and show a generic apology.
"""

from __future__ import annotations


class OuderwijzerError(Exception):
    """Base class: ``str(error)`` is a one-line message a person can act on."""

    #: True when trying again later may help (a server that is down, a locked file).
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(OuderwijzerError):
    """A setting is missing, unknown or has a value that is not allowed."""


class IndexMissing(OuderwijzerError):
    """There is no index yet: run ``ouderwijzer ingest``."""


class IndexMismatch(OuderwijzerError):
    """The index was built with another embedder or chunking: run ``ouderwijzer ingest --rebuild``."""


class StoreUnavailable(OuderwijzerError):
    """The Chroma store cannot be reached or read."""

    retryable = True


class DocumentError(OuderwijzerError):
    """One document could not be read; ingest reports it and goes on with the others."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class InputError(OuderwijzerError):
    """A question or request that cannot be handled as given (empty, too long, wrong type)."""
