"""Facial Action Units: the vocabulary the model controls, and the triplets of Eq. 1.

A fine-grained condition is a list of triplets (F_d, F_s, F_e) (paper Eq. 1): a set of AUs and the
interval where they should fire. Users type them as `AU01+AU02@1.0-2.5` (seconds), `L12@40f-80f`
(frames at 25 fps, sided AU), optionally with their own guidance scale `AU12@2.0-3.5*1.5`.

From triplets this module derives the three frame-level tensors the model and sampler use:
- the binary AU sequence the adapter reads, (T, NUM_UNITS): one unit per AU and side;
- Z_cfg of Eq. 7, (T,): the frames a user asked for, holding each triplet's beta (or (T, 51),
  masked in space too, on the AUs' channels);
- Z_ctrl of Eq. 6, (T, 51): which ARKit channels, on which frames, the AUs drive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from . import arkit

FPS = 25  # the model's frame rate

# AU -> (FACS name, ARKit channels, sided). A sided AU has Left/Right channels: its bilateral
# form `AU12` drives both sides, `L12`/`R12` one side (a smirk, a one-sided brow raise).
# ARKit has no separate lip tightener, so AU23 and AU24 share mouthPress (AU24 also rolls the lips).
VOCABULARY: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "AU01": ("Inner Brow Raiser", ("browInnerUp",), False),
    "AU02": ("Outer Brow Raiser", ("browOuterUpLeft", "browOuterUpRight"), True),
    "AU04": ("Brow Lowerer", ("browDownLeft", "browDownRight"), True),
    "AU05": ("Upper Lid Raiser", ("eyeWideLeft", "eyeWideRight"), True),
    "AU06": ("Cheek Raiser", ("cheekSquintLeft", "cheekSquintRight"), True),
    "AU07": ("Lid Tightener", ("eyeSquintLeft", "eyeSquintRight"), True),
    "AU09": ("Nose Wrinkler", ("noseSneerLeft", "noseSneerRight"), True),
    "AU10": ("Upper Lip Raiser", ("mouthUpperUpLeft", "mouthUpperUpRight"), True),
    "AU12": ("Lip Corner Puller", ("mouthSmileLeft", "mouthSmileRight"), True),
    "AU14": ("Dimpler", ("mouthDimpleLeft", "mouthDimpleRight"), True),
    "AU15": ("Lip Corner Depressor", ("mouthFrownLeft", "mouthFrownRight"), True),
    "AU17": ("Chin Raiser", ("mouthShrugLower", "mouthShrugUpper"), False),
    "AU18": ("Lip Pucker", ("mouthPucker",), False),
    "AU20": ("Lip Stretcher", ("mouthStretchLeft", "mouthStretchRight"), True),
    "AU22": ("Lip Funneler", ("mouthFunnel",), False),
    "AU23": ("Lip Tightener", ("mouthPressLeft", "mouthPressRight"), True),
    "AU24": ("Lip Pressor", ("mouthPressLeft", "mouthPressRight", "mouthRollLower"), False),
    "AU25": ("Lips Part", ("mouthLowerDownLeft", "mouthLowerDownRight"), True),
    "AU26": ("Jaw Drop", ("jawOpen",), False),
    "AU28": ("Lip Suck", ("mouthRollLower", "mouthRollUpper"), False),
    "AU45": ("Blink", ("eyeBlinkLeft", "eyeBlinkRight"), True),
}
AUS: tuple[str, ...] = tuple(VOCABULARY)

# AUs that pull the same feature the other way (FACS antagonists): brows raised / lowered, upper lid
# raised / tightened, lip corners up / down, lips stretched / puckered. Eq. 7's "opposing" mask lets
# a slot's AU term also move these channels, so a smile can replace the frown of an angry clip.
OPPOSING: dict[str, tuple[str, ...]] = {
    "AU01": ("AU04",), "AU02": ("AU04",), "AU04": ("AU01", "AU02"),
    "AU05": ("AU07",), "AU07": ("AU05",),
    "AU12": ("AU15",), "AU15": ("AU12",),
    "AU18": ("AU20",), "AU20": ("AU18",),
}


def _side(channel: str, side: str) -> bool:
    return not channel.endswith("Left" if side == "R" else "Right")


# The adapter's input units: one per unsided AU, two (L, R) per sided AU.
UNITS: tuple[str, ...] = tuple(
    u for au, (_, _, sided) in VOCABULARY.items()
    for u in ((f"L{au[2:]}", f"R{au[2:]}") if sided else (au,))
)
NUM_UNITS = len(UNITS)
UNIT_INDEX = {u: i for i, u in enumerate(UNITS)}


def units_of(code: str) -> tuple[str, ...]:
    """Adapter units an AU code activates: `AU12` -> (L12, R12); `L12` -> (L12,); `AU01` -> (AU01,)."""
    code = normalise(code)
    if code in UNIT_INDEX:
        return (code,)
    _, _, sided = VOCABULARY[code]
    return (f"L{code[2:]}", f"R{code[2:]}") if sided else (code,)


def channels_of(code: str) -> tuple[str, ...]:
    """ARKit channels an AU code drives, honouring its side."""
    code = normalise(code)
    if code[0] in "LR":
        side, au = code[0], "AU" + code[1:]
        return tuple(c for c in VOCABULARY[au][1] if _side(c, side))
    return VOCABULARY[code][1]


def normalise(code: str) -> str:
    """Canonical spelling of an AU code (`au1` -> `AU01`, `l12` -> `L12`); raises on unknown AUs."""
    m = re.fullmatch(r"\s*(AU|L|R)\s*0*(\d+)\s*", code, flags=re.IGNORECASE)
    if not m:
        raise ValueError(f"'{code}' is not an AU code: write AU12 (both sides), L12 or R12 (one side)")
    prefix, num = m.group(1).upper(), int(m.group(2))
    au = f"AU{num:02d}"
    if au not in VOCABULARY:
        raise ValueError(f"unknown AU '{code}': the model knows {', '.join(AUS)}")
    if prefix == "AU":
        return au
    if not VOCABULARY[au][2]:
        raise ValueError(f"{au} ({VOCABULARY[au][0]}) has no sides in ARKit: write {au}, not {code.strip()}")
    return f"{prefix}{num:02d}"


@dataclass(frozen=True)
class Triplet:
    """One fine-grained condition (Eq. 1): AUs F_d active from F_s to F_e (seconds, end exclusive)."""

    aus: tuple[str, ...]
    start: float
    end: float
    beta: float | None = None  # this slot's guidance scale (Eq. 7); None: the request's beta

    @property
    def start_frame(self) -> int:
        return int(round(self.start * FPS))

    @property
    def end_frame(self) -> int:
        return int(round(self.end * FPS))

    def __str__(self) -> str:
        s = f"{'+'.join(self.aus)}@{self.start:g}-{self.end:g}"
        return s if self.beta is None else f"{s}*{self.beta:g}"


_TIME = r"(\d+(?:\.\d*)?|\.\d+)\s*([sf]?)"
_TRIPLET = re.compile(rf"^\s*([^@]+?)\s*@\s*{_TIME}\s*-\s*{_TIME}\s*(?:\*\s*(\d+(?:\.\d*)?|\.\d+))?\s*$", re.I)


def parse_triplet(text: str) -> Triplet:
    """Parse `AU01+AU02@1.0-2.5`, `L12@40f-80f` or `AU12@2-3.5*1.5` into a Triplet.

    Times are seconds unless suffixed with `f` (frames at 25 fps). Raises ValueError with the reason.
    """
    m = _TRIPLET.match(text)
    if not m:
        raise ValueError(
            f"cannot read control '{text}': write AUs@START-END in seconds, e.g. AU01+AU02@1.0-2.5, "
            "or frames, e.g. AU12@50f-80f; add *BETA for this slot's intensity")
    codes, t0, u0, t1, u1, beta = m.groups()
    aus = tuple(dict.fromkeys(normalise(c) for c in codes.split("+")))
    start = float(t0) / (FPS if u0.lower() == "f" else 1.0)
    end = float(t1) / (FPS if u1.lower() == "f" else 1.0)
    trip = Triplet(aus, start, end, None if beta is None else float(beta))
    validate([trip])
    return trip


def validate(triplets: list[Triplet], duration: float | None = None) -> None:
    """Check intervals: non-empty, not inverted, inside the audio when its duration is known."""
    for t in triplets:
        if not t.aus:
            raise ValueError(f"control '{t}' names no AU")
        for code in t.aus:
            normalise(code)
        if t.start < 0:
            raise ValueError(f"control '{t}' starts before 0 s")
        if t.end_frame <= t.start_frame:
            raise ValueError(f"control '{t}' is empty or inverted: its end must come after its start "
                             f"by at least one frame ({1 / FPS:g} s)")
        if t.beta is not None and not (0.0 <= t.beta <= 20.0):
            raise ValueError(f"control '{t}': beta {t.beta:g} is outside 0..20")
        if duration is not None and t.start_frame >= int(round(duration * FPS)):
            raise ValueError(f"control '{t}' starts at {t.start:g} s, after the audio ends ({duration:.2f} s)")
        if duration is not None and t.end > duration + 1.0 / FPS:
            raise ValueError(f"control '{t}' ends at {t.end:g} s, past the end of the audio "
                             f"({duration:.2f} s): shorten it")


def au_sequence(triplets: list[Triplet], num_frames: int) -> np.ndarray:
    """Binary per-frame AU units (the adapter's input, Eq. 1 laid out in time). (T, NUM_UNITS)."""
    seq = np.zeros((num_frames, NUM_UNITS), dtype=np.float32)
    for t in triplets:
        cols = [UNIT_INDEX[u] for code in t.aus for u in units_of(code)]
        seq[t.start_frame:t.end_frame, cols] = 1.0
    return seq


def triplet_columns(t: Triplet, opposing: bool = False) -> list[int]:
    """The ARKit channel columns (of the 51 predicted) that a triplet's AUs drive; `opposing` adds those of
    the AUs that pull against them (OPPOSING), on the same side for a sided code (L12 -> L15)."""
    codes = list(t.aus)
    if opposing:
        for code in t.aus:
            side, au = (code[0], "AU" + code[1:]) if code[0] in "LR" else ("", code)
            codes += [side + o[2:] if side and VOCABULARY[o][2] else o for o in OPPOSING.get(au, ())]
    return sorted({arkit.INDEX[c] for code in codes for c in channels_of(code)})


def guidance_mask(triplets: list[Triplet], num_frames: int, beta: float, mask: str = "frames") -> np.ndarray:
    """Z_cfg of Eq. 7 scaled by beta: each triplet's frames hold its beta (max where slots overlap). (T,).

    mask="channels" also masks in space, like Z_ctrl: only the ARKit channels of the triplet's AUs hold
    its beta; "opposing" adds the channels of their opposing AUs (model/config.py GUIDANCE_MASKS says
    why). (T, 51)."""
    if mask not in ("frames", "channels", "opposing"):
        raise ValueError(f"unknown guidance mask '{mask}'")
    spatial = mask != "frames"
    z = np.zeros((num_frames, arkit.NUM_PREDICTED) if spatial else num_frames, dtype=np.float32)
    for t in triplets:
        b = beta if t.beta is None else t.beta
        span = slice(t.start_frame, t.end_frame)
        if spatial:
            cols = triplet_columns(t, opposing=mask == "opposing")
            z[span, cols] = np.maximum(z[span, cols], b)
        else:
            z[span] = np.maximum(z[span], b)
    return z


def control_mask(triplets: list[Triplet], num_frames: int) -> np.ndarray:
    """Z_ctrl of Eq. 6: 1 on the ARKit channels the triplets' AUs drive, on their frames. (T, 51)."""
    z = np.zeros((num_frames, arkit.NUM_PREDICTED), dtype=np.float32)
    for t in triplets:
        z[t.start_frame:t.end_frame, triplet_columns(t)] = 1.0
    return z
