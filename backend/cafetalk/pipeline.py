"""generate(audio, controls, options) -> Animation: the Python API every shell (CLI, serve, add-on) uses.

    from cafetalk import CafeTalk
    talk = CafeTalk.load()                       # weights/default, or $CAFETALK_WEIGHTS
    anim = talk.generate("line.wav", emotion="furious", intensity=0.8,
                         controls=["AU12@2.0-3.5", "AU01+AU02@4-5*2"], seed=1)
    anim.save("line.csv")

Flow: load and check audio -> encode speech window by window -> coarse condition (style, emotion
text, intensity) -> AU triplets to frame masks (Eq. 1, Z_cfg of Eq. 7) -> guided reverse diffusion
per window, stitched (windows.py) -> (T, 52) ARKit weights in [0, 1] at the requested fps.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from . import arkit, aus, checkpoint
from .animation import Animation
from .audio import HOP, Audio, build_audio_encoder, load_audio, num_frames_for, prepare
from .audio.phones import DEFAULT_RECOGNIZER, RECOGNIZERS
from .diffusion import SAMPLERS, GaussianDiffusion
from .errors import CafeTalkError
from .model import CafeTalkDiT, Conditions
from .model.config import GUIDANCE_MASKS, GUIDANCE_REFERENCES
from .sampler import Cancelled, sample_window
from .windows import Window, generate_windows, plan_windows

REPO_WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "default"
TEXT_PREFIX = "text:"

Progress = Callable[[float, str], None]


def default_weights() -> Path:
    """$CAFETALK_WEIGHTS, else the repository's weights/default."""
    env = os.environ.get("CAFETALK_WEIGHTS")
    if env:
        return Path(env)
    if (REPO_WEIGHTS / checkpoint.MANIFEST).exists():
        return REPO_WEIGHTS
    raise CafeTalkError(f"no default weights at {REPO_WEIGHTS}: pass --weights DIR (a checkpoint folder) or "
                        "set CAFETALK_WEIGHTS")


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name not in ("cpu", "cuda", "mps"):
        raise CafeTalkError(f"unknown device '{name}': use auto, cpu, cuda or mps")
    if name == "cuda" and not torch.cuda.is_available():
        raise CafeTalkError("device 'cuda' asked for, but torch sees no CUDA GPU here: use auto or cpu")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise CafeTalkError("device 'mps' asked for, but this machine has no Metal GPU: use auto or cpu")
    return torch.device(name)


def parse_controls(controls: Sequence[str | aus.Triplet],
                   detect: Callable[[str], object] | None = None) -> list[aus.Triplet]:
    """Strings like `AU01+AU02@1.0-2.5` -> triplets. `text:a sarcastic smirk@4.0-5.0` goes through the
    text-to-AU detector (`detect(description)` -> Detection); without one, text controls are refused."""
    out = []
    for c in controls:
        if isinstance(c, aus.Triplet):
            aus.validate([c])
            out.append(c)
            continue
        text = str(c)
        if text.strip().lower().startswith(TEXT_PREFIX):
            body = text.strip()[len(TEXT_PREFIX):]
            if "@" not in body:
                raise CafeTalkError(f"control '{c}': write text:DESCRIPTION@START-END, e.g. text:raises eyebrows@3-4")
            description, times = body.rsplit("@", 1)
            if detect is None:
                raise CafeTalkError(f"control '{c}': text controls need the text-to-AU detector, which is not "
                                    "available here; write AUs instead, e.g. AU01+AU02@3.0-4.0")
            found = detect(description.strip())
            if not found.aus:
                raise CafeTalkError(f"control '{c}': no AU detected in '{description.strip()}' ({found.reason}); "
                                    "rephrase it or write AUs, e.g. AU12@1-2")
            text = "+".join(found.aus) + "@" + times
        try:
            out.append(aus.parse_triplet(text))
        except ValueError as exc:
            raise CafeTalkError(f"control '{c}': {exc}" if text != str(c) else str(exc)) from None
    return out


