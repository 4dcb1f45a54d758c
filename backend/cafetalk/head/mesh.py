"""The reference head's geometry, built by a deterministic script (no downloaded asset).

Conventions (Blender's): metres, Z up, the face looks along -Y, the character's left is +X (so
ARKit's `...Left` shapes act on x > 0).

Parts, each a set of vertices of one mesh (so a single shape-key set animates everything):
- skin: a latitude/longitude surface shaped into a head (cranium, tapered jaw, neck stub) with the
  face sculpted by smooth bumps (brow ridge, nose, cheekbones, lips, chin, ears) and hollows (eye
  sockets); the mouth line is cut (its vertices doubled into upper- and lower-lip rows) so the lips
  can part, and an almond-shaped hole is cut for each eye;
- eyes: an eyeball (sclera with a dark iris cap) behind each hole, and upper/lower eyelid shells
  that close over it;
- mouth: a dark mouth bag behind the lips, upper and lower teeth rows, and a tongue.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ROWS, COLS = 90, 120  # skin grid: latitude rows x longitude columns (~11k vertices)

# Landmarks (x, z on the face; y is found on the surface)
MOUTH_Z, MOUTH_HALF_WIDTH = -0.052, 0.025
EYE_X, EYE_Z = 0.033, 0.022
EYE_HALF_WIDTH, EYE_HALF_HEIGHT = 0.0122, 0.0066
EYEBALL_R = 0.0125
LID_SCALE = 1.18  # eyelid shells sit this much outside the eyeball
JAW_PIVOT = np.array([0.0, 0.035, -0.02])  # the jaw rotates about the x-axis through this point


@dataclass
class Part:
    name: str
    start: int
    stop: int
    color: tuple[float, float, float]


@dataclass
class HeadMesh:
    vertices: np.ndarray  # (V, 3)
    faces: np.ndarray  # (F, 3) int
    parts: list[Part] = field(default_factory=list)
    upper_lip_inner: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # ids, ordered by x
    lower_lip_inner: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    eye_centers: np.ndarray = field(default_factory=lambda: np.zeros((2, 3)))  # (left, right)
    face_parts: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # (F,) part index of each face
    face_colors: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # (F, 3) RGB: skin, lips, brows, hair

    def part(self, name: str) -> slice:
        p = next(p for p in self.parts if p.name == name)
        return slice(p.start, p.stop)


def _bump(x, z, cx, cz, sx, sz):
    return np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((z - cz) / sz) ** 2))


def _skin_surface(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Head surface points for latitude theta (0 = top) and longitude phi (0 = front). -> (..., 3)."""
    st, ct = np.sin(theta), np.cos(theta)
    z = 0.118 * ct
    # Tapered lower face: narrower and shallower below the cheekbones; a neck stub at the bottom.
    low = np.clip((-z - 0.01) / 0.11, 0, 1)
    width = 0.076 * (1 - 0.3 * low ** 1.5)
    depth = 0.098 * (1 - 0.18 * low)
    neck = np.clip((-z - 0.085) / 0.03, 0, 1)
    width = width * (1 - neck) + 0.05 * neck
    depth = depth * (1 - neck) + 0.055 * neck
    back = np.where(np.cos(phi) < 0, 1.0, 0.0)  # the back of the skull bulges a little more
    x = width * st * np.sin(phi)
    y = -depth * st * np.cos(phi) * (1 + 0.05 * back)
    y = y + 0.012 * (1 - neck) * np.clip(ct, 0, 1) * back  # cranium sits back
    p = np.stack([x, y, z], axis=-1)
    # Face features as displacements along -y (front), weighted by how frontal the point is.
    front = np.clip(np.cos(phi), 0, 1) ** 2
    ax = np.abs(x)
    d = (0.024 * _bump(x, z, 0, -0.012, 0.009, 0.016)  # nose tip region
         + 0.012 * _bump(x, z, 0, 0.012, 0.006, 0.02)  # nose bridge
         + 0.006 * _bump(ax, z, 0.011, -0.022, 0.005, 0.005)  # nostrils (alae)
         + 0.007 * _bump(ax, z, 0.026, 0.036, 0.02, 0.006)  # brow ridge
         - 0.011 * _bump(ax, z, EYE_X, EYE_Z, 0.014, 0.011)  # eye sockets
         + 0.006 * _bump(ax, z, 0.048, -0.004, 0.012, 0.012)  # cheekbones
         + 0.008 * _bump(x, z, 0, MOUTH_Z + 0.008, 0.017, 0.006)  # upper lip
         + 0.008 * _bump(x, z, 0, MOUTH_Z - 0.008, 0.016, 0.006)  # lower lip
         + 0.010 * _bump(x, z, 0, -0.092, 0.016, 0.012)  # chin
         - 0.004 * _bump(x, z, 0, MOUTH_Z - 0.02, 0.014, 0.005))  # mentolabial sulcus
    p[..., 1] -= d * front
    # Ears: bumps on the sides.
    side = np.clip(np.abs(np.sin(phi)), 0, 1) ** 8
    ear = 0.012 * _bump(np.abs(phi) - np.pi / 2, z, 0.1, 0.005, 0.12, 0.02) * side
    p[..., 0] += np.sign(x) * ear
    return p


