import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from blender_addon.head import build_head  # noqa: E402
from cafetalk import arkit  # noqa: E402
from cafetalk.head.rig import export  # noqa: E402


@pytest.fixture(scope="module")
def head_npz(tmp_path_factory):
    return export(tmp_path_factory.mktemp("head") / "head.npz")


def evaluated_vertices(obj):
    deps = bpy.context.evaluated_depsgraph_get()
    mesh = obj.evaluated_get(deps).to_mesh()
    co = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", co)
    obj.evaluated_get(deps).to_mesh_clear()
    return co.reshape(-1, 3)


def test_head_object_has_all_arkit_keys_and_poses_like_numpy(scene, head_npz, tmp_path):
    obj = build_head(str(head_npz))
    keys = obj.data.shape_keys.key_blocks
    assert [k.name for k in keys] == ["Basis", *arkit.NAMES]
    with np.load(head_npz) as z:
        rest, deltas = z["vertices"], z["deltas"]
        assert len(obj.data.vertices) == len(rest) and len(obj.data.polygons) == len(z["faces"])
    keys["jawOpen"].value = 1.0
    keys["eyeBlinkLeft"].value = 0.5
    expected = rest + deltas[arkit.INDEX["jawOpen"]] + 0.5 * deltas[arkit.INDEX["eyeBlinkLeft"]]
    assert np.allclose(evaluated_vertices(obj), expected, atol=1e-5)
    # survives a save and reload
    path = tmp_path / "head.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.open_mainfile(filepath=str(path))
    loaded = bpy.data.objects["CafeTalkHead"]
    assert len(loaded.data.shape_keys.key_blocks) == 53 and len(loaded.data.materials) >= 5
