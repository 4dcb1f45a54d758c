"""The 52 ARKit shape keys of the reference head, as per-vertex deltas (52, V, 3) in arkit.NAMES order.

Each key is a smooth, localised deformation written from its ARKit definition (Apple's
ARFaceAnchor.BlendShapeLocation documentation): region weights are Gaussians and smoothsteps on the
rest surface, so nothing tears. Sided keys are written once with a side sign `sx` (+1: the
character's left, +x) and instantiated for both sides, so every Left/Right pair mirrors exactly.
The jaw rotates about a hinge behind the cheeks; lids are re-laid on their sphere with a new edge.
"""
from __future__ import annotations

import numpy as np

from .. import arkit
from .mesh import EYE_X, EYE_Z, EYEBALL_R, JAW_PIVOT, LID_SCALE, MOUTH_HALF_WIDTH, HeadMesh, _lid

JAW_ANGLE = np.radians(22)  # jawOpen = 1


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def gauss(x, z, cx, cz, sx, sz):
    return np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((z - cz) / sz) ** 2))


class Regions:
    """Weights on the rest mesh, shared by the keys."""

    def __init__(self, mesh: HeadMesh):
        v = mesh.vertices
        self.mesh, self.v, self.n = mesh, v, len(v)
        self.x, self.y, self.z = v[:, 0], v[:, 1], v[:, 2]
        skin = np.zeros(self.n)
        skin[mesh.part("skin")] = 1.0
        self.front = skin * smoothstep(0.03, -0.02, self.y)  # front of the face
        # Effective height around the mouth cut: lower-lip copies sit just below the line, upper just above.
        mz = self.mouth_z = float(v[mesh.upper_lip_inner, 2].mean())  # the cut row's actual height
        self.zl = self.z.copy()
        self.zl[mesh.lower_lip_inner] -= 5e-4
        self.zl[mesh.upper_lip_inner] += 5e-4
        inside = np.clip(1 - (np.abs(self.x) / (MOUTH_HALF_WIDTH * 1.15)) ** 4, 0, 1)
        self.lips = self.front * gauss(self.x, self.zl, 0, mz, 0.024, 0.011)
        self.upper_lip = self.lips * smoothstep(mz, mz + 4e-4, self.zl) * smoothstep(mz + 0.02, mz + 0.008, self.zl)
        self.lower_lip = self.lips * smoothstep(mz, mz - 4e-4, self.zl) * smoothstep(mz - 0.02, mz - 0.008, self.zl)
        self.lower_lip_open = self.lower_lip * (0.4 + 0.6 * inside)
        # Jaw: everything below the mouth line in front of the hinge, fading out towards the neck. Inside
        # the mouth the lower lip moves fully with the jaw (a step at the cut, so rows never cross);
        # towards the corners and cheeks the weight blends smoothly across the line.
        below = inside * (self.zl < mz) + (1 - inside) * smoothstep(mz + 0.004, mz - 0.010, self.zl)
        self.jaw = skin * below * smoothstep(0.045, 0.0, self.y) * smoothstep(-0.125, -0.095, self.z)
        for name, w in (("teethLower", 1.0), ("tongue", 0.8)):
            self.jaw[mesh.part(name)] = w
        bag = mesh.part("mouthBag")
        self.jaw[bag] = smoothstep(mz + 0.004, mz - 0.012, self.z[bag])

    def side(self, sx: int) -> np.ndarray:
        """Soft half-face mask: 1 on side sx, 0 on the other, 0.5 on the midline."""
        return smoothstep(-0.006, 0.006, sx * self.x)

    def corner(self, sx: int, sx_w=0.011, sz_w=0.009) -> np.ndarray:
        return self.front * gauss(self.x, self.zl, sx * MOUTH_HALF_WIDTH, self.mouth_z, sx_w, sz_w)

    def spot(self, sx: int, cx: float, cz: float, sxw: float, szw: float) -> np.ndarray:
        return self.front * gauss(self.x, self.z, sx * cx, cz, sxw, szw)


