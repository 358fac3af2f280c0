"""Same system, other machine: a baseline and a candidate system that share a fingerprint (the
same model and settings) but not the numeric environment it ran in (CPU flags, llama.cpp's
kernels, torch's version, threads and BLAS, the device) may differ by kernels alone; the
comparison says so, naming each difference (:mod:`harness.systems.environment` records it)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import JsonValue

from harness.report_model import Report

GroupKey = tuple[str, str, str | None]


def _show(key: str, base: JsonValue, cand: JsonValue) -> str:
    if isinstance(base, list) and isinstance(cand, list):
        gained = [f"+{flag}" for flag in cand if flag not in base]
        lost = [f"-{flag}" for flag in base if flag not in cand]
        return f"{key} {' '.join([*gained, *lost])} in the candidate"
    return f"{key} {base!r} vs {cand!r}"


def environment_notes(
    baseline: Report,
    candidate: Report,
    pairs: Sequence[tuple[GroupKey, GroupKey]],
) -> list[str]:
    """One line per paired system with the same fingerprint but another environment (both
    recorded: reports written before environments were recorded have none)."""
    base_systems, cand_systems = baseline.provenance.systems, candidate.provenance.systems
    notes = []
    for base_name, cand_name in dict.fromkeys((b[0], c[0]) for b, c in pairs):
        base, cand = base_systems.get(base_name), cand_systems.get(cand_name)
        if base is None or cand is None or not base.fingerprint:
            continue
        if base.fingerprint != cand.fingerprint:
            continue
        if not {"environment"} <= base.model_fields_set & cand.model_fields_set:
            continue
        base_env, cand_env = base.environment, cand.environment
        differing = [
            _show(key, base_env.get(key), cand_env.get(key))
            for key in dict.fromkeys([*base_env, *cand_env])
            if base_env.get(key) != cand_env.get(key)
        ]
        if differing:
            notes.append(
                f"system '{cand_name}' has the baseline's fingerprint but ran in another "
                f"numeric environment ({'; '.join(differing)}): outputs may differ by kernels "
                "alone"
            )
    return notes
