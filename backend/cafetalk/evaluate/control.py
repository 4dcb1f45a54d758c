"""Control Rate (paper Eq. 8): how strongly a fine-grained condition shows in the generated motion.

CR = max over the controlled slot [F_s, F_e) of the AU's ARKit channels (mean over its channels per
frame) minus their average over the 5 frames before F_s and the 5 frames after F_e (0.2 s, the
shortest noticeable expression, Ekman & Friesen 1969). Higher: a more obvious, intense control.
"""
from __future__ import annotations

import numpy as np

from .. import arkit, aus

NEIGHBOURS = 5


def control_rate(motion: np.ndarray, triplet: aus.Triplet) -> dict[str, float]:
    """motion (T, 52) at 25 fps -> {AU: CR} for each AU of the triplet."""
    s, e = triplet.start_frame, triplet.end_frame
    out = {}
    for code in triplet.aus:
        curve = motion[:, [arkit.INDEX[c] for c in aus.channels_of(code)]].mean(1)  # (T,)
        around = np.concatenate([curve[max(0, s - NEIGHBOURS):s], curve[e:e + NEIGHBOURS]])
        out[code] = float(curve[s:e].max() - (around.mean() if len(around) else 0.0))
    return out
