"""Cost of the phone front end without a transcript: seconds of compute per second of audio for each
recogniser (audio/phones.py RECOGNIZERS), and for forced alignment with the words known.

    python bench/phones.py                  # the bundled clip, repeated to 5 s, 30 s and 120 s
    python bench/phones.py --seconds 5 600

The bundled clip ("go forward, ten meters", 2.8 s of real speech) is tiled with 0.3 s pauses, so
longer inputs hold more of the same words; pocketsphinx runs on one thread whatever torch does.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from cafetalk.audio.phones import RECOGNIZERS, force_align, recognize_with  # noqa: E402
from cafetalk.cli import DEMO_CLIP  # noqa: E402


def tiled(seconds: float) -> tuple[np.ndarray, str]:
    import soundfile as sf

    clip, rate = sf.read(DEMO_CLIP, dtype="float32")
    clip = clip[: int(2.78625 * rate)]  # the words of the bundled clip, without its tail
    unit = np.concatenate([clip, np.zeros(int(0.3 * rate), np.float32)])
    reps = max(1, int(np.ceil(seconds * rate / len(unit))))
    return np.tile(unit, reps)[: int(seconds * rate)], " ".join(["go forward ten meters"] * reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, nargs="+", default=[5, 30, 120])
    args = ap.parse_args()
    print("| audio | " + " | ".join(f"`{r}`" for r in RECOGNIZERS) + " | transcript aligned |")
    print("|---" * (len(RECOGNIZERS) + 2) + "|")
    for seconds in args.seconds:
        samples, text = tiled(seconds)
        dur = len(samples) / 16000
        cells = []
        for rec in RECOGNIZERS:
            t0 = time.perf_counter()
            recognize_with(samples, rec)
            cells.append(f"{(time.perf_counter() - t0) / dur:.3f}")
        t0 = time.perf_counter()
        try:
            force_align(samples, text)
            cells.append(f"{(time.perf_counter() - t0) / dur:.3f}")
        except Exception as exc:  # a long tiled clip may not align; say so instead of a number
            cells.append(f"failed ({exc})")
        print(f"| {dur:.0f} s | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
