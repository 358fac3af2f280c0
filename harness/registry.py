"""Name → implementation registries with lazy imports and "did you mean" errors.

Implementations are named as ``"module:attribute"`` strings, so listing what exists never
imports torch or transformers; only the implementations a run uses are imported.
"""

from __future__ import annotations

import importlib
from typing import Generic, TypeVar

from harness.errors import HarnessError, did_you_mean

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._targets: dict[str, str] = {}

    def register(self, name: str, target: str) -> None:
        if name in self._targets:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._targets[name] = target

    def names(self) -> list[str]:
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def get(self, name: str) -> T:
        """Import and return the implementation registered as ``name``."""
        if name not in self._targets:
            raise HarnessError(
                f"unknown {self.kind} '{name}'{did_you_mean(name, self._targets)}; "
                f"known: {', '.join(self.names())}"
            )
        module_name, _, attribute = self._targets[name].partition(":")
        return getattr(importlib.import_module(module_name), attribute)
