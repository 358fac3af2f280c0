"""The guard against llama.cpp's AMX crash (llama.cpp issue 20824): which kernels may run.

The plan is tested on the system-info strings of real builds (an AMX Xeon's native build, the
Makefile's build without AMX on the same Xeon, an AMD EPYC's native build), so it means the same on any
machine; the loading tests check that the plan reaches llama.cpp's model params for real.
"""

from __future__ import annotations

import logging

import pytest

import harness.systems.llama_cpp as llama_cpp_system
from harness.records import Example, Task
from harness.systems.llama_cpp import LlamaCpp, LlamaCppParams
from harness.systems.llama_cpp_kernels import (
    KernelPlan,
    build_features,
    has_amx_kernels,
    llama_system_info,
    model_params_for,
    plan_kernels,
)

# llama_print_system_info() of llama-cpp-python 0.3.36 built with pip's defaults on an Intel
# Xeon with AMX (the build that segfaults in ggml_backend_amx_mul_mat)
NATIVE_XEON_AMX = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | "
    "BMI2 = 1 | AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | "
    "AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
# the Makefile's build (native, -mno-amx-*), on the same machine
NATIVE_XEON_NO_AMX = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | "
    "BMI2 = 1 | AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
# pip's default (native) build on an AMD EPYC (Zen 3): no AVX-512, no AMX
NATIVE_EPYC = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


def test_system_info_is_read_feature_by_feature():
    features = build_features(NATIVE_XEON_AMX)
    assert features["AMX_INT8"] == "1" and features["AVX512"] == "1"
    assert "AMX_INT8" not in build_features(NATIVE_XEON_NO_AMX)
    assert has_amx_kernels(NATIVE_XEON_AMX)
    assert not has_amx_kernels(NATIVE_XEON_NO_AMX) and not has_amx_kernels(NATIVE_EPYC)
    assert not has_amx_kernels("CPU : AMX_INT8 = 0 | ")


def test_a_build_with_amx_kernels_loads_without_extra_buffer_types():
    plan = plan_kernels(NATIVE_XEON_AMX, allow_amx=False)
    assert plan == KernelPlan(extra_buffer_types=False, amx_in_build=True, warning=plan.warning)
    assert plan.warning is not None and "llama.cpp issue 20824" in plan.warning
    assert "allow_amx: true" in plan.warning and "make test" in plan.warning


def test_builds_without_amx_keep_the_repacked_kernels():
    for info in (NATIVE_XEON_NO_AMX, NATIVE_EPYC):
        assert plan_kernels(info, allow_amx=False) == KernelPlan(True, False)


def test_allow_amx_is_the_opt_out_for_a_build_known_to_be_safe():
    assert plan_kernels(NATIVE_XEON_AMX, allow_amx=True) == KernelPlan(True, True)


def test_the_installed_build_has_no_amx_kernels():
    """`make test` installs a build without AMX instructions: whatever this CPU is, no AMX code
    was compiled in, and the weight repacking (llama.cpp's CPU speed) is there."""
    info = llama_system_info()
    assert not has_amx_kernels(info), info
    assert build_features(info).get("REPACK") == "1", info


def test_the_params_llama_cpp_python_starts_from_are_patched_only_while_loading():
    from llama_cpp import llama_cpp as bindings

    assert bindings.llama_model_default_params().use_extra_bufts is True
    with model_params_for(KernelPlan(False, True)):
        assert bindings.llama_model_default_params().use_extra_bufts is False
    assert bindings.llama_model_default_params().use_extra_bufts is True
    with pytest.raises(RuntimeError), model_params_for(KernelPlan(False, True)):
        raise RuntimeError("a failed load")
    assert bindings.llama_model_default_params().use_extra_bufts is True


def gemma(tmp_path, **extra) -> LlamaCpp:
    entry = {"name": "g", "type": "llama-cpp", "task": "translation", "model": "pypi:gemma-3-270m"}
    params = {**entry, "chat": False, "n_ctx": 256, "max_new_tokens": 8, "stop": ["\n"], **extra}
    return LlamaCpp(LlamaCppParams.model_validate(params), tmp_path)


def test_on_a_build_with_amx_kernels_gemma_loads_without_them_and_says_why(
    tmp_path, monkeypatch, caplog
):
    """The harness reads the build's features from llama.cpp and passes use_extra_bufts=False
    to the real model load, then decodes (the first decode is where AMX builds crashed)."""
    monkeypatch.setattr(
        llama_cpp_system,
        "this_build_plan",
        lambda allow_amx: plan_kernels(NATIVE_XEON_AMX, allow_amx),
    )
    caplog.set_level(logging.WARNING, logger="harness.systems.llama_cpp")
    system = gemma(tmp_path)
    (output,) = system.generate([Example("a", Task.TRANSLATION, "c", "t", "مرحبا بكم", ())])
    assert isinstance(output, str)
    assert system.load().model_params.use_extra_bufts is False
    assert system.run_info()["kernels"] == {"extra_buffer_types": False, "amx_in_build": True}
    (record,) = [r for r in caplog.records if "AMX" in r.getMessage()]
    assert "llama.cpp issue 20824" in record.getMessage()


def test_on_this_build_gemma_keeps_the_extra_buffer_types(tmp_path):
    system = gemma(tmp_path)
    assert system.load().model_params.use_extra_bufts is True
    assert system.run_info()["kernels"] == {"extra_buffer_types": True, "amx_in_build": False}


def test_allow_amx_does_not_change_the_fingerprint(tmp_path):
    assert gemma(tmp_path).fingerprint() == gemma(tmp_path, allow_amx=True).fingerprint()
