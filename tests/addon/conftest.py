"""Blender tests run in Blender's Python (the `bpy` wheel in .venv-blender), never beside torch.

`make test` runs them with .venv-blender's interpreter; in an environment without bpy (the backend's)
this folder is not collected. Blender writes its user resources into a temporary folder (set before
`import bpy`), and each test starts from an empty scene.
"""
import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="cafetalk-blender-"))
try:
    import bpy
except ImportError:
    bpy = None
    collect_ignore_glob = ["test_*.py"]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "backend"))  # cafetalk.head is numpy-only: Blender's Python can use it


@pytest.fixture()
def scene():
    bpy.ops.wm.read_homefile(use_empty=True)
    return bpy.context.scene