def _grid_faces(rows: int, cols: int, offset: int = 0, wrap: bool = True) -> np.ndarray:
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols if wrap else cols - 1), indexing="ij")
    a = r * cols + c
    b = r * cols + (c + 1) % cols
    d = (r + 1) * cols + c
    e = (r + 1) * cols + (c + 1) % cols
    quads = np.stack([a, d, e, b], -1).reshape(-1, 4) + offset
    return np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])


def _sphere(center, radius, rows=14, cols=20, theta_max=np.pi, scale=(1, 1, 1)):
    """A UV sphere (cap when theta_max < pi) around -y (its pole looks forward). -> (V, 3), faces."""
    th = np.linspace(0, theta_max, rows)
    ph = np.linspace(0, 2 * np.pi, cols, endpoint=False)
    T, P = np.meshgrid(th, ph, indexing="ij")
    v = np.stack([np.sin(T) * np.cos(P), -np.cos(T), np.sin(T) * np.sin(P)], -1).reshape(-1, 3)
    return np.asarray(center) + radius * v * np.asarray(scale), _grid_faces(rows, cols)


def build() -> HeadMesh:
    verts, faces, parts, face_part = [], [], [], []

    def add(name, v, f, color):
        v, f = np.asarray(v, dtype=np.float64), np.asarray(f)
        tri = v[f]
        f = f[np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1) > 1e-12]  # sphere poles
        start = sum(len(x) for x in verts)
        verts.append(np.asarray(v, dtype=np.float64))
        faces.append(np.asarray(f) + start)
        parts.append(Part(name, start, start + len(v), color))
        face_part.append(np.full(len(f), len(parts) - 1))

    # ---- skin grid (theta rows from top to bottom, phi columns symmetric about the front)
    theta = np.linspace(0.02, np.pi * 0.93, ROWS)
    phi = (np.arange(COLS) + 0.5) * 2 * np.pi / COLS - np.pi  # symmetric: no column at exactly 0
    T, P = np.meshgrid(theta, phi, indexing="ij")
    skin = _skin_surface(T, P).reshape(-1, 3)
    grid = _grid_faces(ROWS, COLS)
    # Mouth cut: the row closest to the mouth line, front columns within the mouth width.
    mouth_row = int(np.argmin(np.abs(skin.reshape(ROWS, COLS, 3)[:, COLS // 2, 2] - MOUTH_Z)))
    row_pts = skin.reshape(ROWS, COLS, 3)[mouth_row]
    cut_cols = np.flatnonzero((np.abs(row_pts[:, 0]) < MOUTH_HALF_WIDTH) & (row_pts[:, 1] < 0))
    upper = mouth_row * COLS + cut_cols
    lower = len(skin) + np.arange(len(cut_cols))  # doubled vertices for the lower lip
    skin = np.concatenate([skin, skin[upper]])
    remap = dict(zip(upper.tolist(), lower.tolist()))
    # Faces below the mouth row (they touch rows mouth_row and mouth_row + 1) use the lower copies.
    below = np.all((grid // COLS) >= mouth_row, axis=1)
    g = grid.copy()
    for fi in np.flatnonzero(below):
        g[fi] = [remap.get(int(i), int(i)) for i in g[fi]]
    # Eye holes: drop faces whose centre is inside each almond.
    centres = skin[g].mean(axis=1)
    keep = np.ones(len(g), dtype=bool)
    for sx in (1, -1):
        u = (centres[:, 0] - sx * EYE_X) / EYE_HALF_WIDTH
        w = (centres[:, 2] - EYE_Z) / EYE_HALF_HEIGHT
        keep &= ~((u ** 2 + w ** 2 < 1.0) & (centres[:, 1] < 0))
    add("skin", skin, g[keep], (0.87, 0.70, 0.60))
    upper_ids = upper[np.argsort(skin[upper, 0])]
    lower_ids = lower[np.argsort(skin[lower, 0])]

    # ---- eyes: the eyeball sits behind the hole; eyelid shells over it
    skin_grid = skin[: ROWS * COLS].reshape(ROWS, COLS, 3)
    eye_centers = []
    for sx in (1, -1):  # left (+x) first
        col = int(np.argmin(np.abs(skin_grid[:, :, 0] - sx * EYE_X).sum(0) + 10 * (skin_grid[0, :, 1] > 0)))
        row = int(np.argmin(np.abs(skin_grid[:, col, 2] - EYE_Z)))
        surface_y = skin_grid[row, col, 1]
        c = np.array([sx * EYE_X, surface_y + EYEBALL_R * 0.85, EYE_Z])
        eye_centers.append(c)
        side = "Left" if sx > 0 else "Right"
        v, f = _sphere(c, EYEBALL_R, rows=16, cols=24)
        add(f"eyeball{side}", v, f, (0.95, 0.95, 0.93))
        v, f = _sphere(c + [0, -EYEBALL_R * 0.93, 0], EYEBALL_R * 0.45, rows=6, cols=24, theta_max=np.pi / 2,
                       scale=(1, 0.35, 1))
        add(f"iris{side}", v, f, (0.25, 0.35, 0.45))
        for lid in ("upper", "lower"):
            v, f = _lid(c, lid)
            add(f"lid{lid.capitalize()}{side}", v, f, (0.85, 0.67, 0.57))

    # ---- mouth: bag, teeth, tongue (behind the lips)
    mid = skin[upper_ids].mean(0)
    v, f = _sphere(mid + [0, 0.03, -0.004], 0.022, rows=12, cols=20, scale=(1.35, 1.0, 0.8))
    add("mouthBag", v, f, (0.35, 0.12, 0.12))
    for name, dz in (("teethUpper", 0.005), ("teethLower", -0.006)):
        v, f = _teeth(mid + [0, 0.006, dz])
        add(name, v, f, (0.96, 0.95, 0.9))
    v, f = _sphere(mid + [0, 0.027, -0.008], 0.012, rows=10, cols=16, scale=(1.1, 1.4, 0.45))
    add("tongue", v, f, (0.8, 0.35, 0.38))

    mesh = HeadMesh(np.concatenate(verts), np.concatenate(faces).astype(np.int64), parts,
                    upper_ids, lower_ids, np.array(eye_centers), np.concatenate(face_part))
    mesh.face_colors = _paint(mesh)
    return mesh


LIP_COLOR, BROW_COLOR, HAIR_COLOR = (0.72, 0.38, 0.38), (0.28, 0.2, 0.15), (0.3, 0.22, 0.16)


def _paint(mesh: HeadMesh) -> np.ndarray:
    """Per-face colours: part colours, with lips, eyebrows and hair painted on the skin."""
    colors = np.array([p.color for p in mesh.parts])[mesh.face_parts]
    c = mesh.vertices[mesh.faces].mean(axis=1)
    x, y, z = c[:, 0], c[:, 1], c[:, 2]
    skin = mesh.face_parts == 0
    front = y < -0.02
    lips = skin & front & (np.abs(x) < 0.027) & (np.abs(z - MOUTH_Z) < 0.0085 * np.sqrt(np.clip(1 - (x / 0.027) ** 2, 0, 1)))
    arch = 0.0045 * np.clip(1 - ((np.abs(x) - 0.032) / 0.022) ** 2, 0, 1)
    brows = skin & front & (np.abs(x) > 0.01) & (np.abs(x) < 0.053) & (z > 0.031 + arch - 0.0005 * (np.abs(x) < 0.02)) \
        & (z < 0.039 + arch)
    hair = skin & (z > 0.074 - 0.1 * np.clip((y + 0.02) / 0.08, 0, 1))
    colors[lips], colors[brows], colors[hair] = LIP_COLOR, BROW_COLOR, HAIR_COLOR
    return colors


def _lid(center: np.ndarray, which: str, rows: int = 8, cols: int = 18) -> tuple[np.ndarray, np.ndarray]:
    """An eyelid shell: a band of a sphere slightly larger than the eyeball, over its front.

    Parametrised by elevation: the upper lid spans from +70 deg (under the brow) down to its edge at
    +25 deg (open); the lower lid from -60 deg up to its edge at -28 deg. Shape keys move the edge
    rows (blink: the upper edge to -15 deg).
    """
    r = EYEBALL_R * LID_SCALE
    top, edge = (np.radians(70), np.radians(25)) if which == "upper" else (np.radians(-60), np.radians(-28))
    el = np.linspace(top, edge, rows)[:, None]  # (rows, 1)
    az = np.linspace(-np.radians(70), np.radians(70), cols)[None, :]  # across the eye
    v = np.stack([np.cos(el) * np.sin(az), -np.cos(el) * np.cos(az), np.sin(el) * np.ones_like(az)], -1)
    return (center + r * v).reshape(-1, 3), _grid_faces(rows, cols, wrap=False)


def _teeth(anchor: np.ndarray, n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """A curved strip of teeth (a thin arc, 2 rows high) at `anchor`."""
    ang = np.linspace(-1.0, 1.0, n)
    arc = np.stack([0.0135 * np.sin(ang), 0.005 + 0.01 * (1 - np.cos(ang)), np.zeros(n)], -1)
    v = np.concatenate([arc + [0, 0, 0.0035], arc - [0, 0, 0.0035]]) + anchor
    return v, _grid_faces(2, n, wrap=False)