def _check_range(name: str, value: float, lo: float, hi: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CafeTalkError(f"{name} must be a number, got {value!r}") from None
    if not (lo <= value <= hi) or not np.isfinite(value):
        raise CafeTalkError(f"{name} {value:g} is outside {lo:g}..{hi:g}")
    return value


def _check_phones(phones, audio_kind: str) -> list[tuple[str, float, float]]:
    from .audio.phones import ARPABET_CLASS, CLASSES

    if audio_kind != "phonetic":
        raise CafeTalkError("these weights hear audio features, not phones: given phones need phonetic weights")
    out = []
    for i, item in enumerate(phones):
        try:
            symbol, start, end = str(item[0]), float(item[1]), float(item[2])
        except (TypeError, ValueError, IndexError):
            raise CafeTalkError(f"phone {i} is not (symbol, start s, end s): {item!r}") from None
        if symbol.rstrip("012") not in ARPABET_CLASS and symbol not in CLASSES:
            raise CafeTalkError(f"phone {i} '{symbol}' is neither an ARPAbet phone nor a viseme class "
                                f"({', '.join(CLASSES)})")
        if not (np.isfinite(start) and np.isfinite(end) and 0 <= start < end):
            raise CafeTalkError(f"phone {i} '{symbol}' has times {start}-{end}: need 0 <= start < end (seconds)")
        out.append((symbol, start, end))
    return out


class CafeTalk:
    """A loaded model with its frozen encoders; `generate` may be called many times."""

    def __init__(self, model: CafeTalkDiT, device: torch.device, weights: Path | None = None):
        self.model = model.to(device).eval()
        self.cfg = model.cfg
        self.device = device
        self.weights = weights
        self.diffusion = GaussianDiffusion(self.cfg.diffusion)
        self.audio_encoder = build_audio_encoder(self.cfg.audio, device)
        self._text = None
        self._image = None
        self._detector = None

    def detect_aus(self, description: str):
        """The text-to-AU detector (loaded on first use from $CAFETALK_DETECTOR or weights/detector)."""
        if self._detector is None:
            from .detector.detect import TextAUDetector

            self._detector = TextAUDetector.load(os.environ.get("CAFETALK_DETECTOR") or None)
        return self._detector.detect(description)

    @classmethod
    def load(cls, weights: str | Path | None = None, device: str = "auto") -> "CafeTalk":
        folder = Path(weights) if weights else default_weights()
        dev = pick_device(device)
        return cls(checkpoint.load(folder, dev), dev, folder)

    # ------------------------------------------------------------------ conditions
    def embed_emotion(self, text: str) -> torch.Tensor:
        if self._text is None:
            from .emotion_words import EmotionVocabulary, unmapped
            from .text import build_text_encoder

            encoder = build_text_encoder(self.cfg.text)
            kind = self.cfg.text.vocabulary
            if kind not in ("synonyms", "direct"):
                raise CafeTalkError(f"unknown emotion vocabulary '{kind}' in the checkpoint: use synonyms or direct")
            # labels without synonym sets (a corpus with other categories) are fed directly
            if kind == "synonyms" and not unmapped(self.cfg.emotions):
                self._text = EmotionVocabulary(encoder, self.cfg.emotions).embed
            else:
                self._text = lambda t: encoder.encode([t])[0]
        return self._text(text)  # (De,)

    def embed_style(self, style: int, style_image: str | Path | None) -> torch.Tensor:
        if style_image is not None:
            if self.cfg.style.kind != "open_clip":
                raise CafeTalkError("these weights learn talking styles per speaker id (a table), not from images: "
                                    f"use --style 0..{self.cfg.style.num_styles - 1}")
            if self._image is None:
                from .image import ImageStyleEncoder

                self._image = ImageStyleEncoder(self.cfg.style)
            return self._image.encode(style_image)[None]  # (1, Ds)
        if self.cfg.style.kind != "table":
            raise CafeTalkError("these weights take the talking style from a face image: pass --style-image")
        if not (0 <= int(style) < self.cfg.style.num_styles):
            raise CafeTalkError(f"style {style} is unknown: these weights know styles 0..{self.cfg.style.num_styles - 1}")
        return torch.tensor([int(style)])  # (1,)

    # ------------------------------------------------------------------ generate
    def generate(self, audio: str | Path | Audio | tuple[np.ndarray, int], *, emotion: str = "neutral",
                 intensity: float = 1.0, style: int = 0, style_image: str | Path | None = None,
                 controls: Sequence[str | aus.Triplet] = (), transcript: str | None = None,
                 phones: Sequence[tuple[str, float, float]] | None = None, recognizer: str = DEFAULT_RECOGNIZER,
                 alpha: float = 1.0, beta: float = 1.0,
                 steps: int = 25, sampler: str = "ddim", seed: int = 0, fps: float = 25.0,
                 overlap: int | None = None, max_seconds: float | None = None, cfg_mask: str | None = None,
                 cfg_reference: str | None = None, seal_lips: bool = True,
                 progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> Animation:
        """Speech (+ coarse and fine-grained controls) -> ARKit animation. Raises CafeTalkError on bad input.
        `transcript`: the words spoken (phonetic weights align it to the audio for exact lip-sync; a transcript
        that does not fit falls back to phone recognition with a note in the result's settings).
        `recognizer`: how phonetic weights find phones without a (fitting) transcript: "warped" (the
        default: as "nbest", plus the bilabials of phone recognition at four vocal-tract warps), "nbest" (as
        "both", plus the bilabials of the next word hypotheses), "both" (word
        recognition then alignment of what was heard, plus the bilabials phone recognition hears where the
        words have none; in half the time), "words" (without those) or
        "phones" (phone recognition alone: about six times faster; docs/lip-sync.md).
        `phones`: the clip's timed phones from another aligner, [(ARPAbet phone or viseme class, start s, end s)],
        used instead of pocketsphinx (phonetic weights only).
        `cfg_mask`: where Eq. 7's fine-grained term applies: "frames" (the paper's Z_cfg: the slots' frames),
        "channels" (those frames, on the slot AUs' channels only), "opposing" (also the channels of the AUs
        that pull against them), "none" (everywhere: the ablation of Table 3); default: the weights'
        `guidance.mask`. `cfg_reference`: what that term is measured from, "null" (Eq. 7 as printed) or
        "coarse" (the adapter's own contribution); default: the weights' `guidance.reference`.
        `seal_lips`: with phonetic weights, lips are sealed on the bilabials (p, b, m) and the lower lip put
        on the teeth on f/v of the phone stream, as an animator keys them (data/performer.py `seal_lips`)."""
        # ---- check everything before any heavy work
        if not isinstance(emotion, str) or not emotion.strip():
            raise CafeTalkError("emotion must be a word or phrase, e.g. 'happy' or 'quietly furious'")
        if len(emotion) > 300:
            raise CafeTalkError("emotion text is over 300 characters: describe the emotion in a few words")
        intensity = _check_range("intensity", intensity, 0.0, 1.0)
        alpha = _check_range("alpha", alpha, 0.0, 20.0)
        beta = _check_range("beta", beta, 0.0, 20.0)
        cfg_mask = self.cfg.guidance.mask if cfg_mask is None else cfg_mask
        if cfg_mask not in GUIDANCE_MASKS:
            raise CafeTalkError(f"unknown guidance mask '{cfg_mask}': use {', '.join(GUIDANCE_MASKS)}")
        cfg_reference = self.cfg.guidance.reference if cfg_reference is None else cfg_reference
        if cfg_reference not in GUIDANCE_REFERENCES:
            raise CafeTalkError(f"unknown guidance reference '{cfg_reference}': use "
                                f"{' or '.join(GUIDANCE_REFERENCES)}")
        if sampler not in SAMPLERS:
            raise CafeTalkError(f"unknown sampler '{sampler}': use {' or '.join(SAMPLERS)}")
        if not isinstance(steps, int) or not 1 <= steps <= self.diffusion.num_train_timesteps:
            raise CafeTalkError(f"steps must be a whole number from 1 to {self.diffusion.num_train_timesteps}")
        fps = _check_range("fps", fps, 1.0, 1000.0)
        if not isinstance(seed, int) or seed < 0:
            raise CafeTalkError(f"seed must be a whole number >= 0, got {seed!r}")
        if transcript is not None and not isinstance(transcript, str):
            raise CafeTalkError("transcript must be text (the words spoken in the audio)")
        if transcript is not None and len(transcript) > 100_000:
            raise CafeTalkError("transcript is over 100,000 characters: pass the words of this clip only")
        if recognizer not in RECOGNIZERS:
            raise CafeTalkError(f"unknown recognizer '{recognizer}': use {', '.join(RECOGNIZERS)}")
        if phones is not None:
            phones = _check_phones(phones, self.cfg.audio.kind)
        triplets = parse_controls(controls, self.detect_aus)
        if triplets and self.model.adapter is None:
            raise CafeTalkError("these weights have no fine-grained AU adapter (stage 1 only): AU controls need "
                                "stage-2 weights; remove the controls or pass other --weights")
        limit = {} if max_seconds is None else {"max_seconds": max_seconds}
        if isinstance(audio, Audio):
            clip = audio
        elif isinstance(audio, tuple):
            clip = prepare(audio[0], int(audio[1]), **limit)
        else:
            clip = load_audio(audio, **limit)
        try:
            aus.validate(triplets, clip.duration)
        except ValueError as exc:
            raise CafeTalkError(str(exc)) from None

        num_frames = num_frames_for(len(clip.samples))
        window = self.cfg.model.window
        overlap = window // 4 if overlap is None else overlap
        plan = plan_windows(num_frames, window, overlap)
        if progress:
            progress(0.0, "encoding the emotion")
        emotion_vec = self.embed_emotion(emotion.strip())[None].to(self.device)  # (1, De)
        style_vec = self.embed_style(style, style_image).to(self.device)  # (1,) or (1, Ds)
        au_seq = torch.from_numpy(aus.au_sequence(triplets, num_frames))  # (N, U)
        z_cfg = torch.from_numpy(aus.guidance_mask(triplets, num_frames, beta,
                                                   mask="frames" if cfg_mask == "none" else cfg_mask))  # (N,) or (N, 51)
        if cfg_mask == "none" and triplets:  # ablation (Table 3, w/o mask-based CFG): the fine term everywhere
            z_cfg = torch.full_like(z_cfg, float(z_cfg.max()))

        ctx = self.cfg.audio.context_frames
        notes = list(clip.notes)
        whole, stream = None, None  # encoders that need the whole utterance (the phone recogniser) encode it once
        if getattr(self.audio_encoder, "whole_clip", False):
            if progress:
                progress(0.0, "finding phones" if not transcript else "aligning the transcript")

            def recognising(fraction: float) -> None:  # after each recognition pass (audio/phones.py recognize_with)
                if cancel is not None and cancel():
                    raise Cancelled("generation cancelled")
                if progress:
                    progress(0.0, f"recognising speech: {fraction:.0%}")

            whole, stream = self.audio_encoder.encode_clip(clip.samples, num_frames, transcript, phones,
                                                           recognizer, recognising)  # (N, Da)
            if stream.warning:
                notes.append(stream.warning)
        elif transcript:
            notes.append("these weights hear audio features only: the transcript was not used")

        def conditions_for(w: Window) -> Conditions:
            if whole is not None:
                feats = whole[w.start:w.end]  # (T, Da)
            else:
                lo, hi = w.start - ctx, w.end + ctx  # frames with context
                s0, s1 = max(0, lo * HOP), min(len(clip.samples), hi * HOP)
                chunk = np.zeros((hi - lo) * HOP, dtype=np.float32)
                chunk[s0 - lo * HOP:s1 - lo * HOP] = clip.samples[s0:s1]
                feats = self.audio_encoder.encode(chunk, hi - lo)[ctx:ctx + w.end - w.start]  # (T, Da)
            return Conditions(
                audio=feats[None].to(self.device), emotion=emotion_vec,
                intensity=torch.tensor([intensity], device=self.device), style=style_vec,
                aus=au_seq[w.start:w.end][None].to(self.device) if triplets else None)

        def z_cfg_for(w: Window) -> torch.Tensor | None:
            return z_cfg[w.start:w.end][None].to(self.device) if triplets else None

        total, done = len(plan) * steps, [0]

        def on_step() -> None:
            done[0] += 1
            if cancel is not None and cancel():
                raise Cancelled("generation cancelled")
            if progress:
                progress(done[0] / total, f"window {min(len(plan), done[0] // steps + 1)}/{len(plan)}")

        generator = torch.Generator().manual_seed(seed)

        def sample(cond: Conditions, z: torch.Tensor | None, known: torch.Tensor | None) -> torch.Tensor:
            return sample_window(self.model, self.diffusion, cond, alpha=alpha, z_cfg=z, steps=steps,
                                 sampler=sampler, generator=generator, known=known, on_step=on_step,
                                 reference=cfg_reference)

        x = generate_windows(num_frames, window, overlap, self.cfg.model.num_channels,
                             conditions_for, z_cfg_for, sample)  # (N, 51) normalised
        with torch.no_grad():
            motion = self.model.denormalise(x.to(self.device)).clamp(0, 1).float().cpu().numpy()  # (N, 51)
        full = np.zeros((num_frames, arkit.NUM_CHANNELS), dtype=np.float32)
        full[:, [arkit.INDEX[n] for n in arkit.PREDICTED]] = motion
        if seal_lips and stream is not None:
            from .audio.phonetic import arpabet_class
            from .data.performer import seal_lips as seal

            seal(full, [(arpabet_class(p), a, b) for p, a, b in stream.phones])
        settings = dict(emotion=emotion, intensity=intensity, style=style if style_image is None else str(style_image),
                        alpha=alpha, beta=beta, cfg_mask=cfg_mask, cfg_reference=cfg_reference, steps=steps,
                        sampler=sampler, seed=seed,
                        audio=clip.source,
                        weights=str(self.weights) if self.weights else None, notes=notes,
                        phones=stream.source if stream is not None else None,
                        recognizer=recognizer if stream is not None and stream.source == "recognition" else None,
                        seal_lips=bool(seal_lips and stream is not None))
        anim = Animation(full, float(aus.FPS), [str(t) for t in triplets], settings)
        if progress:
            progress(1.0, "done")
        return anim.resample(fps)


_LOADED: dict[tuple[str, str], CafeTalk] = {}


def generate(audio: str | Path | Audio | tuple[np.ndarray, int], *, weights: str | Path | None = None,
             device: str = "auto", **options) -> Animation:
    """One-call API: load (and keep) the weights, then `CafeTalk.generate(audio, **options)`."""
    key = (str(Path(weights) if weights else default_weights()), device)
    if key not in _LOADED:
        _LOADED[key] = CafeTalk.load(key[0], device)
    return _LOADED[key].generate(audio, **options)


__all__ = ["CafeTalk", "Cancelled", "generate", "default_weights", "parse_controls", "pick_device"]
