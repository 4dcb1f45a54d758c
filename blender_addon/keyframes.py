"""Generated ARKit weights -> shape-key F-curves in a new action (bulk writes, nothing overwritten).

The result goes into a new action on the head's shape-key datablock, named after the audio and the
settings. The previous action stays in the file with a fake user, so an earlier take is never lost
and can be put back from the action menu; undo works as for any data change. Keys are written with
`keyframe_points.add` + `foreach_set` (about 250x faster than keyframe_insert), at the scene's frame
rate (the backend works at 25 fps; values are resampled linearly).
"""
from __future__ import annotations

import numpy as np

LINEAR = 1  # Keyframe.interpolation enum index ('CONSTANT', 'LINEAR', 'BEZIER', ...)


def resample(values: np.ndarray, fps: float, scene_fps: float) -> np.ndarray:
    """(T, C) at fps -> (T', C) at scene_fps over the same duration."""
    n = max(1, int(round(values.shape[0] / fps * scene_fps)))
    src = np.arange(values.shape[0]) / fps
    dst = np.arange(n) / scene_fps
    return np.stack([np.interp(dst, src, values[:, c]) for c in range(values.shape[1])], axis=1)


def _fcurve(action, key, data_path: str):
    if hasattr(action, "fcurve_ensure_for_datablock"):  # Blender 4.4+: slotted actions
        return action.fcurve_ensure_for_datablock(key, data_path)
    return action.fcurves.new(data_path)


def all_fcurves(action) -> list:
    """Every F-curve of an action, for slotted (4.4+, layers/strips/channel bags) and legacy actions."""
    if getattr(action, "layers", None):
        return [fc for layer in action.layers for strip in layer.strips for bag in strip.channelbags
                for fc in bag.fcurves]
    return list(getattr(action, "fcurves", []))


def write_action(obj, names: list[str], values: np.ndarray, fps: float, mapping: dict[str, str], start_frame: int,
                 action_name: str):
    """Key `values` (T, len(names)) on obj's shape keys via mapping {ARKit name: shape-key name}. -> the action."""
    import bpy

    key = obj.data.shape_keys
    if key is None:
        raise ValueError(f"'{obj.name}' has no shape keys: pick a mesh with ARKit shape keys")
    scene_fps = bpy.context.scene.render.fps / bpy.context.scene.render.fps_base
    dense = resample(np.asarray(values, dtype=np.float64), fps, scene_fps)
    frames = start_frame + np.arange(dense.shape[0], dtype=np.float64)
    anim = key.animation_data or key.animation_data_create()
    if anim.action is not None:
        anim.action.use_fake_user = True  # keep the earlier take in the file
    action = bpy.data.actions.new(action_name)
    anim.action = action
    column = {n: i for i, n in enumerate(names)}
    for arkit_name, key_name in mapping.items():
        if arkit_name not in column or key_name not in key.key_blocks:
            continue
        fc = _fcurve(action, key, f'key_blocks["{key_name}"].value')
        fc.keyframe_points.add(len(frames))
        co = np.empty(2 * len(frames))
        co[0::2], co[1::2] = frames, dense[:, column[arkit_name]]
        fc.keyframe_points.foreach_set("co", co)
        fc.keyframe_points.foreach_set("interpolation", [LINEAR] * len(frames))
        fc.update()
    return action


def read_action(obj, mapping: dict[str, str], frames: np.ndarray) -> dict[str, np.ndarray]:
    """Evaluate the shape-key F-curves of obj's current action at `frames` -> {ARKit name: values}."""
    key = obj.data.shape_keys
    action = key.animation_data.action if key and key.animation_data else None
    if action is None:
        return {}
    curves = {fc.data_path: fc for fc in all_fcurves(action)}
    out = {}
    for arkit_name, key_name in mapping.items():
        fc = curves.get(f'key_blocks["{key_name}"].value')
        if fc is not None:
            out[arkit_name] = np.array([fc.evaluate(float(f)) for f in frames])
    return out


def simplify(obj, tolerance: float = 0.005) -> int:
    """Bake step: drop keys that linear interpolation of their neighbours reproduces within `tolerance`.

    Returns the number of keys removed. Keys stay where the motion turns (the greedy pass keeps a key
    whenever skipping it would move the curve by more than the tolerance).
    """
    key = obj.data.shape_keys
    action = key.animation_data.action if key and key.animation_data else None
    if action is None:
        return 0
    removed = 0
    for fc in all_fcurves(action):
        pts = fc.keyframe_points
        co = np.empty(2 * len(pts))
        pts.foreach_get("co", co)
        x, y = co[0::2], co[1::2]
        keep = [0]
        for i in range(1, len(x) - 1):
            a = keep[-1]
            seg = slice(a, i + 2)
            t = (x[seg] - x[a]) / (x[i + 1] - x[a])
            if np.abs(y[a] + t * (y[i + 1] - y[a]) - y[seg]).max() > tolerance:
                keep.append(i)
        keep.append(len(x) - 1)
        if len(keep) < len(x):
            kx, ky = x[keep], y[keep]
            while len(pts) > len(keep):
                pts.remove(pts[len(pts) - 1], fast=True)
            new = np.empty(2 * len(keep))
            new[0::2], new[1::2] = kx, ky
            pts.foreach_set("co", new)
            pts.foreach_set("interpolation", [LINEAR] * len(keep))
            fc.update()
            removed += len(x) - len(keep)
    return removed
