# The README's two commands: `make demo` (set up, then animate the bundled clip) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cafetalk-installed
# Blender as a Python module, for the add-on's tests: its own environment, as in real Blender,
# where the add-on runs in Blender's Python and the backend (torch) in another process.
BLENDER_VENV  ?= .venv-blender
BLENDER_STAMP := $(BLENDER_VENV)/.bpy-installed
# The add-on's tests also run on Blender 5.0, which removed legacy APIs (sequences, action.fcurves).
BLENDER5_VENV  ?= .venv-blender5
BLENDER5_STAMP := $(BLENDER5_VENV)/.bpy-installed

.PHONY: setup setup-blender setup-blender5 demo test bench clean

setup: $(STAMP)

setup-blender: $(BLENDER_STAMP)

setup-blender5: $(BLENDER5_STAMP)

# torch is pinned so that the project machines take the CPU build on disk; on a machine with an
# NVIDIA GPU the same pin installs PyPI's CUDA build. open_clip is installed without its
# dependencies because they pull torchvision, which PyPI builds only against CUDA torch
# (cafetalk/clip.py explains the fallback).
$(STAMP): backend/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet --no-deps open_clip_torch==3.3.0
	$(BIN)/python -m pip install --quiet -e "backend[test,piper]"
	touch $(STAMP)

# bpy 4.5 LTS wheels exist for CPython 3.11 only and pin numpy < 2.
$(BLENDER_STAMP):
	$(PYTHON) -m venv $(BLENDER_VENV)
	$(BLENDER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BLENDER_VENV)/bin/python -m pip install --quiet bpy==4.5.15 pytest
	touch $(BLENDER_STAMP)

$(BLENDER5_STAMP):
	$(PYTHON) -m venv $(BLENDER5_VENV)
	$(BLENDER5_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BLENDER5_VENV)/bin/python -m pip install --quiet bpy==5.0.1 pytest
	touch $(BLENDER5_STAMP)

# Until weights/default exists, both halves of the demo use the untrained model `cafetalk demo` makes.
DEMO_WEIGHTS = $(if $(wildcard weights/default/manifest.json),,out/demo/untrained-weights)

demo: setup setup-blender
	$(BIN)/cafetalk demo --out out/demo
	$(BLENDER_VENV)/bin/python scripts/demo_blender.py --backend-python $(BIN)/python --out out/demo \
		$(if $(DEMO_WEIGHTS),--weights $(DEMO_WEIGHTS))

test: setup setup-blender setup-blender5
	$(BIN)/python -m pytest -q
	$(BLENDER5_VENV)/bin/python -m pytest -q tests/addon
	$(BLENDER_VENV)/bin/python -m pytest -q tests/addon

bench: setup
	$(BIN)/python bench/realtime.py
	$(BIN)/python bench/phones.py

clean:
	rm -rf $(VENV) $(BLENDER_VENV) $(BLENDER5_VENV) out build
