"""The numeric environment a system's outputs came from: which kernels could run.

Greedy outputs can drift with the kernels: llama.cpp picks AMX, repacked or plain kernels by
CPU, torch picks its BLAS and threads, CTranslate2 its device. Two reports whose systems share
a fingerprint (same model, same settings) but not this environment may differ for that reason
alone, so every system records it (``provenance.systems[NAME].environment``) and ``harness
compare`` names any difference. Only what is already loaded or cheap to read is read: torch
for the engines that use it, llama.cpp's system info for ``llama-cpp``; recorded by the process
that runs the report (for ``executor: ray``, the driver's machine).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

#: CPU features that decide which numeric kernels run
KERNEL_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
    "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16", "amx_fp16",
)  # fmt: skip
#: system types that run on torch, and the one that runs llama.cpp
TORCH_TYPES = frozenset({"hf-seq2seq", "hf-causal"})
LLAMA_CPP_TYPE = "llama-cpp"


@lru_cache(maxsize=1)
def cpu_flags() -> tuple[str, ...]:
    """The kernel-relevant flags of this CPU (Linux ``/proc/cpuinfo``; empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return ()
    for line in text.splitlines():
        if line.startswith("flags"):
            present = set(line.partition(":")[2].split())
            return tuple(flag for flag in KERNEL_FLAGS if flag in present)
    return ()


def _torch() -> dict[str, Any]:
    torch = sys.modules.get("torch")
    if torch is None:
        return {}
    config = torch.__config__.show()
    blas = next(
        (line.split("=", 1)[1].strip().rstrip(",") for line in config.split()
         if line.startswith("BLAS_INFO=")),
        None,
    )  # fmt: skip
    return {
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "blas": blas,
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
    }


def _llama_cpp() -> dict[str, Any]:
    llama_cpp = sys.modules.get("llama_cpp")
    if llama_cpp is None:
        return {}
    from harness.systems.llama_cpp_kernels import llama_system_info

    try:
        text = llama_system_info()
    except Exception:  # an older binding without it: the version still says something
        text = ""
    return {"llama_cpp": getattr(llama_cpp, "__version__", None), "llama_system_info": text.strip()}


def numeric_environment(system_type: str, description: dict[str, Any]) -> dict[str, Any]:
    """What decides the numeric kernels of a system of ``system_type`` here."""
    environment: dict[str, Any] = {
        "cpu_flags": list(cpu_flags()),
        "omp_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    if "device" in description:
        environment["device"] = description["device"]
    if system_type in TORCH_TYPES:
        environment.update(_torch())
    if system_type == LLAMA_CPP_TYPE:
        environment.update(_llama_cpp())
    return environment
