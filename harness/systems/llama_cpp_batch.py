"""Greedy decoding of several prompts at once, through llama.cpp's batch API.

llama-cpp-python's ``create_completion`` decodes one sequence at a time: each step is a
one-token ``llama_decode``, which leaves most of a CPU's arithmetic idle on a small model.
:class:`BatchDecoder` gives every prompt of a batch its own sequence id in one llama.cpp
context and decodes their next tokens together, one ``llama_decode`` per step for all of them
(as llama.cpp's ``examples/batched`` does):

- The prompts are evaluated together, ``n_batch`` tokens per call; the longest token prefix
  they share (a few-shot prompt's examples) is evaluated once, as sequence 0, and copied to
  the others (``llama_memory_seq_cp``).
- Each step takes the argmax of each sequence's logits: greedy, as ``create_completion`` with
  temperature 0 and repeat penalty 1 samples (the first maximum on ties).
- A sequence stops as ``create_completion`` stops it: on an end-of-generation token (not
  kept), once its detokenized text contains a stop string (cut there, as
  ``create_completion`` cuts), on the chat handler's stopping criteria, or after
  ``max_tokens`` tokens (never more).

The sequences share one KV cache (``kv_unified``) of ``n_ctx`` cells: a batch whose prompts
plus ``max_tokens`` need more is decoded in consecutive parts (:func:`pack`), so the memory is
that of one sequence's context, as with ``create_completion``.

**Outputs are not bit-identical to one-at-a-time decoding.** The same arithmetic runs on
other shapes: several rows per matrix product where a lone sequence has one (llama.cpp's CPU
kernels take a different path for one row), and a sequence's cache cells at another offset,
which changes the order of the attention's sums. In a quantized model such last-bit
differences can flip the rounding of an activation, and the logits then move by up to about
one (gemma-3-270m, Q4_K_M): now and then another token wins. A lone sequence takes exactly
``create_completion``'s path and gets its outputs. The outputs of a batch are deterministic
for the same inputs, order and settings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Job:
    """One prompt to decode: its tokens, stop strings and the chat handler's stopping
    criteria (called as ``Llama.generate`` calls them), if any."""

    prompt: list[int]
    stops: list[str] = field(default_factory=list)
    stopping_criteria: Callable[[Any, Any], bool] | None = None
    tokens: list[int] = field(default_factory=list)  # generated (no end-of-generation token)
    text: bytes = b""  # the generated text, cut at the first stop string found

    @property
    def cells(self) -> int:
        return len(self.prompt)


def pack(jobs: Sequence[Job], max_tokens: int, n_ctx: int, n_seq_max: int) -> list[list[int]]:
    """Consecutive groups of job indices that fit one context together: at most ``n_seq_max``
    jobs, whose prompts plus ``max_tokens`` each add up to ``n_ctx`` at most. A job that does
    not fit alone is the caller's to refuse beforehand."""
    groups: list[list[int]] = []
    used = 0
    for i, job in enumerate(jobs):
        need = job.cells + max_tokens
        if groups and len(groups[-1]) < n_seq_max and used + need <= n_ctx:
            groups[-1].append(i)
            used += need
        else:
            groups.append([i])
            used = need
    return groups


def shared_prefix(prompts: Sequence[list[int]]) -> int:
    """The length of the token prefix all ``prompts`` share, short of each one's last token
    (whose logits are needed)."""
    if len(prompts) < 2:
        return 0
    shortest = min(len(prompt) for prompt in prompts)
    length = 0
    first = prompts[0]
    while length < shortest - 1 and all(prompt[length] == first[length] for prompt in prompts):
        length += 1
    return length


