"""Errors a user can cause; each message is one line that starts with the file or field at fault.

Stdlib only. The CLI and UI turn these into `rag: <message>`; anything else is a bug.
"""

from __future__ import annotations


class RagError(Exception):
    """Root of every error a user can fix; never shown with a traceback."""


class InputError(RagError, ValueError):
    """A bad report file, query, filter or questions line."""


class IndexStateError(RagError):
    """An index that is missing, corrupt, or built with another encoder or format."""


class EncoderError(RagError):
    """A model that cannot be loaded here (unknown spec, or not available offline)."""
