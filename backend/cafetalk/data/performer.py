"""The procedural performer: phoneme timings + speech energy + emotion + talking style -> ARKit motion.

It is the teacher of the embedded default model, so it follows what a lip-sync artist checks:
- visemes per phoneme class, blended across neighbours (coarticulation: targets are laid out at
  100 Hz and smoothed with a ~35 ms Gaussian, so nothing pops);
- lips fully sealed on bilabials (p, b, m) and lower lip on the teeth for f/v: after everything
  else is laid on, a closure envelope forces the lips shut at each such phone (closures win over
  emotion, as an animator would key them), on at least the frame that overlaps the phone most;
- rounding (funnel + pucker) on rounded vowels and w, spread lips on front vowels;
- the jaw follows syllable energy (RMS of the audio) and stress; mouth closed and relaxed in silence;
- emotions (MEAD's eight) as FACS prototypes (Ekman & Friesen's EMFACS combinations) at three
  intensities, varying slowly over time with an onset, never a constant offset;
- per-speaker talking styles (articulation amplitude, left/right asymmetry, resting expression,
  blink rate, brow activity on stressed syllables, gaze activity), blinks, gaze shifts, and
  spontaneous AU events (brow raises, squints, smiles, frowns, sneers...) at random moments so that
  AUs vary independently of the emotion label (stage 2 and swap-label training need that).
Phone symbols are espeak-ng's mnemonics (data/speech.py); classification is by their first letters,
which works across espeak's languages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import arkit
from .speech import Phone

FPS = 25
HZ = 100  # internal timeline rate
EMOTIONS = ("neutral", "angry", "contempt", "disgusted", "fear", "happy", "sad", "surprised")
INTENSITY_LEVELS = {1: 0.4, 2: 0.7, 3: 1.0}  # MEAD's three levels -> prototype scale

# Viseme targets (ARKit weights) per phoneme class. `both:` expands to Left and Right.
VISEMES: dict[str, dict[str, float]] = {
    "silence": {"jawOpen": 0.02},
    "bilabial": {"jawOpen": 0.07, "mouthClose": 0.07, "both:mouthPress": 0.3, "mouthRollLower": 0.1},
    "labiodental": {"jawOpen": 0.09, "mouthClose": 0.03, "mouthRollLower": 0.5, "both:mouthUpperUp": 0.15},
    "rounded": {"jawOpen": 0.2, "mouthFunnel": 0.35, "mouthPucker": 0.55},
    "open_rounded": {"jawOpen": 0.42, "mouthFunnel": 0.3, "mouthPucker": 0.2, "both:mouthLowerDown": 0.1},
    "open": {"jawOpen": 0.55, "both:mouthLowerDown": 0.25, "both:mouthUpperUp": 0.05},
    "front": {"jawOpen": 0.22, "both:mouthStretch": 0.25, "both:mouthSmile": 0.08, "both:mouthLowerDown": 0.1},
    "mid": {"jawOpen": 0.32, "both:mouthLowerDown": 0.12},
    "sibilant": {"jawOpen": 0.06, "both:mouthStretch": 0.15, "both:mouthLowerDown": 0.05},
    "postalveolar": {"jawOpen": 0.1, "mouthFunnel": 0.35, "mouthPucker": 0.15},
    "coronal": {"jawOpen": 0.14, "both:mouthLowerDown": 0.08},
    "back": {"jawOpen": 0.22},
}
VOWELS = {"rounded", "open_rounded", "open", "front", "mid"}

# Emotion prototypes (EMFACS-style AU combinations) as ARKit channels at full intensity.
PROTOTYPES: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"both:cheekSquint": 0.5, "both:mouthSmile": 0.65, "both:eyeSquint": 0.2},  # AU6+12
    "sad": {"browInnerUp": 0.6, "both:browDown": 0.25, "both:mouthFrown": 0.5, "mouthShrugLower": 0.3},  # 1+4+15+17
    "angry": {"both:browDown": 0.75, "both:eyeSquint": 0.35, "both:eyeWide": 0.15, "both:mouthPress": 0.35,
              "both:noseSneer": 0.2},  # 4+5+7+23/24
    "fear": {"browInnerUp": 0.6, "both:browOuterUp": 0.4, "both:browDown": 0.2, "both:eyeWide": 0.55,
             "both:mouthStretch": 0.45, "jawOpen": 0.1},  # 1+2+4+5+20+26
    "surprised": {"browInnerUp": 0.65, "both:browOuterUp": 0.7, "both:eyeWide": 0.6, "jawOpen": 0.15},  # 1+2+5+26
    "disgusted": {"both:noseSneer": 0.6, "both:mouthUpperUp": 0.45, "both:mouthFrown": 0.3, "both:browDown": 0.3,
                  "both:cheekSquint": 0.25},  # 9+10+15+4
    "contempt": {"mouthSmileRight": 0.45, "mouthDimpleRight": 0.4, "mouthPressRight": 0.1},  # R12+R14
}

# Spontaneous events: short AU bursts independent of the emotion (FACS code, channels).
EVENTS: tuple[dict[str, float], ...] = (
    {"browInnerUp": 0.7, "both:browOuterUp": 0.7},  # AU1+2 brow raise
    {"browInnerUp": 0.7},  # AU1
    {"both:browDown": 0.7},  # AU4 frown
    {"both:eyeSquint": 0.6},  # AU7 squint
    {"both:cheekSquint": 0.5, "both:mouthSmile": 0.7},  # AU6+12 smile
    {"mouthSmileLeft": 0.6},  # L12 smirk
    {"mouthSmileRight": 0.6},  # R12 smirk
    {"both:noseSneer": 0.7, "both:mouthUpperUp": 0.4},  # AU9+10 sneer
    {"both:mouthFrown": 0.6},  # AU15
    {"both:mouthPress": 0.6},  # AU24
    {"both:eyeWide": 0.7},  # AU5
    {"both:mouthDimple": 0.6},  # AU14
    {"browOuterUpLeft": 0.7},  # L2 one brow
)


def expand(targets: dict[str, float]) -> np.ndarray:
    """{'both:mouthSmile': v, 'jawOpen': w} -> (52,) vector."""
    v = np.zeros(arkit.NUM_CHANNELS, dtype=np.float32)
    for name, value in targets.items():
        names = [name[5:] + "Left", name[5:] + "Right"] if name.startswith("both:") else [name]
        for n in names:
            v[arkit.INDEX[n]] = value
    return v


VISEME_VECTORS = {k: expand(v) for k, v in VISEMES.items()}
PROTOTYPE_VECTORS = {k: expand(v) for k, v in PROTOTYPES.items()}
EVENT_VECTORS = [expand(e) for e in EVENTS]
# Channels that part the lips: a closure zeroes them (a smile or a stretch may stay on sealed lips).
LIP_CHANNELS = [arkit.INDEX[n] for n in ("mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
                                         "mouthUpperUpRight", "mouthFunnel")]
JAW, CLOSE = arkit.INDEX["jawOpen"], arkit.INDEX["mouthClose"]


def phone_class(symbol: str) -> str:
    s = symbol
    if not s or s.startswith("_"):
        return "silence"
    c = s[0]
    if c in "pbmB":
        return "bilabial"
    if c in "fv" or s.startswith("F"):
        return "labiodental"
    if s[:2] in ("tS", "dZ") or c in "SZ":
        return "postalveolar"
    if c in "szTD":
        return "sibilant"
    if c in "0O":
        return "open_rounded"
    if c in "uUwWoyY" or s.startswith("@U"):
        return "rounded"
    if c in "aAV&":
        return "open"
    if c in "iIeEj":
        return "front"
    if c in "@3":
        return "mid"
    if c in "kgNhxqGC?":
        return "back"
    return "coronal"


def seal_lips(motion: np.ndarray, phones: list[tuple[str, float, float]]) -> np.ndarray:
    """Closures win, as an animator keys them: lips sealed on bilabial phones, the lower lip on the teeth
    on labiodentals, on at least the frame that overlaps each such phone most. `phones` are
    (viseme class, start s, end s); motion (T, 52) at 25 fps is changed in place and returned."""
    T = len(motion)
    closure = np.zeros(T, dtype=np.float32)
    teeth = np.zeros(T, dtype=np.float32)
    frames = np.arange(T)
    for cls, start, end in phones:
        if cls not in ("bilabial", "labiodental") or start >= T / FPS:
            continue
        env = _bump(T, FPS, start - 0.01, end - start + 0.02, 0.03, 0.03)
        overlap = np.clip(np.minimum((frames + 1) / FPS, end) - np.maximum(frames / FPS, start), 0, None)
        env[int(np.argmax(overlap))] = 1.0  # at least the frame that overlaps the phone most
        target_env = closure if cls == "bilabial" else teeth
        np.maximum(target_env, env, out=target_env)
    jaw_closed = np.minimum(motion[:, JAW], 0.12)
    motion[:, JAW] = (1 - closure) * motion[:, JAW] + closure * jaw_closed
    motion[:, CLOSE] = (1 - closure) * motion[:, CLOSE] + closure * motion[:, JAW]  # lips meet
    motion[:, LIP_CHANNELS] *= (1 - closure)[:, None]
    roll = arkit.INDEX["mouthRollLower"]
    motion[:, roll] = np.maximum(motion[:, roll], 0.5 * teeth)
    motion[:, JAW] = (1 - 0.6 * teeth) * motion[:, JAW] + 0.6 * teeth * np.minimum(motion[:, JAW], 0.12)
    return motion


def lip_gap(motion: np.ndarray) -> np.ndarray:
    """A proxy of the inner-lip opening from ARKit weights (0 = lips together). (T,)."""
    m = motion
    opening = np.clip(m[:, JAW] - m[:, CLOSE], 0, None)
    lips = 0.5 * (m[:, arkit.INDEX["mouthLowerDownLeft"]] + m[:, arkit.INDEX["mouthLowerDownRight"]]) / 2 \
        + 0.5 * (m[:, arkit.INDEX["mouthUpperUpLeft"]] + m[:, arkit.INDEX["mouthUpperUpRight"]]) / 2
    return opening + lips


@dataclass
class Style:
    """A speaker's talking style (deterministic per style id)."""

    amplitude: float = 1.0  # articulation scale
    asymmetry: float = 0.0  # > 0: the left side moves more
    rest: np.ndarray = field(default_factory=lambda: np.zeros(arkit.NUM_CHANNELS, dtype=np.float32))
    blink_rate: float = 15.0  # blinks per minute
    brow_activity: float = 0.2  # brow raise on stressed syllables
    gaze_activity: float = 0.5  # gaze shifts per second


