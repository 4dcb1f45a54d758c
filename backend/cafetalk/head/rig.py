"""The posed head with numpy alone: rest vertices + weights @ deltas, lip measures, and the npz export.

    cafetalk head export --out head.npz
    z = np.load("head.npz"); verts = z["vertices"] + np.tensordot(weights, z["deltas"], 1)  # weights (52,)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import arkit
from .mesh import MOUTH_HALF_WIDTH, MOUTH_Z, HeadMesh, build
from .shapes import build_deltas


@dataclass
class Head:
    mesh: HeadMesh
    deltas: np.ndarray  # (52, V, 3), arkit.NAMES order
    lip_vertices: np.ndarray  # ids of the lip region (for LVE)

    @property
    def vertices(self) -> np.ndarray:
        return self.mesh.vertices

    def pose(self, weights: np.ndarray) -> np.ndarray:
        """weights (52,) or (T, 52) -> vertices (V, 3) or (T, V, 3)."""
        w = np.asarray(weights, dtype=np.float32)
        if w.shape[-1] != arkit.NUM_CHANNELS:
            raise ValueError(f"weights must have {arkit.NUM_CHANNELS} ARKit channels in arkit.NAMES order, got {w.shape}")
        return self.mesh.vertices[None] + np.tensordot(w.reshape(-1, arkit.NUM_CHANNELS), self.deltas, 1) \
            if w.ndim == 2 else self.mesh.vertices + np.tensordot(w, self.deltas, 1)

    def lip_gap(self, vertices: np.ndarray) -> np.ndarray:
        """Inner-lip opening: mean vertical distance between the inner lip rows over the middle half of
        the mouth (metres). vertices (V, 3) or (T, V, 3) -> () or (T,)."""
        up, lo = self.mesh.upper_lip_inner, self.mesh.lower_lip_inner
        mid = np.abs(self.mesh.vertices[up, 0]) < MOUTH_HALF_WIDTH / 2
        gap = vertices[..., up[mid], 2] - vertices[..., lo[mid], 2]
        return np.clip(gap, 0, None).mean(axis=-1)


@lru_cache(maxsize=1)
def reference_head() -> Head:
    mesh = build()
    v = mesh.vertices
    skin = np.zeros(len(v), dtype=bool)
    skin[mesh.part("skin")] = True
    near_mouth = (np.abs(v[:, 0]) < MOUTH_HALF_WIDTH * 1.25) & (np.abs(v[:, 2] - MOUTH_Z) < 0.016) & (v[:, 1] < 0)
    return Head(mesh, build_deltas(mesh), np.flatnonzero(skin & near_mouth))


def export(path: str | Path) -> Path:
    head = reference_head()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, vertices=head.vertices.astype(np.float32), faces=head.mesh.faces.astype(np.int32),
                        deltas=head.deltas.astype(np.float32), names=np.array(arkit.NAMES),
                        lip_vertices=head.lip_vertices.astype(np.int32),
                        upper_lip_inner=head.mesh.upper_lip_inner.astype(np.int32),
                        lower_lip_inner=head.mesh.lower_lip_inner.astype(np.int32),
                        part_names=np.array([p.name for p in head.mesh.parts]),
                        part_ranges=np.array([(p.start, p.stop) for p in head.mesh.parts], dtype=np.int32),
                        part_colors=np.array([p.color for p in head.mesh.parts], dtype=np.float32),
                        face_colors=head.mesh.face_colors.astype(np.float32))
    return out
