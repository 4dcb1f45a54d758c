"""Speech encoders: waveform at 16 kHz -> frozen features at 25 fps, behind one small interface.

- `mel`: log-mel spectrogram (80 bands, 10 ms hop) with 4 hops stacked per 40 ms frame. No weights,
  works offline; the model's audio projection learns the rest.
- `phonetic`: a viseme-class phone stream from pocketsphinx (forced alignment with a transcript, else
  phone recognition) + voice-independent acoustic cues (phonetic.py); the embedded default's encoder.
- `xlsr`: a Wav2Vec2 / XLS-R model (Conneau et al. 2020; the paper's encoder) from a local directory
  the user downloaded (`facebook/wav2vec2-xls-r-300m`); its 50 fps output is interpolated to 25 fps
  (section 3.1.1). Never fetched from a hub.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import CafeTalkError
from ..model.config import AudioConfig
from .load import SAMPLE_RATE

FPS = 25
HOP = SAMPLE_RATE // FPS  # 640 samples per motion frame


class AudioEncoder:
    """Interface: `dim` features per frame; `encode(samples, num_frames)` -> (num_frames, dim)."""

    dim: int

    def encode(self, samples: np.ndarray, num_frames: int) -> torch.Tensor:
        raise NotImplementedError

    def to(self, device: torch.device | str) -> "AudioEncoder":
        return self


def num_frames_for(num_samples: int) -> int:
    """Motion frames covering a clip: one per started 40 ms."""
    return max(1, math.ceil(num_samples / HOP))


def mel_filterbank(n_mels: int, n_fft: int, rate: int, f_min: float = 0.0, f_max: float | None = None) -> torch.Tensor:
    """Triangular filters on the HTK mel scale, (n_mels, n_fft // 2 + 1)."""
    f_max = f_max or rate / 2
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    hz = lambda m: 700.0 * (10 ** (m / 2595.0) - 1.0)  # noqa: E731
    edges = hz(np.linspace(mel(f_min), mel(f_max), n_mels + 2))  # (n_mels + 2,)
    bins = np.linspace(0, rate / 2, n_fft // 2 + 1)  # (F,)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (bins[None] - lo) / (mid - lo)
    down = (hi - bins[None]) / (hi - mid)
    return torch.from_numpy(np.clip(np.minimum(up, down), 0, None).astype(np.float32))


class MelEncoder(AudioEncoder):
    n_mels, n_fft, win, hop, stack = 80, 512, 400, 160, 4  # 25 ms windows, 10 ms hop, 4 hops per frame

    def __init__(self, cfg: AudioConfig):
        self.dim = self.n_mels * self.stack
        if cfg.dim != self.dim:
            raise CafeTalkError(f"checkpoint says mel features have {cfg.dim} dims; the mel encoder makes {self.dim}")
        self.fbank = mel_filterbank(self.n_mels, self.n_fft, SAMPLE_RATE)
        self.window = torch.hann_window(self.win)

    def encode(self, samples: np.ndarray, num_frames: int) -> torch.Tensor:
        need = num_frames * HOP
        wave = torch.from_numpy(np.asarray(samples, dtype=np.float32))
        wave = F.pad(wave, (0, max(0, need - wave.shape[0])))[:need]  # (num_frames * 640,)
        spec = torch.stft(wave, self.n_fft, self.hop, self.win, self.window, center=True,
                          return_complex=True).abs() ** 2  # (F, S/160 + 1)
        logmel = torch.log(self.fbank @ spec + 1e-6)[:, : num_frames * self.stack]  # (80, 4 T)
        return logmel.T.reshape(num_frames, self.dim)  # (T, 320): 4 stacked 10 ms frames per 40 ms


class XLSREncoder(AudioEncoder):
    def __init__(self, cfg: AudioConfig, device: torch.device | str = "cpu"):
        from transformers import Wav2Vec2Model

        if not cfg.path:
            raise CafeTalkError("the xlsr audio encoder needs a local model folder: download "
                                "facebook/wav2vec2-xls-r-300m yourself and set its path")
        path = Path(cfg.path).expanduser()
        if not (path / "config.json").exists():
            raise CafeTalkError(f"no Wav2Vec2 model in {path}: expected config.json and model weights there")
        try:
            self.model = Wav2Vec2Model.from_pretrained(str(path), local_files_only=True, use_safetensors=None)
        except Exception as exc:
            raise CafeTalkError(f"cannot load the XLS-R model from {path}: {exc}") from None
        self.model.eval().requires_grad_(False)
        self.dim = self.model.config.hidden_size
        if cfg.dim != self.dim:
            raise CafeTalkError(f"checkpoint expects {cfg.dim}-d audio features, the model in {path} "
                                f"gives {self.dim}: use the XLS-R model these weights were trained with")
        self.device = torch.device(device)
        self.model.to(self.device)

    def to(self, device: torch.device | str) -> "XLSREncoder":
        self.device = torch.device(device)
        self.model.to(self.device)
        return self

    @torch.no_grad()
    def encode(self, samples: np.ndarray, num_frames: int) -> torch.Tensor:
        wave = torch.from_numpy(np.asarray(samples, dtype=np.float32))
        wave = F.pad(wave, (0, max(0, 800 - wave.shape[0])))  # the conv front end needs >= 50 ms
        wave = (wave - wave.mean()) / (wave.std() + 1e-7)  # Wav2Vec2FeatureExtractor's normalisation
        hidden = self.model(wave[None].to(self.device)).last_hidden_state  # (1, ~50 fps, D)
        # 50 fps -> 25 fps by linear interpolation (section 3.1.1)
        out = F.interpolate(hidden.transpose(1, 2), size=num_frames, mode="linear", align_corners=False)
        return out[0].T.float().cpu()  # (T, D)


def build_audio_encoder(cfg: AudioConfig, device: torch.device | str = "cpu") -> AudioEncoder:
    if cfg.kind == "phonetic":
        from .phonetic import PhoneticEncoder

        return PhoneticEncoder(cfg)
    if cfg.kind == "mel":
        return MelEncoder(cfg)
    if cfg.kind == "xlsr":
        return XLSREncoder(cfg, device)
    raise CafeTalkError(f"unknown audio encoder '{cfg.kind}' in the checkpoint: this cafetalk knows phonetic, mel and xlsr")
