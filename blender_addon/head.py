"""The reference ARKit head as a Blender object: a mesh with Basis + 52 shape keys named as Apple names them.

The geometry comes from `cafetalk head export` (an .npz: vertices, faces, deltas, names, face colours);
it is pure data, so Blender's own Python (numpy only) builds the object. One material per colour
(skin, lips, brows, hair, eyes, teeth, mouth) keeps the demo readable in the viewport.
"""
from __future__ import annotations

import numpy as np


def build_head(npz_path: str, name: str = "CafeTalkHead", collection=None):
    """Create the head object in the scene (or `collection`) and return it."""
    import bpy

    with np.load(npz_path, allow_pickle=False) as z:
        verts, faces = z["vertices"].astype(np.float64), z["faces"].astype(np.int64)
        deltas, names = z["deltas"].astype(np.float64), [str(n) for n in z["names"]]
        face_colors = z["face_colors"] if "face_colors" in z.files else None
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(len(verts))
    mesh.vertices.foreach_set("co", verts.ravel())
    mesh.loops.add(faces.size)
    mesh.loops.foreach_set("vertex_index", faces.ravel())
    mesh.polygons.add(len(faces))
    mesh.polygons.foreach_set("loop_start", np.arange(0, faces.size, 3))
    mesh.polygons.foreach_set("loop_total", np.full(len(faces), 3))
    mesh.update(calc_edges=True)
    mesh.validate()
    if face_colors is not None:
        palette, index = np.unique(np.round(face_colors, 3), axis=0, return_inverse=True)
        for i, rgb in enumerate(palette):
            mat = bpy.data.materials.new(f"{name}_{i}")
            mat.diffuse_color = (*rgb.tolist(), 1.0)
            mesh.materials.append(mat)
        mesh.polygons.foreach_set("material_index", index.ravel().astype(np.int32))
    obj = bpy.data.objects.new(name, mesh)
    (collection or bpy.context.scene.collection).objects.link(obj)
    obj.shape_key_add(name="Basis", from_mix=False)
    for key_name, delta in zip(names, deltas):
        key = obj.shape_key_add(name=key_name, from_mix=False)
        key.data.foreach_set("co", (verts + delta).ravel())
        key.slider_min, key.slider_max = 0.0, 1.0
        key.value = 0.0  # Blender 5.0 creates new keys at 1.0
    return obj
