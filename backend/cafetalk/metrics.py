"""Metrics (paper section 4.2.1, appendix E). So far: LVE on the reference head.

LVE (Richard et al. 2021): per frame, the largest L2 distance over the lip vertices between the
predicted and the reference mesh; averaged over frames. Reported in millimetres.
"""
from __future__ import annotations

import numpy as np


def lve(pred: np.ndarray, ref: np.ndarray, head=None) -> float:
    """pred, ref: (T, 52) ARKit weights on the same frames -> mean over frames of max lip-vertex error (mm)."""
    from .head.rig import reference_head

    head = head or reference_head()
    if pred.shape != ref.shape or pred.ndim != 2:
        raise ValueError(f"LVE needs two (T, 52) sequences of the same shape, got {pred.shape} and {ref.shape}")
    lips = head.lip_vertices
    d = np.tensordot(pred - ref, head.deltas[:, lips], 1)  # (T, L, 3): the rest pose cancels
    return float(np.linalg.norm(d, axis=-1).max(axis=1).mean() * 1000.0)
