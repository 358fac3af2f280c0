"""Name → implementation registries with lazy imports and "did you mean" errors.

Implementations are named as ``"module:attribute"`` strings, so listing what exists never
imports torch or transformers; only the implementations a run uses are imported. A name that
itself contains ``":"`` is such an import path: a user's own plug-in (``"mypkg.slow:Slow"``),
importable from ``PYTHONPATH``, used without registering it. Import paths are for *configs*
only: names read from a report (an untrusted file) go through :meth:`Registry.get_registered`,
which knows only the registered names and those that installed packages declare through the
registry's entry-point group (``harness.metrics``), so a report can never make the harness
import a module it names.
"""

from __future__ import annotations

import importlib
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from harness.errors import HarnessError, did_you_mean

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, entry_point_group: str | None = None) -> None:
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._targets: dict[str, str] = {}

    def register(self, name: str, target: str) -> None:
        if name in self._targets:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._targets[name] = target

    def names(self) -> list[str]:
        return sorted({*self._targets, *self._entry_points()})

    def _entry_points(self) -> dict[str, EntryPoint]:
        """Implementations that installed packages declare in the entry-point group (read
        from package metadata; nothing is imported until one is used)."""
        if self.entry_point_group is None:
            return {}
        return {ep.name: ep for ep in entry_points(group=self.entry_point_group)}

    def registered(self, name: str) -> bool:
        """Built in or declared by an installed package; never an import path."""
        return name in self._targets or (not _is_import_path(name) and name in self._entry_points())

    def get_registered(self, name: str) -> T:
        """The implementation of a registered name (built in or an entry point). For names
        from untrusted files: an import path is refused, never imported."""
        if name in self._targets:
            return self.get(name)
        found = None if _is_import_path(name) else self._entry_points().get(name)
        if found is None:
            known = self.names()
            raise HarnessError(
                f"unknown {self.kind} '{name}'{did_you_mean(name, known)}; known: "
                f"{', '.join(known)}"
                + (
                    f" (a plug-in {self.kind} must be installed with a "
                    f"'{self.entry_point_group}' entry point)"
                    if self.entry_point_group
                    else ""
                )
            )
        try:
            return found.load()
        except Exception as exc:  # an installed package's module: its error, in one line
            raise HarnessError(
                f"cannot load {self.kind} '{name}' from entry point {found.value}: "
                f"{type(exc).__name__}: {exc}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.registered(name)

    def knows(self, name: str) -> bool:
        """Registered (built in or an entry point), or an import path (``"module:attribute"``)
        that :meth:`get` will try."""
        return self.registered(name) or _is_import_path(name)

    def get(self, name: str) -> T:
        """Import and return the implementation registered as ``name``, or (configs only) the
        one at the import path ``name``."""
        if name in self._targets:
            module_name, _, attribute = self._targets[name].partition(":")
            return getattr(importlib.import_module(module_name), attribute)
        if self.registered(name):
            return self.get_registered(name)
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
