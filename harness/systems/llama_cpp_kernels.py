"""Which llama.cpp CPU kernels may run: the guard against its AMX crash.

llama.cpp's AMX kernels segfault on the first decode of Q4_K_M models on Intel Xeons with AMX
(``ggml_backend_amx_mul_mat``; llama.cpp issue 20824, closed unfixed; DSPy's CI dropped the AMX
build for it). They are compiled in whenever llama.cpp is built for such a CPU, which is what
``pip install llama-cpp-python`` does by default (``GGML_NATIVE``: ``-march=native``).

Two layers keep them from running:

- ``make test`` builds llama-cpp-python once per machine, native but with the AMX instructions
  off (``-mno-amx-*``; see the Makefile), so it keeps llama.cpp's weight repacking (where its CPU
  speed comes from) and AVX-512 where the CPU has it. A portable AVX2 build was tried too: it
  decodes gemma-3-270m differently (BLEU 9.3 against 19.7 on the seed's title and bullets, the
  figure every native build measured so far gives), so the tests' outputs would depend on it.
- Any other build (a user's own, or a default ``pip install``) whose system info reports AMX
  kernels is loaded with llama.cpp's *extra buffer types* turned off: the AMX kernels are one
  such buffer type, the weight repacking another, so this is safe but slower. A warning says so
  and how to get the fast path back; ``allow_amx: true`` opts out for a build known to be safe.

The build's features are read from ``llama_print_system_info()``, which reports what was
compiled in (``AMX_INT8 = 1``), not what the CPU could do.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

#: the features of ``llama_print_system_info`` that mean AMX kernels were compiled in
AMX_FEATURES = ("AMX_INT8", "AMX_TILE", "AMX_BF16")
UPSTREAM_BUG = "llama.cpp issue 20824"
_FEATURE = re.compile(r"([A-Z0-9_]+) = (\S+)")


def build_features(system_info: str) -> dict[str, str]:
    """``"CPU : SSE3 = 1 | AVX2 = 1 | AMX_INT8 = 1 | ..."`` as ``{"AVX2": "1", ...}``."""
    return dict(_FEATURE.findall(system_info))


def has_amx_kernels(system_info: str) -> bool:
    features = build_features(system_info)
    return any(features.get(name) == "1" for name in AMX_FEATURES)


@dataclass(frozen=True)
class KernelPlan:
    """How a GGUF is loaded: with or without llama.cpp's extra buffer types, and why."""

    extra_buffer_types: bool
    amx_in_build: bool
    warning: str | None = None

    def describe(self) -> dict[str, bool]:
        return {"extra_buffer_types": self.extra_buffer_types, "amx_in_build": self.amx_in_build}


def plan_kernels(system_info: str, allow_amx: bool) -> KernelPlan:
    """The load plan for this build: extra buffer types off when AMX kernels are compiled in,
    unless the config allows them."""
    amx = has_amx_kernels(system_info)
    if not amx:
        return KernelPlan(extra_buffer_types=True, amx_in_build=False)
    if allow_amx:
        return KernelPlan(extra_buffer_types=True, amx_in_build=True)
    return KernelPlan(
        extra_buffer_types=False,
        amx_in_build=True,
        warning=(
            "this llama-cpp-python build has AMX kernels, which crash on Intel CPUs with AMX "
            f"({UPSTREAM_BUG}): loading without llama.cpp's extra buffer types (safe, but "
            "without weight repacking, so slower); `make test` installs a build without "
            "AMX, or set allow_amx: true if your build is known to be safe"
        ),
    )


def llama_system_info() -> str:
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")


_PATCH_LOCK = threading.Lock()


@contextmanager
def model_params_for(plan: KernelPlan) -> Iterator[None]:
    """While loading, have llama-cpp-python's ``Llama`` start from model params with
    ``use_extra_bufts`` as the plan says.

    ``Llama.__init__`` (0.3.36) builds its params from ``llama_model_default_params()`` and
    passes no ``use_extra_bufts`` of its own, so the defaults are the one place to set it."""
    if plan.extra_buffer_types:
        yield
        return
    from llama_cpp import llama_cpp as bindings

    original: Callable[[], Any] = bindings.llama_model_default_params

    def without_extra_buffer_types() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    with _PATCH_LOCK:
        bindings.llama_model_default_params = without_extra_buffer_types
        try:
            yield
        finally:
            bindings.llama_model_default_params = original


@cache
def this_build_plan(allow_amx: bool) -> KernelPlan:
    return plan_kernels(llama_system_info(), allow_amx)
