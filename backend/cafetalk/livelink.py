"""Live Link Face CSV: write and read the layout of Epic's Live Link Face app.

Columns: `Timecode,BlendShapeCount,` the 52 blend shapes in PascalCase, then 9 head/eye rotations
(written as 0). Timecode is `HH:MM:SS:FF.fff` (frame within the second, then its fraction);
BlendShapeCount is 61. Importers (Unreal's Live Link, Faceit, ...) read this layout.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from . import arkit
from .errors import CafeTalkError


def timecode(frame: int, fps: float) -> str:
    seconds = frame / fps
    whole = int(math.floor(seconds + 1e-9))
    sub = (seconds - whole) * fps  # frames into this second
    ff = int(math.floor(sub + 1e-9))
    frac = round((sub - ff) * 1000)
    if frac >= 1000:
        ff, frac = ff + 1, 0
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{ff:02d}.{frac:03d}"


def split_timecode(text: str) -> tuple[int, float]:
    """`HH:MM:SS:FF.fff` -> (whole seconds, frames into that second)."""
    h, m, s, f = text.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + int(s), float(f)


def write_csv(path: str | Path, blendshapes: np.ndarray, fps: float) -> None:
    """blendshapes: (T, 52) in arkit.NAMES order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(arkit.LIVELINK_COLUMNS)
    zeros = ["0"] * len(arkit.LIVELINK_ROTATIONS)
    for i, row in enumerate(np.asarray(blendshapes, dtype=np.float64)):
        w.writerow([timecode(i, fps), arkit.LIVELINK_BLENDSHAPE_COUNT, *(f"{v:.6f}" for v in row), *zeros])
    Path(path).write_text(buf.getvalue())


def read_csv(path: str | Path, fps: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Read a Live Link Face CSV. Returns (times in seconds (T,), blendshapes (T, 52) in NAMES order, fps).

    `fps` is the take's frame rate; None reads it from the timecodes (the FF field counts frames
    within each second), falling back to Live Link Face's default of 60 for takes under a second.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CafeTalkError(f"cannot read {p}: {exc.strerror}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise CafeTalkError(f"{p} is empty: expected a Live Link Face CSV")
    header = [h.strip() for h in rows[0]]
    col = {name: i for i, name in enumerate(header)}
    missing = [n for n in ("Timecode", *arkit.PASCAL) if n not in col]
    # tongueOut is optional in some exports
    missing = [n for n in missing if n != "TongueOut"]
    if missing:
        raise CafeTalkError(f"{p} is missing column(s) {', '.join(missing[:5])}"
                            f"{' ...' if len(missing) > 5 else ''}: not a Live Link Face CSV")
    stamps, values = [], []
    for r, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise CafeTalkError(f"{p} row {r} has {len(row)} columns, the header has {len(header)}")
        try:
            stamps.append(split_timecode(row[col["Timecode"]]))
        except ValueError:
            raise CafeTalkError(f"{p} row {r}: bad Timecode '{row[col['Timecode']]}' (want HH:MM:SS:FF.fff)") from None
        frame = []
        for name in arkit.PASCAL:
            if name not in col:
                frame.append(0.0)
                continue
            try:
                v = float(row[col[name]])
            except ValueError:
                raise CafeTalkError(f"{p} row {r}, column {name}: '{row[col[name]]}' is not a number") from None
            if not math.isfinite(v):
                raise CafeTalkError(f"{p} row {r}, column {name}: value is not finite")
            frame.append(v)
        values.append(frame)
    if not values:
        raise CafeTalkError(f"{p} has a header but no frames")
    whole = np.array([w for w, _ in stamps], dtype=np.float64)
    frames = np.array([f for _, f in stamps], dtype=np.float64)
    if fps is None:
        full_seconds = [frames[whole == w] for w in np.unique(whole)[1:-1]]  # seconds seen whole
        fps = float(round(max(f.max() for f in full_seconds) + 1)) if full_seconds else 60.0
    times = whole - whole[0] + frames / fps - frames[0] / fps
    return times, np.clip(np.asarray(values, dtype=np.float32), 0.0, 1.0), fps
