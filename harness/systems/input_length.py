"""Inputs too long for a model: one policy, ``on_too_long``, for every generative engine.

- ``truncate``: the *source* (never the prompt template, the system prompt or the few-shot
  examples) is cut to its first tokens, counted by the engine's own tokenizer, until the whole
  input fits the model's limit; for summarization that is the "lead" strategy (news puts the
  key facts first). Each cut input is named in a warning and counted in
  ``provenance.systems[NAME]`` (``truncated``, ``truncated_segments``).
- ``fail``: the input fails alone, with its token count and the limit in the error; the runner
  records it as a failed output (scored as empty, counted as failed), and the other inputs of
  its batch still get their outputs. ``failed_too_long`` and ``failed_too_long_segments``
  count them.

An input whose prompt does not fit even with an empty source fails under either policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, model_validator

OnTooLong = Literal["truncate", "fail"]


class InputLengthKeys(BaseModel):
    """``on_too_long``, mixed into the params of every engine that has an input limit."""

    #: None (unset): :meth:`default_on_too_long`, filled in when the params are validated
    on_too_long: OnTooLong | None = None

    def default_on_too_long(self) -> OnTooLong:
        """The policy when the config does not say (``truncate``; an engine may differ)."""
        return "truncate"

    @model_validator(mode="after")
    def _resolve_on_too_long(self) -> InputLengthKeys:
        if self.on_too_long is None:
            self.on_too_long = self.default_on_too_long()
        return self


class InputTooLong(ValueError):
    """An input that does not fit the model's limit and is not cut: it fails alone."""


def cut_source(
    source: str,
    limit: int,
    *,
    count: Callable[[str], int],
    encode: Callable[[str], list[int]],
    decode: Callable[[list[int]], str],
    total: int | None = None,
) -> str:
    """``source`` cut to its first tokens so that ``count(source) <= limit``.

    ``count`` is the token count of the whole model input built around a source, ``encode`` and
    ``decode`` the engine's tokenizer on the source alone. Decoding and re-encoding can shift a
    token or two, so the cut is re-counted until it fits. Raises :class:`InputTooLong` when even
    an empty source does not fit."""
    if total is None:
        total = count(source)
    if total <= limit:
        return source
    ids = encode(source)
    keep = max(0, len(ids) - (total - limit))
    while True:
        cut = decode(ids[:keep])
        tokens = count(cut)
        if tokens <= limit:
            return cut
        if keep == 0:
            raise InputTooLong(
                f"input too long: the prompt without its source has {tokens} tokens, more than "
                f"the limit of {limit}"
            )
        keep = max(0, keep - max(1, tokens - limit))


class LongInputs:
    """What one system did with inputs too long for its model, for ``run_info`` and warnings."""

    def __init__(self) -> None:
        self.truncated: dict[str, tuple[int, int]] = {}  # where → (tokens, limit)
        self.failed: dict[str, tuple[int, int]] = {}

    def fit(
        self,
        policy: OnTooLong | None,
        where: str,
        source: str,
        limit: int,
        *,
        count: Callable[[str], int],
        encode: Callable[[str], list[int]],
        decode: Callable[[list[int]], str],
        limit_is: str = "the model's input limit",
    ) -> str:
        """``source`` as it goes to the model under ``policy``: itself when its input fits
        ``limit`` tokens, else cut (``truncate``) or :class:`InputTooLong` (``fail``).
        ``limit_is`` says where the limit comes from, for the error."""
        total = count(source)
        if total <= limit:
            return source
        if policy == "fail":
            self.failed[where] = (total, limit)
            raise InputTooLong(
                f"input too long: {total} tokens, more than {limit} ({limit_is}); on_too_long: fail"
            )
        try:
            cut = cut_source(source, limit, count=count, encode=encode, decode=decode, total=total)
        except InputTooLong as exc:
            self.failed[where] = (total, limit)
            raise InputTooLong(f"{exc} ({limit_is})") from None
        self.truncated[where] = (total, limit)
        return cut

    def run_info(self) -> dict[str, Any]:
        return {
            "truncated": len(self.truncated),
            "truncated_segments": sorted(self.truncated),
            "failed_too_long": len(self.failed),
            "failed_too_long_segments": sorted(self.failed),
        }

    def warnings(self, system: str) -> list[str]:
        return [
            f"{system}: input of {where} has {tokens} tokens, more than the model's limit of "
            f"{limit}; kept its first {limit} tokens"
            for where, (tokens, limit) in sorted(self.truncated.items())
        ]
