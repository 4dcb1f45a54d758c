"""The add-on's name mapping is bpy-free: tested in the backend environment."""
import pytest

from blender_addon.mapping import ARKIT_NAMES, map_shape_keys, normalise
from cafetalk import arkit


def test_same_names_as_the_backend():
    assert ARKIT_NAMES == arkit.NAMES


@pytest.mark.parametrize("name,arkit_name", [
    ("jawOpen", "jawOpen"), ("JawOpen", "jawOpen"), ("jaw_open", "jawOpen"), ("JAW_OPEN", "jawOpen"),
    ("CC_Base_JawOpen", "jawOpen"), ("Face.jawOpen", "jawOpen"), ("blendShape1.jawOpen", "jawOpen"),
    ("jawOpen.001", "jawOpen"), ("mouthSmile_L", "mouthSmileLeft"), ("mouth_smile_R", "mouthSmileRight"),
    ("EyeBlinkLeft", "eyeBlinkLeft"), ("bs_browInnerUp", "browInnerUp"), ("jawLeft", "jawLeft"),
])
def test_rules(name, arkit_name):
    found, _ = map_shape_keys(["Basis", name])
    assert found == {arkit_name: name}


def test_unmapped_are_reported_and_overrides_win():
    found, missing = map_shape_keys(["Basis", "JawOpen", "smile_left_custom", "blink"], {"blink": "eyeBlinkLeft"})
    assert found == {"jawOpen": "JawOpen", "eyeBlinkLeft": "blink"}
    assert len(missing) == 50 and "mouthSmileLeft" in missing
    with pytest.raises(ValueError, match="not an ARKit blend shape"):
        map_shape_keys(["a"], {"a": "smileBig"})
    assert normalise("mouthSmile_L") == normalise("mouthSmileLeft")
