"""The add-on's Generate flow in background Blender, with the real backend in its own interpreter."""
import os
from pathlib import Path

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

import blender_addon  # noqa: E402
from blender_addon import keyframes  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BACKEND_PYTHON = os.environ.get("CAFETALK_BACKEND_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
DEMO = ROOT / "backend" / "cafetalk" / "assets" / "demo.wav"


@pytest.fixture(scope="module")
def registered():
    blender_addon.register()
    yield
    blender_addon.unregister()


@pytest.fixture()
def weights(tmp_path_factory):
    import subprocess

    if not Path(BACKEND_PYTHON).exists():
        pytest.skip(f"no backend interpreter at {BACKEND_PYTHON} (set CAFETALK_BACKEND_PYTHON)")
    out = tmp_path_factory.mktemp("w") / "tiny"
    subprocess.run([BACKEND_PYTHON, "-m", "cafetalk", "checkpoint", "new", "--preset", "tiny", "--adapter",
                    "--out", str(out)], check=True, capture_output=True)
    return out


def setup_scene(weights):
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    os.environ["CAFETALK_BACKEND_PYTHON"] = BACKEND_PYTHON
    if "blender_addon" not in bpy.context.preferences.addons:  # as if enabled: the preferences exist
        bpy.context.preferences.addons.new().module = "blender_addon"
    prefs = bpy.context.preferences.addons["blender_addon"].preferences
    prefs.weights, prefs.device = str(weights), "cpu"
    seq = scene.sequence_editor_create()
    (seq.strips if hasattr(seq, "strips") else seq.sequences).new_sound("voice", str(DEMO), 1, 11)
    bpy.ops.cafetalk.add_head()
    return scene, bpy.context.active_object


def test_generate_writes_a_new_action_and_failures_change_nothing(registered, weights):
    scene, head = setup_scene(weights)
    scene.cafetalk.steps = 2
    assert bpy.ops.cafetalk.check_backend() == {"FINISHED"}
    assert "protocol 1" in bpy.context.preferences.addons["blender_addon"].preferences.install_status
    assert bpy.ops.cafetalk.add_au_strip(aus="AU01+AU02", seconds=0.8, start=40) == {"FINISHED"}
    assert bpy.ops.cafetalk.generate() == {"FINISHED"}, scene.cafetalk.status
    action = head.data.shape_keys.animation_data.action
    fcurves = keyframes.all_fcurves(action)
    assert len(fcurves) == 52
    jaw = next(fc for fc in fcurves if '"jawOpen"' in fc.data_path)
    assert jaw.keyframe_points[0].co[0] == 11  # starts where the sound strip starts
    assert len(jaw.keyframe_points) == pytest.approx(7.2 * 24, abs=2)  # the clip's 7.2 s at the scene's 24 fps
    scene.cafetalk.cfg_mask = "frames"  # the paper's Eq. 7 mask reaches the backend (a bad value would fail)
    scene.cafetalk.cfg_reference = "null"  # and its reference
    assert bpy.ops.cafetalk.generate() == {"FINISHED"}, scene.cafetalk.status
    assert head.data.shape_keys.animation_data.action != action  # a new take; the first is kept
    head.data.shape_keys.animation_data.action = action
    scene.cafetalk.cfg_mask = scene.cafetalk.cfg_reference = "weights"

    # a strip past the end of the audio: refused by name, the scene keeps its action
    bpy.ops.cafetalk.add_au_strip(aus="AU12", seconds=1.0, start=400)
    with pytest.raises(RuntimeError, match="outside the audio"):
        bpy.ops.cafetalk.generate()
    assert head.data.shape_keys.animation_data.action == action

    # a backend that cannot start: reported, nothing changed
    strips_track = head.animation_data.nla_tracks["Cafe-Talk Controls"]
    strips_track.strips.remove(strips_track.strips["AU12"])
    os.environ["CAFETALK_BACKEND_PYTHON"] = "/nonexistent/python"
    with pytest.raises(RuntimeError, match="cannot start the backend"):
        bpy.ops.cafetalk.generate()
    assert head.data.shape_keys.animation_data.action == action
    os.environ["CAFETALK_BACKEND_PYTHON"] = BACKEND_PYTHON

    assert bpy.ops.cafetalk.bake(tolerance=0.01, clear_strips=True) == {"FINISHED"}
    assert "Cafe-Talk Controls" not in head.animation_data.nla_tracks
    assert np.isfinite([k.co[1] for k in jaw.keyframe_points]).all()


def test_exports_round_trip(registered, weights, tmp_path):
    scene, head = setup_scene(weights)
    scene.cafetalk.steps = 1
    scene.frame_start, scene.frame_end = 11, 60
    bpy.ops.cafetalk.generate()
    from blender_addon.mapping import map_shape_keys

    mapping, _ = map_shape_keys([k.name for k in head.data.shape_keys.key_blocks])
    frames = np.arange(11, 61)
    # perturb one curve so the round trip is checked on motion, not on a flat line
    action = head.data.shape_keys.animation_data.action
    jaw = next(fc for fc in keyframes.all_fcurves(action) if '"jawOpen"' in fc.data_path)
    for i, k in enumerate(jaw.keyframe_points):
        k.co[1] = 0.5 + 0.4 * np.sin(i / 5)
    jaw.update()
    before = keyframes.read_action(head, mapping, frames)
    # Live Link CSV
    assert bpy.ops.cafetalk.export_csv(filepath=str(tmp_path / "a.csv")) == {"FINISHED"}
    rows = (tmp_path / "a.csv").read_text().splitlines()
    assert rows[0].startswith("Timecode,BlendShapeCount,EyeBlinkLeft") and len(rows) == 51
    jaw_col = rows[0].split(",").index("JawOpen")
    assert abs(float(rows[1].split(",")[jaw_col]) - before["jawOpen"][0]) < 1e-5
    # FBX: shape-key animation comes back on re-import (anim_offset=0 keeps frames aligned)
    bpy.ops.cafetalk.add_au_strip(aus="AU12", seconds=0.4, start=20)  # a control strip must not spoil the export
    assert bpy.ops.cafetalk.export_fbx(filepath=str(tmp_path / "a.fbx")) == {"FINISHED"}
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.context.scene.frame_start, bpy.context.scene.frame_end = 11, 60
    bpy.ops.import_scene.fbx(filepath=str(tmp_path / "a.fbx"), anim_offset=0.0)
    imported = next(o for o in bpy.context.scene.objects if o.type == "MESH" and o.data.shape_keys)
    mapping2, missing = map_shape_keys([k.name for k in imported.data.shape_keys.key_blocks])
    assert not missing
    after = keyframes.read_action(imported, mapping2, frames)
    assert np.allclose(after["jawOpen"], before["jawOpen"], atol=2e-3)


def test_dialogue_field_drives_forced_alignment(registered, tmp_path_factory):
    """The sound strip's Dialogue field reaches the backend as the transcript; a dialogue that does not fit
    the audio falls back to phone recognition and says so in the status, and still animates."""
    import subprocess

    if not Path(BACKEND_PYTHON).exists():
        pytest.skip(f"no backend interpreter at {BACKEND_PYTHON}")
    weights = tmp_path_factory.mktemp("w") / "phonetic"
    subprocess.run([BACKEND_PYTHON, "-m", "cafetalk", "checkpoint", "new", "--preset", "tiny", "--audio", "phonetic",
                    "--out", str(weights)], check=True, capture_output=True)
    scene, head = setup_scene(weights)
    scene.cafetalk.steps = 1
    seq = scene.sequence_editor
    sound = next(iter(seq.strips if hasattr(seq, "strips") else seq.sequences))
    sound.cafetalk_dialogue = "the quick brown fox jumps over the lazy dog"
    assert bpy.ops.cafetalk.generate() == {"FINISHED"}, scene.cafetalk.status
    assert "recognised instead" in scene.cafetalk.status
    first = head.data.shape_keys.animation_data.action
    sound.cafetalk_dialogue = ""  # no dialogue and no .txt beside the audio: recognition, no warning
    scene.cafetalk.recognizer = "words"  # word recognition then alignment reaches the backend
    assert bpy.ops.cafetalk.generate() == {"FINISHED"}, scene.cafetalk.status
    assert "transcript" not in scene.cafetalk.status
    assert head.data.shape_keys.animation_data.action != first


def test_without_dialogue_offers_the_backends_recognisers(registered):
    """The panel's **Without dialogue** menu lists the recognisers the backend knows, and starts on its
    default: a new one reaches Blender, a removed one is not offered."""
    import json
    import subprocess

    if not Path(BACKEND_PYTHON).exists():
        pytest.skip(f"no backend interpreter at {BACKEND_PYTHON} (set CAFETALK_BACKEND_PYTHON)")
    out = subprocess.run([BACKEND_PYTHON, "-c", "import json; from cafetalk.audio.phones import RECOGNIZERS, "
                          "DEFAULT_RECOGNIZER as D; print(json.dumps([list(RECOGNIZERS), D]))"],
                         check=True, capture_output=True, text=True).stdout
    recognizers, default = json.loads(out)
    rna = bpy.context.scene.cafetalk.bl_rna.properties["recognizer"]
    assert {item.identifier for item in rna.enum_items} == set(recognizers)
    assert rna.default == default
