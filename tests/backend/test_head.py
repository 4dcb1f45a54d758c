import numpy as np
import pytest
from scipy.spatial import cKDTree

from cafetalk import arkit
from cafetalk.head.rig import export, reference_head
from cafetalk.metrics import lve


@pytest.fixture(scope="module")
def head():
    return reference_head()


def pose_one(head, **weights):
    w = np.zeros(52, dtype=np.float32)
    for name, v in weights.items():
        w[arkit.INDEX[name]] = v
    return head.pose(w)


def test_mesh_is_sound(head):
    v, f = head.vertices, head.mesh.faces
    assert len(v) > 5000 and f.min() >= 0 and f.max() < len(v)
    assert head.deltas.shape == (52, len(v), 3) and np.isfinite(head.deltas).all()
    area = np.linalg.norm(np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]]), axis=1)
    assert (area > 0).all()  # no degenerate faces
    assert all(np.abs(d).max() > 1e-3 for d in head.deltas), "every shape key moves something"


REGIONS = {  # key -> (part of the face it must move, part it must leave still)
    "eyeBlinkLeft": ("left eye", "mouth"), "eyeBlinkRight": ("right eye", "mouth"),
    "eyeWideLeft": ("left eye", "mouth"), "eyeSquintLeft": ("left eye", "mouth"),
    "browDownLeft": ("left brow", "mouth"), "browInnerUp": ("brows", "mouth"),
    "browOuterUpRight": ("right brow", "mouth"), "jawOpen": ("mouth", "brows"),
    "mouthSmileLeft": ("left mouth corner", "brows"), "mouthFrownRight": ("right mouth corner", "brows"),
    "mouthPucker": ("mouth", "brows"), "mouthFunnel": ("mouth", "brows"), "mouthClose": ("mouth", "brows"),
    "cheekPuff": ("cheeks", "brows"), "noseSneerLeft": ("nose", "mouth corners"),
    "eyeLookUpLeft": ("left eye", "right eye"), "tongueOut": ("tongue", "brows"),
}


def region(head, name):
    v = head.vertices
    x, y, z = v[:, 0], v[:, 1], v[:, 2]
    front = y < -0.03
    boxes = {
        "left eye": (np.abs(x - 0.033) < 0.02) & (np.abs(z - 0.022) < 0.015),
        "right eye": (np.abs(x + 0.033) < 0.02) & (np.abs(z - 0.022) < 0.015),
        "mouth": (np.abs(x) < 0.035) & (np.abs(z + 0.052) < 0.02),
        "brows": (np.abs(x) < 0.06) & (np.abs(z - 0.038) < 0.008) & front,
        "left brow": (x > 0.01) & (x < 0.06) & (np.abs(z - 0.038) < 0.008) & front,
        "right brow": (x < -0.01) & (x > -0.06) & (np.abs(z - 0.038) < 0.008) & front,
        "left mouth corner": (np.abs(x - 0.025) < 0.008) & (np.abs(z + 0.052) < 0.008) & front,
        "right mouth corner": (np.abs(x + 0.025) < 0.008) & (np.abs(z + 0.052) < 0.008) & front,
        "mouth corners": (np.abs(np.abs(x) - 0.025) < 0.006) & (np.abs(z + 0.052) < 0.006) & front,
        "cheeks": (np.abs(np.abs(x) - 0.04) < 0.012) & (np.abs(z + 0.04) < 0.012),
        "nose": (np.abs(x) < 0.02) & (np.abs(z + 0.01) < 0.015) & front,
        "tongue": np.isin(np.arange(len(v)), np.arange(len(v))[head.mesh.part("tongue")]),
    }
    return boxes[name]


@pytest.mark.parametrize("key", sorted(REGIONS))
def test_each_key_moves_its_region_and_leaves_the_far_side_still(head, key):
    moved, still = REGIONS[key]
    d = np.linalg.norm(head.deltas[arkit.INDEX[key]], axis=1)
    assert d[region(head, moved)].max() > 2e-3, f"{key} does not move the {moved}"
    assert d[region(head, still)].max() < 5e-4, f"{key} moves the {still}"


def test_left_right_pairs_mirror(head):
    v = head.vertices
    mirrored = v * [-1, 1, 1]
    dist, twin = cKDTree(v).query(mirrored)
    assert np.median(dist) < 1e-6  # the mesh is symmetric
    # The doubled mouth-seam vertices share positions: pair them row by row instead.
    up, lo = head.mesh.upper_lip_inner, head.mesh.lower_lip_inner
    twin[up], twin[lo] = up[::-1], lo[::-1]
    ok = dist < 1e-6
    for left, right in arkit.LR_PAIRS:
        dl, dr = head.deltas[arkit.INDEX[left]], head.deltas[arkit.INDEX[right]]
        assert np.allclose(dr[twin[ok]] * [-1, 1, 1], dl[ok], atol=1e-6), (left, right)


