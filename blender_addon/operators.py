"""Operators: thin shells that gather the scene, delegate to bpy-free modules, and report.

Generate runs as a modal operator with a timer (progress in the panel and status bar, ESC cancels,
Blender stays responsive); in background mode (no timers, no modal) the same job runs blocking.
Nothing in the scene changes until a result has arrived: a failure or cancel leaves it as it was.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import bpy
import numpy as np

from . import keyframes, strips
from .mapping import ARKIT_NAMES, map_shape_keys
from .preferences import backend_for, use_bundled_backend



def overrides(context) -> dict[str, str]:
    """The animator's own shape-key -> ARKit pairs (the mapping list in the panel)."""
    return {m.shape_key: m.arkit for m in context.scene.cafetalk.mapping if m.shape_key}


def sound_strip(context):
    seq = context.scene.sequence_editor
    all_strips = [] if seq is None else list(getattr(seq, "strips_all", None) or seq.sequences_all)
    sounds = [s for s in all_strips if s.type == "SOUND"]
    name = context.scene.cafetalk.sound_strip
    if name:
        sounds = [s for s in sounds if s.name == name]
    if not sounds:
        raise RuntimeError("no sound strip" + (f" named '{name}'" if name else "") +
                           ": add the voice recording to the Video Sequencer")
    return min(sounds, key=lambda s: s.frame_start) if not name else sounds[0]


def head_object(context):
    obj = context.active_object
    if obj is None or obj.type != "MESH" or obj.data.shape_keys is None:
        raise RuntimeError("select the head: a mesh with ARKit shape keys")
    return obj


class CafeTalkOperator:
    """Turns exceptions into reports instead of tracebacks (mpfb2's habit)."""

    def fail(self, message: str):
        self.report({"ERROR"}, message)
        return {"CANCELLED"}


class CAFETALK_OT_add_head(bpy.types.Operator):
    bl_idname = "cafetalk.add_head"
    bl_label = "Add Reference Head"
    bl_description = "Add the Cafe-Talk reference head with the 52 ARKit shape keys"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        from .head import build_head

        use_bundled_backend()
        from cafetalk.head.rig import export

        npz = export(Path(tempfile.mkdtemp(prefix="cafetalk-head-")) / "head.npz")
        obj = build_head(str(npz))
        context.view_layer.objects.active = obj
        obj.select_set(True)
        return {"FINISHED"}


class CAFETALK_OT_add_au_strip(CafeTalkOperator, bpy.types.Operator):
    bl_idname = "cafetalk.add_au_strip"
    bl_label = "Add AU Strip"
    bl_description = "Add an Action-Unit control strip at the current frame (drag and trim it in the NLA editor)"
    bl_options = {"REGISTER", "UNDO"}

    au: bpy.props.EnumProperty(name="AU", items=[(a, f"{a} {n}", n) for a, n in strips.AUS.items()], default="AU12")
    side: bpy.props.EnumProperty(name="Side", items=[("AU", "Both", "Both sides"), ("L", "Left", "Character's left"),
                                                      ("R", "Right", "Character's right")], default="AU")
    aus: bpy.props.StringProperty(name="AUs", default="", description="Several AUs instead: AU01+AU02, L12+AU06")
    text: bpy.props.StringProperty(name="Text", default="", description="A description instead of AUs")
    seconds: bpy.props.FloatProperty(name="Length (s)", default=1.0, min=0.04)
    beta: bpy.props.FloatProperty(name="Intensity (beta)", default=0.0, min=0.0, max=20.0,
                                  description="This strip's beta; 0 uses the scene's")
    start: bpy.props.IntProperty(name="Start frame", default=-1, description="-1: the current frame")

    def execute(self, context):
        try:
            obj = head_object(context)
            fps = context.scene.render.fps / context.scene.render.fps_base
            start = context.scene.frame_current if self.start < 0 else self.start
            end = start + max(1, round(self.seconds * fps))
            code = self.au if self.side == "AU" or self.au in strips.UNSIDED else self.side + self.au[2:]
            strips.add_strip(obj, start, end, aus=None if self.text else (self.aus or code), text=self.text or None,
                             beta=self.beta or None)
        except (RuntimeError, ValueError) as exc:
            return self.fail(str(exc))
        return {"FINISHED"}


def dialogue_for(sound, audio_path: str) -> str:
    """The words of a sound strip: its Dialogue field, else a UTF-8 .txt file beside the audio, else ''."""
    text = getattr(sound, "cafetalk_dialogue", "").strip()
    if text:
        return text
    sidecar = Path(audio_path).with_suffix(".txt")
    try:
        return sidecar.read_text(encoding="utf-8").strip() if sidecar.is_file() else ""
    except (OSError, UnicodeDecodeError):
        return ""


