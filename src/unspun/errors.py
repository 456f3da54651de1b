"""Exceptions raised by unspun.

Every error unspun raises on purpose derives from :class:`UnspunError`; the CLI and
the service turn these into a one-line message (CLI exit code 2) and never show a
traceback for them::

    UnspunError
     ├── IngestError          input could not be read (empty, binary, malformed, missing)
     ├── StoreError           the index could not be opened, read or written
     │    └── IndexMismatchError  the index was built with other fingerprint settings / version
     ├── SettingsError        an invalid setting or combination of options
     └── OutputError          an output cannot go where it was asked (not a regular file,
                              an input, a folder unspun did not make, an unwritable place)
"""

from __future__ import annotations


class UnspunError(Exception):
    """Base class of every error unspun raises deliberately."""


class IngestError(UnspunError):
    """An input (file, record, stdin) could not be read as a document."""


class StoreError(UnspunError):
    """The index could not be opened, read or written."""


class IndexMismatchError(StoreError):
    """The index was built by an incompatible version or with other fingerprint settings."""


class SettingsError(UnspunError):
    """An invalid setting or combination of options."""


class OutputError(UnspunError):
    """An output cannot be written where it was asked, and nothing was written."""
