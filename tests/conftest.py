"""Shared fixtures: tiny random models of every real class, written to temporary folders.

Nothing here is downloaded: the text encoder is a 1-layer BERT with a 40-word vocabulary, the
diffusion model the `tiny` preset. Zero-initialised output layers are given small random weights so
that predictions differ between conditions (an untrained DiT predicts exactly 0 everywhere).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
try:  # the Blender tests (tests/addon) run in Blender's Python, which has no torch
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
except ImportError:
    torch = None

WORDS = ("happy sad angry neutral fear surprised disgusted contempt furious shy calm very a the person "
         "looks smiling frown").split()


def write_tiny_bert(folder: Path) -> Path:
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    BertTokenizerFast(vocab_file=str(vocab)).save_pretrained(folder)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(WORDS) + 5, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(folder, safe_serialization=True)
    return folder


def perturb_zero_layers(model: torch.nn.Module, seed: int = 0, scale: float = 0.05) -> None:
    """Give every exactly-zero weight small random values (an untrained DiT outputs zeros)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.numel() and torch.count_nonzero(p) == 0:
                p.copy_(torch.randn(p.shape, generator=g) * scale)


def tiny_config(text_dir: Path, adapter: bool = True):
    from cafetalk.model import preset

    cfg = preset("tiny", adapter=adapter)
    cfg.text.path = str(text_dir)
    cfg.text.dim = 16
    cfg.style.dim = 8
    return cfg


@pytest.fixture(scope="session")
def text_dir(tmp_path_factory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="session")
def tiny_model(text_dir):
    from cafetalk.model import CafeTalkDiT

    torch.manual_seed(0)
    model = CafeTalkDiT(tiny_config(text_dir)).eval()
    perturb_zero_layers(model)
    return model


@pytest.fixture(scope="session")
def weights_dir(tmp_path_factory, tiny_model) -> Path:
    from cafetalk import checkpoint

    return checkpoint.save(tiny_model, tmp_path_factory.mktemp("weights") / "tiny")


def speech_like(seconds: float = 3.0, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """A voiced, syllable-rate-modulated signal: enough structure for the audio path."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    return (0.3 * voiced * envelope + 0.01 * rng.standard_normal(t.shape)).astype(np.float32)


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    import soundfile as sf

    path = tmp_path_factory.mktemp("audio") / "speech.wav"
    sf.write(path, speech_like(3.0, 22050), 22050)  # not 16 kHz on purpose: the loader resamples
    return path


TINY_CORPUS = dict(hours=0.01, seed=3, shard_clips=6)  # ~36 s of speech in 6-clip shards


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A tiny generated corpus (espeak-ng speech + the performer), shared by the data and training tests."""
    pytest.importorskip("espeakng_loader")
    from cafetalk.data.corpus import CorpusConfig, generate

    out = tmp_path_factory.mktemp("corpus")
    generate(out, CorpusConfig(**TINY_CORPUS))
    return out
