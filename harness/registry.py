"""Name → implementation registries with lazy imports and "did you mean" errors.

Implementations are named as ``"module:attribute"`` strings, so listing what exists never
imports torch or transformers; only the implementations a run uses are imported. A name that
itself contains ``":"`` is such an import path: a user's own plug-in (``"mypkg.slow:Slow"``),
importable from ``PYTHONPATH``, used without registering it.
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

    def knows(self, name: str) -> bool:
        """Registered, or an import path (``"module:attribute"``) that :meth:`get` will try."""
        return name in self._targets or _is_import_path(name)

    def get(self, name: str) -> T:
        """Import and return the implementation registered as ``name``."""
        if name in self._targets:
            module_name, _, attribute = self._targets[name].partition(":")
            return getattr(importlib.import_module(module_name), attribute)
        if not _is_import_path(name):
            raise HarnessError(
                f"unknown {self.kind} '{name}'{did_you_mean(name, self._targets)}; "
                f"known: {', '.join(self.names())}"
            )
        module_name, _, attribute = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # the user's module: any error in it is theirs to fix
            raise HarnessError(
                f"cannot import {self.kind} '{name}': {type(exc).__name__}: {exc} "
                "(is its folder on PYTHONPATH?)"
            ) from None
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise HarnessError(
                f"cannot import {self.kind} '{name}': module '{module_name}' has no "
                f"attribute '{attribute}'"
            ) from None


def _is_import_path(name: str) -> bool:
    module_name, colon, attribute = name.partition(":")
    return bool(colon and module_name and attribute)