def test_jaw_opens_the_lips_and_mouth_close_closes_them(head):
    assert head.lip_gap(head.vertices) == pytest.approx(0.0, abs=1e-6)
    open_gap = head.lip_gap(pose_one(head, jawOpen=1.0))
    half_gap = head.lip_gap(pose_one(head, jawOpen=0.5))
    assert open_gap > 0.015 and 0.3 * open_gap < half_gap < 0.7 * open_gap
    assert head.lip_gap(pose_one(head, jawOpen=1.0, mouthClose=1.0)) < 0.1 * open_gap
    assert head.lip_gap(pose_one(head, mouthLowerDownLeft=1.0, mouthLowerDownRight=1.0)) > 0.004
    assert head.lip_gap(pose_one(head, mouthSmileLeft=1.0, mouthSmileRight=1.0)) < 0.002


def test_combinations_do_not_tear(head):
    """Random combinations of all 52 keys (with mouthClose <= jawOpen, as ARKit uses it) fold almost
    no faces over: at most 0.1 % of triangles flip, and most poses flip none."""
    f = head.mesh.faces

    def normals(v):
        t = v[f]
        return np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])

    rest = normals(head.vertices)
    rng = np.random.default_rng(0)
    jaw, close = arkit.INDEX["jawOpen"], arkit.INDEX["mouthClose"]
    flips = []
    for _ in range(30):
        w = rng.uniform(0, 1, 52).astype(np.float32)
        w[close] = min(w[close], w[jaw])
        flips.append(int(((normals(head.pose(w)) * rest).sum(1) < 0).sum()))
    assert max(flips) <= 0.001 * len(f) and np.median(flips) == 0
    for key in ("jawOpen", "mouthSmileLeft", "eyeBlinkLeft", "mouthPucker", "cheekPuff"):
        assert ((normals(pose_one(head, **{key: 1.0})) * rest).sum(1) < 0).sum() == 0, key


def test_lve(head):
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 1, (20, 52)).astype(np.float32)
    assert lve(a, a, head) == 0.0
    small = lve(a, np.clip(a + 0.05, 0, 1), head)
    big = lve(a, np.clip(a + 0.3, 0, 1), head)
    assert 0 < small < big


def test_export_npz_poses_with_numpy(tmp_path):
    path = export(tmp_path / "head.npz")
    with np.load(path) as z:
        assert tuple(z["names"]) == arkit.NAMES
        w = np.zeros(52, dtype=np.float32)
        w[arkit.INDEX["jawOpen"]] = 1
        posed = z["vertices"] + np.tensordot(w, z["deltas"], 1)
        up, lo = z["upper_lip_inner"], z["lower_lip_inner"]
        assert (posed[up, 2] - posed[lo, 2]).mean() > 0.01 and len(z["lip_vertices"]) > 50
        assert z["faces"].shape[1] == 3


def test_head_commands_and_preview(weights_dir, speech_wav, tmp_path):
    from cafetalk.cli import main

    assert main(["head", "export", "--out", str(tmp_path / "h.npz")]) == 0
    assert main(["head", "preview", "--out", str(tmp_path / "keys.png"), "jawOpen", "eyeBlinkLeft"]) == 0
    assert main(["generate", str(speech_wav), "-o", str(tmp_path / "a.npz"), "--weights", str(weights_dir),
                 "--steps", "1", "--control", "AU12@1-2", "--preview", str(tmp_path / "p.png")]) == 0
    for png in ("keys.png", "p.png"):
        data = (tmp_path / png).read_bytes()
        assert data[:4] == b"\x89PNG" and len(data) > 20_000
    assert main(["head", "preview", "--out", str(tmp_path / "x.png"), "notAShape"]) != 0


def test_video_preview(weights_dir, tmp_path):
    import imageio_ffmpeg
    import soundfile as sf

    from cafetalk.cli import main
    from tests.conftest import speech_like

    sf.write(tmp_path / "one.wav", speech_like(1.0), 16000)
    assert main(["generate", str(tmp_path / "one.wav"), "-o", str(tmp_path / "a.csv"), "--weights", str(weights_dir),
                 "--steps", "1", "--video", str(tmp_path / "a.mp4")]) == 0
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "a.mp4"))
    assert 23 <= frames <= 25 and 0.9 <= seconds <= 1.1