class BatchDecoder:
    """A second llama.cpp context on ``llama``'s model, for up to ``n_seq_max`` sequences.

    It copies the settings of ``llama``'s own context (``n_ctx``, ``n_batch``, threads, cache
    types), with ``n_seq_max`` sequences sharing its cache."""

    def __init__(self, llama: Any, n_seq_max: int) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self.llama = llama
        params = llama_cpp.llama_context_params.from_buffer_copy(llama.context_params)
        self.n_seq_max = max(1, min(n_seq_max, llama_cpp.llama_max_parallel_sequences()))
        params.n_seq_max = self.n_seq_max
        params.kv_unified = True
        # freed with the model (llama-cpp-python registers it there), or by close()
        self.context = _internals.LlamaContext(model=llama._model, params=params, verbose=False)
        self.n_batch = llama_cpp.llama_n_batch(self.context.ctx)
        self.batch = _internals.LlamaBatch(
            n_tokens=self.n_batch, embd=0, n_seq_max=1, verbose=False
        )
        self.memory = llama_cpp.llama_get_memory(self.context.ctx)
        self.vocab = llama._model.vocab
        self.n_vocab = llama.n_vocab()

    def close(self) -> None:
        self.batch.close()
        self.context.close()

    # -- llama.cpp calls -------------------------------------------------------------------
    def _decode(self, entries: Sequence[tuple[int, int, int, bool]]) -> None:
        """One ``llama_decode`` of (token, position, sequence, wants logits) entries."""
        import llama_cpp

        batch = self.batch.batch
        batch.n_tokens = len(entries)
        for j, (token, pos, seq, logits) in enumerate(entries):
            batch.token[j] = token
            batch.pos[j] = pos
            batch.seq_id[j][0] = seq
            batch.n_seq_id[j] = 1
            batch.logits[j] = logits
        status = llama_cpp.llama_decode(self.context.ctx, batch)
        if status != 0:
            raise RuntimeError(f"llama_decode failed ({status}) on {len(entries)} tokens")

    def _logits(self, index: int) -> np.ndarray:
        """The logits of the ``index``-th entry of the last decode (a view, valid until the
        next decode)."""
        import llama_cpp

        pointer = llama_cpp.llama_get_logits_ith(self.context.ctx, index)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,))

    # -- decoding --------------------------------------------------------------------------
    def run(self, jobs: Sequence[Job], max_tokens: int) -> None:
        """Decode ``jobs`` together (at most ``n_seq_max``, fitting the context: see
        :func:`pack`), filling each one's ``tokens`` and ``text``."""
        import llama_cpp

        if not jobs:
            return
        if len(jobs) > self.n_seq_max:
            raise ValueError(f"{len(jobs)} sequences, the context holds {self.n_seq_max}")
        llama_cpp.llama_memory_clear(self.memory, True)
        try:
            upcoming = self._prompts(jobs)
            active = list(range(len(jobs)))
            while active:
                still: list[int] = []
                for seq in active:
                    if self._accept(jobs[seq], upcoming[seq], max_tokens):
                        still.append(seq)
                active = still
                if not active:
                    break
                self._decode(
                    [
                        (jobs[s].tokens[-1], len(jobs[s].prompt) + len(jobs[s].tokens) - 1, s, True)
                        for s in active
                    ]
                )
                for j, seq in enumerate(active):
                    logits = self._logits(j)
                    upcoming[seq] = self._next(jobs[seq], logits)
        finally:
            llama_cpp.llama_memory_clear(self.memory, True)

    def _prompts(self, jobs: Sequence[Job]) -> list[int | None]:
        """Evaluate the prompts; each job's first token (``None``: its stopping criteria
        stop it before any)."""
        import llama_cpp

        prefix = shared_prefix([job.prompt for job in jobs])
        for start in range(0, prefix, self.n_batch):
            end = min(prefix, start + self.n_batch)
            self._decode([(jobs[0].prompt[p], p, 0, False) for p in range(start, end)])
        for seq in range(1, len(jobs) if prefix else 0):
            llama_cpp.llama_memory_seq_cp(self.memory, 0, seq, -1, -1)
        entries = [
            (token, pos, seq, pos == len(job.prompt) - 1)
            for seq, job in enumerate(jobs)
            for pos, token in enumerate(job.prompt)
            if pos >= prefix
        ]
        first: list[int | None] = [None] * len(jobs)
        for start in range(0, len(entries), self.n_batch):
            chunk = entries[start : start + self.n_batch]
            self._decode(chunk)
            for j, (_, _, seq, logits) in enumerate(chunk):
                if logits:
                    first[seq] = self._next(jobs[seq], self._logits(j))
        return first

    def _next(self, job: Job, logits: np.ndarray) -> int | None:
        """The greedy next token, or ``None`` when the stopping criteria stop the job first
        (``Llama.generate`` asks them before yielding a token)."""
        if job.stopping_criteria is not None and job.stopping_criteria(
            np.array(job.prompt + job.tokens, dtype=np.intc), logits
        ):
            return None
        return int(np.argmax(logits))

    def _accept(self, job: Job, token: int | None, max_tokens: int) -> bool:
        """Take ``token`` into ``job``; whether it goes on (as ``create_completion`` decides)."""
        import llama_cpp

        if token is None or llama_cpp.llama_vocab_is_eog(self.vocab, token):
            job.text = self.llama.detokenize(job.tokens)
            return False
        job.tokens.append(token)
        text = self.llama.detokenize(job.tokens)
        found = [stop for stop in (s.encode("utf-8") for s in job.stops) if stop in text]
        if found:
            job.text = text[: text.index(found[0])]
            return False
        job.text = text
        return len(job.tokens) < max_tokens
