import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from blender_addon import keyframes, strips  # noqa: E402
from blender_addon.head import build_head  # noqa: E402
from blender_addon.mapping import map_shape_keys  # noqa: E402
from cafetalk import arkit  # noqa: E402
from cafetalk.head.rig import export  # noqa: E402


@pytest.fixture()
def head(scene, tmp_path):
    scene.render.fps = 30
    return build_head(str(export(tmp_path / "head.npz")))


def test_control_strips_round_trip(head):
    strips.add_strip(head, 40, 70, aus="AU01+AU02")
    strips.add_strip(head, 100, 130, aus="L12", beta=1.5)
    strips.add_strip(head, 140, 150, text="a sarcastic smirk")
    track = strips.control_track(head)
    assert track.mute and [s.name for s in track.strips] == ["AU01+AU02", "L12", "text: a sarcastic smirk"]
    controls, problems = strips.read_controls(head, sound_start=10, fps=30, duration=10.0)
    assert problems == []
    assert controls[0] == {"start": 1.0, "end": 2.0, "aus": ["AU01", "AU02"]}
    assert controls[1] == {"start": 3.0, "end": 4.0, "beta": 1.5, "aus": ["L12"]}
    assert controls[2]["text"] == "a sarcastic smirk"
    # an animator drags the last strip past the end of the audio (the NLA keeps strips from overlapping)
    last = track.strips["text: a sarcastic smirk"]
    last.frame_end_ui = 400
    assert last.frame_end == 400
    _, problems = strips.read_controls(head, sound_start=10, fps=30, duration=10.0)
    assert len(problems) == 1 and "'text: a sarcastic smirk'" in problems[0] and "outside the audio" in problems[0]
    with pytest.raises(ValueError, match="unknown AU"):
        strips.add_strip(head, 1, 5, aus="AU99")


def test_write_action_keeps_the_previous_take(head):
    mapping, missing = map_shape_keys([k.name for k in head.data.shape_keys.key_blocks])
    assert missing == []
    t = np.arange(50) / 25
    values = np.zeros((50, 52))
    values[:, arkit.INDEX["jawOpen"]] = 0.5 + 0.4 * np.sin(2 * np.pi * t)
    first = keyframes.write_action(head, list(arkit.NAMES), values, 25.0, mapping, 1, "take 1")
    second = keyframes.write_action(head, list(arkit.NAMES), values * 0.5, 25.0, mapping, 1, "take 2")
    assert head.data.shape_keys.animation_data.action == second and first.use_fake_user
    assert bpy.data.actions.get("take 1") is not None
    frames = 1 + np.arange(60)  # 2 s at the scene's 30 fps
    got = keyframes.read_action(head, {"jawOpen": "jawOpen"}, frames)["jawOpen"]
    expected = 0.5 * np.interp((frames - 1) / 30, t, values[:, arkit.INDEX["jawOpen"]])
    assert np.allclose(got, expected, atol=1e-4)
    fc = next(f for f in keyframes.all_fcurves(second) if "jawOpen" in f.data_path)
    before = len(fc.keyframe_points)
    removed = keyframes.simplify(head, tolerance=0.01)
    assert removed > 0 and len(fc.keyframe_points) < before
    after = keyframes.read_action(head, {"jawOpen": "jawOpen"}, frames)["jawOpen"]
    assert np.abs(after - expected).max() <= 0.011


def test_detected_aus_are_shown_on_text_strips(head):
    strips.add_strip(head, 10, 20, aus="AU04")
    strips.add_strip(head, 30, 40, text="a sarcastic smirk")
    strips.show_detected(head, ["AU04@0-0.4", "L12+AU14@0.8-1.2"])
    track = strips.control_track(head)
    assert [s.name for s in track.strips] == ["AU04", "text: a sarcastic smirk = L12+AU14"]
    assert track.strips[1].action["cafetalk_detected"] == "L12+AU14"
    controls, _ = strips.read_controls(head, 10, 30, 10.0)
    assert controls[1]["text"] == "a sarcastic smirk"  # the description, not the label, goes to the backend