def style_for(style_id: int) -> Style:
    rng = np.random.default_rng([7919, style_id])
    rest = np.zeros(arkit.NUM_CHANNELS, dtype=np.float32)
    for name in rng.choice(["browInnerUp", "mouthSmileLeft", "mouthFrownRight", "browDownLeft", "eyeSquintLeft",
                            "mouthPressLeft", "cheekSquintRight", "mouthDimpleLeft"], size=2, replace=False):
        rest[arkit.INDEX[str(name)]] = rng.uniform(0.02, 0.12)
    return Style(amplitude=float(rng.uniform(0.75, 1.25)), asymmetry=float(rng.uniform(-0.12, 0.12)), rest=rest,
                 blink_rate=float(rng.uniform(8, 26)), brow_activity=float(rng.uniform(0.0, 0.4)),
                 gaze_activity=float(rng.uniform(0.2, 0.8)))


def _smooth_noise(n: int, rate: float, cutoff_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Slowly varying noise in [0, 1]: a few random sinusoids below cutoff_hz. (n,)."""
    t = np.arange(n) / rate
    f = rng.uniform(0.05, cutoff_hz, 3)
    p = rng.uniform(0, 2 * np.pi, 3)
    return 0.5 + 0.5 * np.sin(2 * np.pi * f[:, None] * t[None] + p[:, None]).mean(0) * 1.3


def _bump(n: int, rate: float, start: float, length: float, attack: float, release: float) -> np.ndarray:
    """A smooth pulse: raised-cosine attack, hold, raised-cosine release. (n,)."""
    t = np.arange(n) / rate
    a = np.clip((t - start) / max(attack, 1e-3), 0, 1)
    r = np.clip((start + length - t) / max(release, 1e-3), 0, 1)
    return (0.5 - 0.5 * np.cos(np.pi * np.minimum(a, r))).astype(np.float32)


def frame_energy(samples: np.ndarray, rate: int, num_frames: int) -> np.ndarray:
    """RMS per 40 ms frame, normalised to [0, 1] by the clip's 95th percentile. (T,)."""
    hop = rate / FPS
    # a frame past the last sample (the frame count rounds up) has no samples: it counts as silence
    rms = np.array([np.sqrt(np.mean(samples[int(i * hop):int((i + 1) * hop)] ** 2) + 1e-12)
                    if int(i * hop) < len(samples) else 0.0 for i in range(num_frames)])
    return np.clip(rms / (np.percentile(rms, 95) + 1e-9), 0, 1).astype(np.float32)


def perform(phones: list[Phone], samples: np.ndarray, rate: int, emotion: str, intensity: int, style: Style,
            rng: np.random.Generator, events_per_minute: float = 8.0) -> np.ndarray:
    """-> (T, 52) ARKit weights in [0, 1] at 25 fps, T = ceil(duration * 25)."""
    if emotion not in PROTOTYPE_VECTORS:
        raise ValueError(f"unknown emotion '{emotion}': use one of {', '.join(EMOTIONS)}")
    duration = len(samples) / rate
    T = max(1, int(np.ceil(duration * FPS)))
    n = T * (HZ // FPS)

    # ---- speech: piecewise targets at 100 Hz, coarticulated by Gaussian smoothing
    target = np.tile(VISEME_VECTORS["silence"], (n, 1))
    classes = [phone_class(p.symbol) for p in phones]
    for p, cls in zip(phones, classes):
        v = VISEME_VECTORS[cls] * (style.amplitude if cls != "silence" else 1.0)
        if cls in VOWELS:
            v = v * (1.0 + 0.12 * (p.stress - 1))
        target[int(p.start * HZ):max(int(p.start * HZ) + 1, int(p.end * HZ))] = v
    sigma = 3.5  # samples at 100 Hz: ~35 ms of coarticulation
    k = np.exp(-0.5 * (np.arange(-10, 11) / sigma) ** 2)
    k /= k.sum()
    padded = np.pad(target, ((10, 10), (0, 0)), mode="edge")
    smooth = np.stack([np.convolve(padded[:, c], k, mode="valid") for c in range(arkit.NUM_CHANNELS)], 1)
    motion = smooth[HZ // FPS // 2::HZ // FPS][:T].copy()  # (T, 52) sampled at frame centres

    # jaw follows energy and stress
    energy = frame_energy(samples, rate, T)
    motion[:, JAW] *= 0.55 + 0.6 * energy
    for p, cls in zip(phones, classes):
        if cls in VOWELS and p.stress >= 2 and style.brow_activity > 0:
            motion[:, arkit.INDEX["browInnerUp"]] += style.brow_activity * 0.5 * _bump(
                T, FPS, p.start - 0.05, p.end - p.start + 0.1, 0.08, 0.15)

    # ---- emotion: the prototype, scaled by intensity, slowly varying, with an onset
    scale = INTENSITY_LEVELS[intensity] if emotion != "neutral" else 0.0
    if scale:
        onset = _bump(T, FPS, rng.uniform(-0.3, 0.3), duration + 1.0, rng.uniform(0.2, 0.6), 0.01)
        wave = 0.65 + 0.35 * _smooth_noise(T, FPS, 0.4, rng)
        motion += (scale * onset * wave)[:, None] * PROTOTYPE_VECTORS[emotion][None]

    # ---- style: resting expression and asymmetry
    motion += style.rest[None]
    for left, right in arkit.LR_PAIRS:
        li, ri = arkit.INDEX[left], arkit.INDEX[right]
        motion[:, li] *= 1 + style.asymmetry
        motion[:, ri] *= 1 - style.asymmetry

    # ---- spontaneous AU events, independent of the emotion
    for _ in range(rng.poisson(events_per_minute * duration / 60)):
        vec = EVENT_VECTORS[int(rng.integers(len(EVENT_VECTORS)))] * rng.uniform(0.5, 1.1)
        length = rng.uniform(0.4, 1.6)
        motion += _bump(T, FPS, rng.uniform(-0.2, duration - 0.2), length, 0.15, 0.25)[:, None] * vec[None]

    # ---- closures win: lips sealed on bilabials, lower lip on the teeth on f/v
    seal_lips(motion, [(cls, p.start, p.end) for p, cls in zip(phones, classes)])

    # ---- blinks and gaze
    t = 0.0
    while True:
        t += rng.exponential(60.0 / style.blink_rate)
        if t >= duration:
            break
        blink = _bump(T, FPS, t, rng.uniform(0.08, 0.16), 0.05, 0.12)
        amp = rng.uniform(0.85, 1.0)
        for side in ("Left", "Right"):
            i = arkit.INDEX["eyeBlink" + side]
            motion[:, i] = np.maximum(motion[:, i], amp * blink)
    gaze = np.zeros((T, 2), dtype=np.float32)  # horizontal (+ right), vertical (+ up)
    pos = np.zeros(2)
    for f in range(T):
        if rng.random() < style.gaze_activity / FPS:
            pos = rng.normal(0, 0.25, 2)
        gaze[f] = pos
    for side in ("Left", "Right"):
        right_is_out = side == "Right"
        motion[:, arkit.INDEX["eyeLookUp" + side]] += np.clip(gaze[:, 1], 0, None)
        motion[:, arkit.INDEX["eyeLookDown" + side]] += np.clip(-gaze[:, 1], 0, None)
        motion[:, arkit.INDEX["eyeLookOut" + side]] += np.clip(gaze[:, 0] if right_is_out else -gaze[:, 0], 0, None)
        motion[:, arkit.INDEX["eyeLookIn" + side]] += np.clip(-gaze[:, 0] if right_is_out else gaze[:, 0], 0, None)

    motion[:, arkit.INDEX["tongueOut"]] = 0.0
    return np.clip(motion, 0.0, 1.0).astype(np.float32)