def rotate_x(p: np.ndarray, pivot: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate points about the x-axis through pivot; positive angles lower the chin (and pull it back)."""
    q = p - pivot
    c, s = np.cos(angle), np.sin(angle)
    y = c * q[:, 1] - s * q[:, 2]
    z = s * q[:, 1] + c * q[:, 2]
    return np.stack([q[:, 0], y, z], -1) + pivot


def _jaw_open(r: Regions) -> np.ndarray:
    return rotate_x(r.v, JAW_PIVOT, JAW_ANGLE * r.jaw) - r.v


def _eye_rotation(r: Regions, sx: int, pitch: float, yaw: float) -> np.ndarray:
    """Rotate the eyeball and iris of side sx (pitch up > 0, yaw towards +x > 0)."""
    d = np.zeros((r.n, 3))
    side = "Left" if sx > 0 else "Right"
    c = r.mesh.eye_centers[0 if sx > 0 else 1]
    for part in (f"eyeball{side}", f"iris{side}"):
        sl = r.mesh.part(part)
        q = r.v[sl] - c
        cp, sp, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
        q = np.stack([q[:, 0], cp * q[:, 1] + sp * q[:, 2], -sp * q[:, 1] + cp * q[:, 2]], -1)  # pitch about x
        q = np.stack([cy * q[:, 0] - sy * q[:, 1], sy * q[:, 0] + cy * q[:, 1], q[:, 2]], -1)  # yaw about z
        d[sl] = q + c - r.v[sl]
    return d


def _lid_edge(r: Regions, sx: int, which: str, edge_deg: float) -> np.ndarray:
    side = "Left" if sx > 0 else "Right"
    sl = r.mesh.part(f"lid{which.capitalize()}{side}")
    c = r.mesh.eye_centers[0 if sx > 0 else 1]
    rows, cols = 8, 18
    rest, _ = _lid(c, which, rows, cols)
    top = np.radians(70) if which == "upper" else np.radians(-60)
    el = np.linspace(top, np.radians(edge_deg), rows)[:, None]
    az = np.linspace(-np.radians(70), np.radians(70), cols)[None, :]
    rad = EYEBALL_R * LID_SCALE
    new = c + rad * np.stack([np.cos(el) * np.sin(az), -np.cos(el) * np.cos(az), np.sin(el) * np.ones_like(az)], -1)
    d = np.zeros((r.n, 3))
    d[sl] = new.reshape(-1, 3) - rest
    return d


def _skin_near_eye(r: Regions, sx: int, dz_upper: float, dz_lower: float) -> np.ndarray:
    """Skin around the eye hole following the lids: the upper rim by dz_upper, the lower by dz_lower."""
    d = np.zeros((r.n, 3))
    rim = r.front * gauss(r.x, r.z, sx * EYE_X, EYE_Z, 0.016, 0.011)
    d[:, 2] = rim * np.where(r.z > EYE_Z, dz_upper, dz_lower)
    return d


def sided(r: Regions, name: str, sx: int) -> np.ndarray:
    """The delta field of a sided key `name` (without its Left/Right suffix) for side sx."""
    X = lambda w, dx, dy, dz: np.stack([w * dx * sx, w * dy, w * dz], -1)  # noqa: E731  (dx towards side sx)
    half = r.side(sx)
    if name == "eyeBlink":
        return (_lid_edge(r, sx, "upper", -27) + _lid_edge(r, sx, "lower", -25)
                + _skin_near_eye(r, sx, -0.0025, 0.0005))
    if name == "eyeWide":
        return _lid_edge(r, sx, "upper", 42) + _skin_near_eye(r, sx, 0.0015, -0.0005)
    if name == "eyeSquint":
        cheek = X(r.spot(sx, 0.035, 0.0, 0.014, 0.008), 0, -0.0005, 0.002)
        return _lid_edge(r, sx, "lower", -12) + _lid_edge(r, sx, "upper", 18) + cheek
    if name in ("eyeLookUp", "eyeLookDown", "eyeLookIn", "eyeLookOut"):
        pitch = {"eyeLookUp": 0.35, "eyeLookDown": -0.35}.get(name, 0.0)
        yaw = {"eyeLookIn": -0.45, "eyeLookOut": 0.45}.get(name, 0.0) * sx  # in = towards the nose
        lid = {"eyeLookUp": _lid_edge(r, sx, "upper", 33), "eyeLookDown": _lid_edge(r, sx, "upper", 12)}
        return _eye_rotation(r, sx, pitch, yaw) + lid.get(name, 0.0)
    if name == "mouthSmile":
        return X(r.corner(sx), 0.008, 0.004, 0.009) + X(r.spot(sx, 0.038, -0.02, 0.012, 0.012), 0.001, -0.001, 0.003)
    if name == "mouthFrown":
        return X(r.corner(sx), 0.001, 0.0, -0.009)
    if name == "mouthDimple":
        return X(r.corner(sx), 0.003, 0.005, 0.0)
    if name == "mouthStretch":
        return X(r.corner(sx, 0.014, 0.012), 0.008, 0.001, -0.003)
    if name == "mouthPress":
        w = half
        return X(w * r.lower_lip, 0, 0.002, 0.002) + X(w * r.upper_lip, 0, 0.002, -0.0015)
    if name == "mouthLowerDown":
        return X(half * r.lower_lip_open, 0, -0.001, -0.007)
    if name == "mouthUpperUp":
        return X(half * r.upper_lip, 0, -0.001, 0.006)
    if name == "browDown":
        w = r.spot(sx, 0.028, 0.038, 0.017, 0.009)
        return X(w, -0.002, 0.0, -0.006)
    if name == "browOuterUp":
        return X(r.spot(sx, 0.046, 0.036, 0.012, 0.01), 0, 0, 0.007)
    if name == "cheekSquint":
        return X(r.spot(sx, 0.04, -0.006, 0.013, 0.01), 0, -0.001, 0.004)
    if name == "noseSneer":
        return X(r.spot(sx, 0.011, -0.008, 0.006, 0.01), 0.001, -0.001, 0.004) + X(
            r.spot(sx, 0.018, 0.035, 0.008, 0.006), -0.001, 0, -0.002)
    if name == "jaw":  # jawLeft / jawRight: the jaw slides towards side sx
        return X(r.jaw, 0.008, 0, 0)
    if name == "mouth":  # mouthLeft / mouthRight: the closed lips move towards side sx
        return X(r.front * gauss(r.x, r.zl, 0, r.mouth_z, 0.03, 0.014), 0.008, 0.001, 0)
    raise KeyError(name)


def single(r: Regions, name: str) -> np.ndarray:
    d = np.zeros((r.n, 3))
    if name == "jawOpen":
        return _jaw_open(r)
    if name == "jawForward":
        d[:, 1] = -0.008 * r.jaw
        return d
    if name == "mouthClose":  # lips together against an open jaw: undo the jaw on the lower lip
        w = np.clip(r.lower_lip / (r.lower_lip.max() + 1e-9) * 1.6, 0, 1)
        w[r.mesh.lower_lip_inner] = 1.0  # the inner lip row meets the upper lip exactly
        return -_jaw_open(r) * w[:, None]
    if name == "mouthFunnel":
        centre = np.clip(1 - (r.x / MOUTH_HALF_WIDTH) ** 2, 0, 1)
        d[:, 0] = -0.3 * r.x * r.lips
        d[:, 1] = -0.008 * r.lips
        d[:, 2] = 0.004 * centre * r.upper_lip / (r.upper_lip.max() + 1e-9) - 0.005 * centre * r.lower_lip / (r.lower_lip.max() + 1e-9)
        return d
    if name == "mouthPucker":
        d[:, 0] = -0.45 * r.x * r.lips
        d[:, 1] = -0.01 * r.lips
        return d
    if name == "mouthRollLower":
        d[:, 1], d[:, 2] = 0.006 * r.lower_lip, 0.002 * r.lower_lip
        return d
    if name == "mouthRollUpper":
        d[:, 1], d[:, 2] = 0.006 * r.upper_lip, -0.002 * r.upper_lip
        return d
    if name == "mouthShrugLower":
        w = np.maximum(r.lower_lip, r.front * gauss(r.x, r.z, 0, -0.085, 0.018, 0.015))
        d[:, 1], d[:, 2] = -0.003 * w, 0.004 * w
        return d
    if name == "mouthShrugUpper":
        d[:, 1], d[:, 2] = -0.002 * r.upper_lip, 0.003 * r.upper_lip
        return d
    if name == "browInnerUp":
        w = r.spot(1, 0.014, 0.038, 0.011, 0.009) + r.spot(-1, 0.014, 0.038, 0.011, 0.009)
        d[:, 2] = 0.007 * w
        return d
    if name == "cheekPuff":
        w = r.spot(1, 0.04, -0.04, 0.016, 0.016) + r.spot(-1, 0.04, -0.04, 0.016, 0.016)
        d[:, 0], d[:, 1] = 0.008 * np.sign(r.x) * w, -0.004 * w
        return d
    if name == "tongueOut":
        d[r.mesh.part("tongue")] = [0.0, -0.03, -0.006]
        return d
    raise KeyError(name)


def build_deltas(mesh: HeadMesh) -> np.ndarray:
    """-> (52, V, 3) float32 in arkit.NAMES order."""
    r = Regions(mesh)
    out = np.zeros((arkit.NUM_CHANNELS, r.n, 3), dtype=np.float32)
    for i, name in enumerate(arkit.NAMES):
        for suffix, sx in (("Left", 1), ("Right", -1)):
            if name.endswith(suffix):
                out[i] = sided(r, name[: -len(suffix)], sx)
                break
        else:
            out[i] = single(r, name)
    return out
