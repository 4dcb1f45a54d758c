"""An animation: (T, 52) ARKit weights at some fps, the controls that made it, and its files.

`save` picks the format by extension: `.npz` (blendshapes, names, fps, controls, settings),
`.csv` (Live Link Face), `.json` (names, fps, frames). Files are written to a temporary name and
renamed, so a failure never leaves a half-written output behind.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import arkit, livelink
from .errors import CafeTalkError

FORMATS = (".npz", ".csv", ".json")


@dataclass
class Animation:
    blendshapes: np.ndarray  # (T, 52) float32 in [0, 1], arkit.NAMES order
    fps: float = 25.0
    controls: list[str] = field(default_factory=list)  # triplets as typed (aus.Triplet.__str__)
    settings: dict = field(default_factory=dict)  # emotion, intensity, alpha, beta, steps, seed, ...

    names = arkit.NAMES

    @property
    def num_frames(self) -> int:
        return self.blendshapes.shape[0]

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps

    def slots(self) -> list:
        """The fine-grained controls as triplets (aus.Triplet); controls that do not parse are skipped."""
        from .aus import parse_triplet

        out = []
        for text in self.controls:
            try:
                out.append(parse_triplet(text))
            except ValueError:
                continue
        return out

    def channel(self, name: str) -> np.ndarray:
        return self.blendshapes[:, arkit.index_of(name)]

    def resample(self, fps: float) -> "Animation":
        """Linear resampling in time to another frame rate (same duration)."""
        if fps <= 0 or fps > 1000:
            raise CafeTalkError(f"--fps {fps:g} is not a usable frame rate (1..1000)")
        if fps == self.fps:
            return self
        n = max(1, int(round(self.duration * fps)))
        src = np.arange(self.num_frames) / self.fps
        dst = np.arange(n) / fps
        out = np.stack([np.interp(dst, src, self.blendshapes[:, c]) for c in range(arkit.NUM_CHANNELS)], 1)
        return Animation(out.astype(np.float32), fps, list(self.controls), dict(self.settings))

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path) -> Path:
        p = Path(path)
        ext = p.suffix.lower()
        if ext not in FORMATS:
            raise CafeTalkError(f"output '{p.name}': the extension picks the format, use one of {', '.join(FORMATS)}")
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.tmp{os.getpid()}")
        try:
            if ext == ".npz":
                with open(tmp, "wb") as f:
                    np.savez_compressed(f, blendshapes=self.blendshapes.astype(np.float32),
                                        names=np.array(self.names), fps=np.float32(self.fps),
                                        controls=np.array(self.controls, dtype=str),
                                        settings=np.array(json.dumps(self.settings)))
            elif ext == ".csv":
                livelink.write_csv(tmp, self.blendshapes, self.fps)
            else:
                tmp.write_text(json.dumps({"names": list(self.names), "fps": self.fps,
                                           "controls": self.controls, "settings": self.settings,
                                           "frames": np.round(self.blendshapes, 6).tolist()}))
            os.replace(tmp, p)
        finally:
            tmp.unlink(missing_ok=True)
        return p

    @classmethod
    def load(cls, path: str | Path, csv_fps: float | None = None) -> "Animation":
        p = Path(path)
        ext = p.suffix.lower()
        if ext == ".npz":
            with np.load(p, allow_pickle=False) as z:
                names = [str(n) for n in z["names"]]
                bs = _reorder(z["blendshapes"], names, p)
                return cls(bs, float(z["fps"]), [str(c) for c in z["controls"]], json.loads(str(z["settings"])))
        if ext == ".json":
            d = json.loads(p.read_text())
            bs = _reorder(np.asarray(d["frames"], dtype=np.float32), d["names"], p)
            return cls(bs, float(d["fps"]), list(d.get("controls", [])), dict(d.get("settings", {})))
        if ext == ".csv":
            _, bs, fps = livelink.read_csv(p, fps=csv_fps)
            return cls(bs, fps)
        raise CafeTalkError(f"cannot read '{p.name}': use {', '.join(FORMATS)}")


def _reorder(values: np.ndarray, names: list[str], path: Path) -> np.ndarray:
    """Columns named `names` -> arkit.NAMES order (missing channels are 0)."""
    out = np.zeros((values.shape[0], arkit.NUM_CHANNELS), dtype=np.float32)
    for j, name in enumerate(names):
        try:
            out[:, arkit.index_of(name)] = values[:, j]
        except KeyError:
            raise CafeTalkError(f"{path}: column '{name}' is not an ARKit blend shape") from None
    return out
