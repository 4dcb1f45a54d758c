"""Talking style from a face image (section 3.1.1): the frozen CLIP image tower, from local weights.

Preprocessing follows CLIP's: shorter side resized to the tower's input size (bicubic), centre crop,
RGB scaled to [0, 1] and normalised with CLIP's mean and std (Radford et al. 2021).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import clip
from .errors import CafeTalkError
from .model.config import StyleConfig

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def preprocess(path: str | Path, size: int) -> torch.Tensor:
    """Image file -> (1, 3, size, size) normalised tensor."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.exists():
        raise CafeTalkError(f"style image not found: {p}")
    try:
        img = Image.open(p).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise CafeTalkError(f"cannot read style image {p}: {exc} - use a PNG or JPEG of a face") from None
    w, h = img.size
    scale = size / min(w, h)
    img = img.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BICUBIC)
    w, h = img.size
    left, top = (w - size) // 2, (h - size) // 2
    arr = np.asarray(img.crop((left, top, left + size, top + size)), dtype=np.float32) / 255.0  # (S, S, 3)
    x = (torch.from_numpy(arr) - torch.tensor(CLIP_MEAN)) / torch.tensor(CLIP_STD)
    return x.permute(2, 0, 1)[None]  # (1, 3, S, S)


class ImageStyleEncoder:
    def __init__(self, cfg: StyleConfig):
        self.model = clip.load_clip(cfg.path, cfg.clip_model, cfg.clip_cfg)
        size = self.model.visual.image_size
        self.size = size[0] if isinstance(size, (tuple, list)) else int(size)
        self.dim = self.model.visual.output_dim
        if self.dim != cfg.dim:
            raise CafeTalkError(f"CLIP image tower gives {self.dim}-d embeddings, the checkpoint expects {cfg.dim}")

    @torch.no_grad()
    def encode(self, path: str | Path) -> torch.Tensor:
        return F.normalize(self.model.encode_image(preprocess(path, self.size)), dim=-1)[0]  # (dim,)
