"""User-facing errors.

A :class:`HarnessError` is a user mistake (bad config, bad input file). The CLI prints it as a
single line and exits with code 2; it never shows a traceback for one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class HarnessError(Exception):
    """A problem with the user's input, reported as one line with exit code 2."""

    exit_code = 2


def first_of(names: Sequence[str], shown: int) -> str:
    """``names`` for a message: the first ``shown``, then "and N more"."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
