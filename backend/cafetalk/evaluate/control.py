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


def slot_artifacts(motion: np.ndarray, uncontrolled: np.ndarray, triplet: aus.Triplet) -> dict[str, float]:
    """What a control does inside its slot besides its AU: motion and `uncontrolled` (T, 52), the same
    clip, emotion and seed generated with and without the triplet. Eq. 8 sees none of this.

    - off_channel_change: mean |change| inside the slot on the channels the AUs do not drive
      (blink timing, jaw, other expressions pulled along);
    - flicker: mean |second difference| (frame-to-frame jitter) inside the slot, over all channels,
      as a ratio to the uncontrolled motion's in the same frames (1: no added jitter).
    """
    s, e = triplet.start_frame, triplet.end_frame
    driven = aus.triplet_columns(triplet)
    others = [i for i in range(arkit.NUM_PREDICTED) if i not in driven]
    change = float(np.abs(motion[s:e, others] - uncontrolled[s:e, others]).mean())
    lo, hi = max(0, s - 1), min(len(motion), e + 1)  # second differences centred on the slot's frames
    jitter = np.abs(np.diff(motion[lo:hi, :arkit.NUM_PREDICTED], 2, axis=0)).mean()
    ref = np.abs(np.diff(uncontrolled[lo:hi, :arkit.NUM_PREDICTED], 2, axis=0)).mean()
    return {"off_channel_change": change, "flicker": float(jitter / max(ref, 1e-6))}
