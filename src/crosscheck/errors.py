"""Domain errors: every message names what failed and why, in one line."""

from __future__ import annotations


class CrosscheckError(Exception):
    """Base class for errors shown to the user as they are."""


class IngestError(CrosscheckError):
    """A file, text or URL was refused."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class InputError(CrosscheckError):
    """A value a person gave that cannot be used: an unknown actor type or role, an address that is not an email."""


class StoreError(CrosscheckError):
    """The database could not be opened, read or written."""


class DatabaseBusyError(StoreError):
    """Another process (usually the running dashboard) holds the database."""


class ModelError(CrosscheckError):
    """A model could not be loaded or does not fit the database."""


class DataFileError(CrosscheckError):
    """A data file (pairs to score, training or evaluation data) that cannot be used; the message names the file."""


class AccessDenied(CrosscheckError):
    """A write (or a page) that the signed-in person's role, or the workspace's read-only mode, does not allow."""
