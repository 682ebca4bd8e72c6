"""The project's own error type.

Library code raises :class:`GciError` for anything a user can fix (bad input, missing files,
incompatible runs). The CLI turns it into one line on stderr and a non-zero exit code; any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class GciError(Exception):
    """A user-facing error: the message names the file, line or field and what was expected."""

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