class CAFETALK_OT_generate(CafeTalkOperator, bpy.types.Operator):
    bl_idname = "cafetalk.generate"
    bl_label = "Generate"
    bl_description = "Animate the selected head's shape keys from the sound strip (a new action; nothing is overwritten)"
    bl_options = {"REGISTER", "UNDO"}

    _backend = None
    _job = None
    _timer = None

    def gather(self, context) -> dict:
        s = context.scene.cafetalk
        self.obj = head_object(context)
        sound = sound_strip(context)
        if sound.frame_offset_start or sound.frame_offset_end:
            raise RuntimeError(f"sound strip '{sound.name}' is trimmed: untrim it (or render the trimmed audio to a file)")
        fps = context.scene.render.fps / context.scene.render.fps_base
        duration = sound.frame_final_duration / fps
        controls, problems = strips.read_controls(self.obj, int(sound.frame_final_start), fps, duration)
        if problems:
            raise RuntimeError("; ".join(problems))
        self.mapping, self.missing = map_shape_keys([k.name for k in self.obj.data.shape_keys.key_blocks],
                                                    overrides(context))
        if not self.mapping:
            raise RuntimeError(f"'{self.obj.name}' has no shape key that maps to an ARKit name")
        self.start_frame = int(sound.frame_final_start)
        self.out = str(Path(tempfile.mkdtemp(prefix="cafetalk-")) / "result.npz")
        self.action_name = f"{Path(sound.sound.filepath).stem} {s.emotion} a{s.alpha:g} b{s.beta:g} s{s.seed}"
        request = dict(audio=bpy.path.abspath(sound.sound.filepath), out=self.out, emotion=s.emotion,
                       intensity=s.intensity, style=s.style, controls=controls, alpha=s.alpha, beta=s.beta,
                       recognizer=s.recognizer, steps=s.steps, seed=s.seed, fps=25.0)
        if s.cfg_mask != "weights":
            request["cfg_mask"] = s.cfg_mask
        if s.cfg_reference != "weights":
            request["cfg_reference"] = s.cfg_reference
        if s.style_image:
            request["style_image"] = bpy.path.abspath(s.style_image)
        transcript = dialogue_for(sound, request["audio"])
        if transcript:
            request["transcript"] = transcript
        return request

    def start(self, context, request):
        self._backend = backend_for(context)
        self._backend.start()
        self._job = self._backend.generate(request)
        context.scene.cafetalk.running = True

    def finish(self, context, state):
        s = context.scene.cafetalk
        s.running, s.progress = False, 0.0
        if self._backend:
            self._backend.stop()
        if self._timer:
            context.window_manager.event_timer_remove(self._timer)
            self._timer = None
        context.workspace.status_text_set(None) if context.workspace else None
        if state.state == "done":
            with np.load(state.result["path"], allow_pickle=False) as z:
                names, values, fps = [str(n) for n in z["names"]], z["blendshapes"], float(z["fps"])
            keyframes.write_action(self.obj, names, values, fps, self.mapping, self.start_frame, self.action_name)
            strips.show_detected(self.obj, state.result.get("controls", []))
            notes = [n for n in state.result.get("notes", []) if "transcript" in n]
            s.status = f"done: {values.shape[0]} frames" + "".join(f"; {n}" for n in notes) + (
                f"; no shape key for {len(self.missing)} ARKit channels: {', '.join(self.missing[:6])}"
                + (" ..." if len(self.missing) > 6 else "") if self.missing else "")
            self.report({"INFO"}, s.status)
            return {"FINISHED"}
        s.status = "cancelled" if state.state == "cancelled" else f"failed: {state.reason}"
        self.report({"WARNING" if state.state == "cancelled" else "ERROR"}, s.status)
        return {"CANCELLED"}

    def execute(self, context):
        try:
            request = self.gather(context)
            self.start(context, request)
        except (RuntimeError, ValueError) as exc:
            if self._backend:
                self._backend.stop()
            context.scene.cafetalk.running = False
            return self.fail(str(exc))
        if bpy.app.background:  # no timers or modal handlers headless: run blocking
            def show(st):
                context.scene.cafetalk.progress = st.fraction
            return self.finish(context, self._job.wait(on_progress=show))
        self._timer = context.window_manager.event_timer_add(0.1, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type == "ESC":
            self._job.cancel()
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        state = self._job.poll()
        context.scene.cafetalk.progress = state.fraction
        context.scene.cafetalk.status = state.message
        if context.workspace:
            context.workspace.status_text_set(f"Cafe-Talk: {state.message} ({state.fraction:.0%}) - Esc to cancel")
        for area in context.screen.areas if context.screen else []:
            area.tag_redraw()
        return {"RUNNING_MODAL"} if state.state == "running" else self.finish(context, state)


class CAFETALK_OT_bake(CafeTalkOperator, bpy.types.Operator):
    bl_idname = "cafetalk.bake"
    bl_label = "Bake"
    bl_description = "Simplify the generated keys within a tolerance; optionally remove the control strips"
    bl_options = {"REGISTER", "UNDO"}

    tolerance: bpy.props.FloatProperty(name="Tolerance", default=0.005, min=0.0, max=0.2,
                                       description="0 keeps every frame's key")
    clear_strips: bpy.props.BoolProperty(name="Remove control strips", default=False)

    def execute(self, context):
        try:
            obj = head_object(context)
        except RuntimeError as exc:
            return self.fail(str(exc))
        removed = keyframes.simplify(obj, self.tolerance) if self.tolerance > 0 else 0
        if self.clear_strips:
            track = strips.control_track(obj, create=False)
            if track is not None:
                obj.animation_data.nla_tracks.remove(track)
        self.report({"INFO"}, f"baked: {removed} keys removed")
        return {"FINISHED"}


class CAFETALK_OT_export_csv(CafeTalkOperator, bpy.types.Operator):
    bl_idname = "cafetalk.export_csv"
    bl_label = "Export Live Link CSV"
    bl_description = "Write the head's shape-key animation as a Live Link Face CSV"

    filepath: bpy.props.StringProperty(subtype="FILE_PATH")

    def execute(self, context):
        try:
            obj = head_object(context)
            write_livelink_csv(context, obj, bpy.path.abspath(self.filepath))
        except (RuntimeError, OSError) as exc:
            return self.fail(str(exc))
        return {"FINISHED"}


class CAFETALK_OT_export_fbx(CafeTalkOperator, bpy.types.Operator):
    bl_idname = "cafetalk.export_fbx"
    bl_label = "Export FBX"
    bl_description = "Write the head with its shape-key animation (scene frame range) as FBX"

    filepath: bpy.props.StringProperty(subtype="FILE_PATH")

    def execute(self, context):
        # Bake the scene's current animation only: with NLA strips or all actions, the exporter tries our
        # control strips' placeholder actions on the object and leaves the shape-key animation out.
        return bpy.ops.export_scene.fbx(filepath=bpy.path.abspath(self.filepath), object_types={"MESH"},
                                        bake_anim=True, bake_anim_use_nla_strips=False,
                                        bake_anim_use_all_actions=False, add_leaf_bones=False)


def write_livelink_csv(context, obj, path: str) -> None:
    """Live Link Face CSV of the scene's frame range, written by the backend's own writer (livelink.py)."""
    use_bundled_backend()
    from cafetalk.livelink import write_csv

    scene = context.scene
    mapping, _ = map_shape_keys([k.name for k in obj.data.shape_keys.key_blocks], overrides(context))
    frames = np.arange(scene.frame_start, scene.frame_end + 1)
    values = keyframes.read_action(obj, mapping, frames)
    if not values:
        raise RuntimeError(f"'{obj.name}' has no generated animation to export")
    table = np.zeros((len(frames), len(ARKIT_NAMES)), dtype=np.float32)
    for i, name in enumerate(ARKIT_NAMES):
        if name in values:
            table[:, i] = np.clip(values[name], 0, 1)
    write_csv(path, table, scene.render.fps / scene.render.fps_base)


class CAFETALK_OT_mapping_add(bpy.types.Operator):
    bl_idname = "cafetalk.mapping_add"
    bl_label = "Add mapping"
    bl_description = "Map one of your shape keys to an ARKit channel by hand"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        context.scene.cafetalk.mapping.add()
        return {"FINISHED"}


class CAFETALK_OT_mapping_remove(bpy.types.Operator):
    bl_idname = "cafetalk.mapping_remove"
    bl_label = "Remove mapping"
    bl_options = {"REGISTER", "UNDO"}

    index: bpy.props.IntProperty()

    def execute(self, context):
        context.scene.cafetalk.mapping.remove(self.index)
        return {"FINISHED"}


classes = (CAFETALK_OT_mapping_add, CAFETALK_OT_mapping_remove, CAFETALK_OT_add_head, CAFETALK_OT_add_au_strip, CAFETALK_OT_generate, CAFETALK_OT_bake,
           CAFETALK_OT_export_csv, CAFETALK_OT_export_fbx)


register, unregister = bpy.utils.register_classes_factory(classes)
