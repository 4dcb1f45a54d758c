"""open_clip models from a local safetensors file, shared by the text and image encoders.

Only `.safetensors` files are read: open_clip's `.pt`/`.bin` checkpoints are pickles, and we never
unpickle files from elsewhere. Convert one with a trusted copy of torch beforehand
(`safetensors.torch.save_file(torch.load(f), "clip.safetensors")`).

open_clip imports torchvision at import time (for its image transforms). Some torch builds have no
working torchvision beside them (PyPI's wheel fails with "operator torchvision::nms does not exist"
next to the CPU-only torch); we never use those transforms (image preprocessing is in image.py), so
when torchvision cannot be imported, its modules are served as empty placeholders for that import.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import types
from functools import lru_cache
from pathlib import Path

import torch

from .errors import CafeTalkError


class _PlaceholderType(type):
    """Placeholder classes: any attribute is another placeholder; constructing one fails loudly."""

    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _placeholder(name)


def _placeholder(name: str) -> type:
    def unusable(self, *args, **kwargs):
        raise RuntimeError(f"torchvision is not usable in this environment ({name} was used)")

    return _PlaceholderType(name, (), {"__init__": unusable})


class _Placeholder(types.ModuleType):
    """A module whose every attribute is a placeholder: enough for `from torchvision... import X`."""

    __path__: list[str] = []

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _placeholder(name)


class _PlaceholderFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "torchvision" or name.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return _Placeholder(spec.name)

    def exec_module(self, module):
        pass


def import_open_clip():
    try:
        import torchvision  # noqa: F401
    except Exception:
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        sys.meta_path.insert(0, _PlaceholderFinder())
    try:
        import open_clip
    except ImportError:
        raise CafeTalkError("open_clip is not installed: `pip install open_clip_torch` in the backend's "
                            "environment (the README's setup does this)") from None
    return open_clip


def model_config(name: str, explicit: dict | None) -> dict:
    if explicit is not None:
        return dict(explicit)
    open_clip = import_open_clip()
    cfg = open_clip.get_model_config(name)
    if cfg is None:
        raise CafeTalkError(f"open_clip has no model called '{name}' (try ViT-B-32)")
    return cfg


@lru_cache(maxsize=4)
def _load(path: str, cfg_json: str) -> torch.nn.Module:
    from safetensors.torch import load_file

    open_clip = import_open_clip()
    cfg = json.loads(cfg_json)
    model = open_clip.CLIP(**cfg)
    p = Path(path).expanduser()
    if p.suffix != ".safetensors":
        raise CafeTalkError(f"CLIP weights must be a .safetensors file (got {p.name}): pickled .pt/.bin files "
                            "are not opened; convert it once with a trusted torch")
    if not p.exists():
        raise CafeTalkError(f"CLIP weights not found: {p}")
    try:
        state = load_file(str(p))
    except Exception as exc:
        raise CafeTalkError(f"cannot read CLIP weights {p}: {exc}") from None
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CafeTalkError(f"CLIP weights {p} do not fit the configured model: missing {missing[:3]}, "
                            f"unexpected {unexpected[:3]}")
    return model.eval().requires_grad_(False)


def load_clip(path: str | None, name: str, explicit_cfg: dict | None) -> torch.nn.Module:
    """A frozen open_clip CLIP model (eval, no grad), loaded once per (path, config)."""
    if not path:
        raise CafeTalkError("CLIP needs local weights: set the path to a .safetensors open_clip checkpoint")
    return _load(str(path), json.dumps(model_config(name, explicit_cfg), sort_keys=True))


def tokenize(texts: list[str], context_length: int) -> torch.Tensor:
    open_clip = import_open_clip()
    return open_clip.tokenize(texts, context_length=context_length)
