"""Checkpoints: `model.safetensors` + `config.json` + `manifest.json` (sha256 of each file).

The two training stages keep their parameters apart: `model.safetensors` holds the base (stage 1)
and, for weights with the AU adapter, `adapter.safetensors` holds the adapter (stage 2), so the
shipped base can be read alone and each file stays small.

The model is rebuilt from the folder alone (nanoGPT's habit): config.json is the full
CafeTalkConfig. Loading verifies every hash before reading a byte of tensor data, and safetensors
never executes code, so a tampered or truncated file is refused with a clear message.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch

from .errors import CafeTalkError
from .model import CafeTalkConfig, CafeTalkDiT
from .model.config import from_dict, to_dict

WEIGHTS = "model.safetensors"
ADAPTER = "adapter.safetensors"
CONFIG = "config.json"
MANIFEST = "manifest.json"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save(model: CafeTalkDiT, folder: str | Path, extra_files: dict[str, bytes] | None = None,
         half: bool = False) -> Path:
    """Write the checkpoint folder (atomically per file) and its manifest. `half`: parameters stored as
    float16 (half the size, for shipping; loading casts them back to float32), buffers kept as they are."""
    from safetensors.torch import save_file

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    params = {name for name, _ in model.named_parameters()}
    state = {k: (v.half() if half and k in params and v.is_floating_point() else v).detach().contiguous().cpu()
             for k, v in model.state_dict().items()}
    parts = {WEIGHTS: {k: v for k, v in state.items() if not k.startswith("adapter.")},
             ADAPTER: {k: v for k, v in state.items() if k.startswith("adapter.")}}
    if not parts[ADAPTER]:
        del parts[ADAPTER]
        (out / ADAPTER).unlink(missing_ok=True)  # a stale adapter of an earlier save in this folder
    for name, tensors in parts.items():
        tmp = out / (name + ".tmp")
        save_file(tensors, str(tmp), metadata={"format": "cafetalk"})
        os.replace(tmp, out / name)
    (out / CONFIG).write_text(json.dumps(to_dict(model.cfg), indent=2) + "\n")
    for name, data in (extra_files or {}).items():
        (out / name).write_bytes(data)
    return write_manifest(out, [*parts, CONFIG, *sorted(extra_files or {})])


def write_manifest(folder: Path, files: list[str]) -> Path:
    """manifest.json: the sha256 of each file, checked by `verify` on every load."""
    manifest = {"files": {name: sha256(folder / name) for name in files}}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def verify(folder: str | Path) -> dict[str, str]:
    """Check every file against the manifest. Returns the manifest's file -> sha256 map."""
    root = Path(folder)
    if not root.is_dir():
        raise CafeTalkError(f"weights folder not found: {root}")
    mpath = root / MANIFEST
    if not mpath.exists():
        raise CafeTalkError(f"{root} has no {MANIFEST}: not a cafetalk checkpoint folder")
    try:
        files = json.loads(mpath.read_text())["files"]
        assert isinstance(files, dict)
    except Exception:
        raise CafeTalkError(f"{mpath} is not a valid manifest: restore the weights folder") from None
    for name in (WEIGHTS, CONFIG):
        if name not in files:
            raise CafeTalkError(f"{mpath} does not list {name}: restore the weights folder")
    for name, digest in files.items():
        p = root / name
        if not p.exists():
            raise CafeTalkError(f"weights file missing: {p} - restore the weights folder")
        if sha256(p) != digest:
            raise CafeTalkError(f"weights file {p} is corrupt (sha256 does not match {MANIFEST}): "
                                "restore it from the release or retrain")
    return files


def load_config(folder: str | Path) -> CafeTalkConfig:
    path = Path(folder) / CONFIG
    try:
        return from_dict(json.loads(path.read_text()))
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise CafeTalkError(f"cannot use {path}: {exc}") from None


def load(folder: str | Path, device: torch.device | str = "cpu") -> CafeTalkDiT:
    """Verify and rebuild the model (eval mode) from a checkpoint folder."""
    from safetensors.torch import load_file

    files = verify(folder)
    cfg = load_config(folder)
    try:
        model = CafeTalkDiT(cfg)
    except Exception as exc:
        raise CafeTalkError(f"cannot build the model described by {Path(folder) / CONFIG}: {exc}") from None
    state = load_file(str(Path(folder) / WEIGHTS))
    if ADAPTER in files:  # checkpoints written before the split hold the adapter in WEIGHTS
        state.update(load_file(str(Path(folder) / ADAPTER)))
    where = " + ".join(str(Path(folder) / n) for n in (WEIGHTS, ADAPTER) if n in files)
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # a tensor of the wrong shape
        reason = str(exc).strip().splitlines()[-1].strip()
        raise CafeTalkError(f"{where} does not match its config: {reason}") from None
    if result.missing_keys or result.unexpected_keys:
        raise CafeTalkError(f"{where} does not match its config: missing "
                            f"{result.missing_keys[:4]}, unexpected {result.unexpected_keys[:4]}")
    for name, tensor in state.items():
        if not torch.isfinite(tensor).all():
            raise CafeTalkError(f"{where}: tensor {name} holds NaN/inf - the training diverged")
    return model.to(device).eval()
