# The README's two commands: `make demo` (set up, then animate the bundled clip) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cafetalk-installed

.PHONY: setup demo test bench clean

setup: $(STAMP)

# torch is pinned so that the project machines take the CPU build on disk; on a machine with an
# NVIDIA GPU the same pin installs PyPI's CUDA build. open_clip is installed without its
# dependencies because they pull torchvision, which PyPI builds only against CUDA torch
# (cafetalk/clip.py explains the fallback).
$(STAMP): backend/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet --no-deps open_clip_torch==3.3.0
	$(BIN)/python -m pip install --quiet -e "backend[test]"
	touch $(STAMP)

demo: setup
	$(BIN)/cafetalk demo --out out/demo

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/realtime.py

clean:
	rm -rf $(VENV) out build
