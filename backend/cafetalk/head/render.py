"""Headless previews of the reference head: a small software renderer on matplotlib (no GPU, no Blender).

Faces are projected with a perspective camera, back faces culled, sorted far-to-near (painter's
algorithm) and drawn as flat-shaded polygons (Lambert, one key light plus ambient). A 12k-triangle
head renders in well under a second at preview size.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .mesh import HeadMesh

LIGHT = np.array([-0.4, -0.8, 0.5]) / np.linalg.norm([-0.4, -0.8, 0.5])  # towards the key light
INSIDE_COLOR = (0.18, 0.07, 0.07)


def _camera(yaw_deg: float, distance: float = 0.55, target=(0.0, 0.0, -0.005)):
    yaw = np.radians(yaw_deg)
    eye = np.array(target) + distance * np.array([np.sin(yaw), -np.cos(yaw), 0.05])
    fwd = np.array(target) - eye
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, [0, 0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    return eye, fwd, right, up


def draw(ax, mesh: HeadMesh, vertices: np.ndarray, yaw_deg: float = 0.0, zoom: float = 1.0,
         window: tuple[float, float, float, float] = (-0.3, 0.3, -0.32, 0.3)) -> None:
    """Draw posed `vertices` (V, 3) of `mesh` into a matplotlib Axes."""
    from matplotlib.collections import PolyCollection

    eye, fwd, right, up = _camera(yaw_deg)
    tri = vertices[mesh.faces]  # (F, 3, 3)
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
    centre = tri.mean(axis=1)
    to_cam = eye - centre
    # The skin grid winds its triangles inward or outward by construction; orient each normal
    # away from the part's centroid so shading and culling agree for every part.
    part_centroid = np.stack([vertices[p.start:p.stop].mean(0) for p in mesh.parts])[mesh.face_parts]
    flip = np.sum(normal * (centre - part_centroid), axis=1) < 0
    normal[flip] *= -1
    facing = np.sum(normal * to_cam, axis=1) > 0
    # The inside of the skin shows through the parted lips and eye corners: draw it dark, not culled.
    inside = ~facing & (mesh.face_parts == 0)
    visible = facing | inside
    rel = tri[visible] - eye
    depth = rel @ fwd  # (f, 3)
    f = 1.25 * zoom
    xy = np.stack([(rel @ right) / depth * f, (rel @ up) / depth * f], -1)  # (f, 3, 2)
    order = np.argsort(-depth.mean(axis=1))
    colors = mesh.face_colors[visible]
    lambert = np.clip(normal[visible] @ LIGHT, 0, 1)[:, None]
    shade = colors * (0.35 + 0.7 * lambert)
    shade[inside[visible]] = INSIDE_COLOR
    ax.add_collection(PolyCollection(xy[order], facecolors=np.clip(shade[order], 0, 1), edgecolors="none",
                                     antialiased=False))
    ax.set_xlim(window[0], window[1])
    ax.set_ylim(window[2], window[3])
    ax.set_aspect("equal")
    ax.axis("off")


def contact_sheet(mesh: HeadMesh, frames: list[np.ndarray], captions: list[str], path: str | Path,
                  columns: int = 4, title: str | None = None, yaws: list[float] | None = None) -> Path:
    """Frames of posed vertices in a grid, each with its caption underneath."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = int(np.ceil(len(frames) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 3.0 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, verts, caption) in enumerate(zip(axes.flat, frames, captions)):
        draw(ax, mesh, verts, yaws[i] if yaws else 0.0)
        ax.set_title(caption, fontsize=7, y=-0.08, va="top")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, facecolor="white")
    plt.close(fig)
    return out


def preview_animation(anim, path: str | Path, count: int = 8, times: list[float] | None = None) -> Path:
    """Contact sheet of the reference head posed by an Animation at `count` times (or the given ones),
    each captioned with its time and the controls active then."""
    from .rig import reference_head

    head = reference_head()
    if times is None:
        times = list(np.linspace(0, max(anim.duration - 1.0 / anim.fps, 0), count))
    slots = anim.slots()
    frames, captions = [], []
    for t in times:
        i = min(anim.num_frames - 1, int(round(t * anim.fps)))
        frames.append(head.pose(anim.blendshapes[i]))
        active = [("+".join(s.aus)) for s in slots if s.start <= t < s.end]
        captions.append(f"{t:.2f} s" + (f"  [{', '.join(active)}]" if active else ""))
    emotion = anim.settings.get("emotion")
    title = f"emotion: {emotion}" if emotion else None
    return contact_sheet(head.mesh, frames, captions, path, columns=min(4, len(frames)), title=title)
