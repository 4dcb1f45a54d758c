"""The add-on flow, headless: install the built extension zip into Blender (the bpy module), load the
bundled voice clip as a sound strip, add the reference head, an emotion and two AU strips, generate,
bake, and export. Run by `make demo` with Blender's Python (.venv-blender); the backend runs in
the backend's own interpreter.

    python scripts/demo_blender.py --backend-python .venv/bin/python --out out/demo [--weights DIR]

Writes OUT/demo.blend, OUT/demo.fbx and OUT/demo.csv (Live Link Face, from the baked keys).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend-python", required=True)
    ap.add_argument("--out", default="out/demo")
    ap.add_argument("--weights", default="")
    ap.add_argument("--audio", default=str(ROOT / "backend" / "cafetalk" / "assets" / "demo.wav"))
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ["BLENDER_USER_RESOURCES"] = tempfile.mkdtemp(prefix="cafetalk-blender-user-")
    sys.path.insert(0, str(ROOT))
    import build_addon

    zip_path = build_addon.build(out / "build")
    import bpy

    bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default", enable_on_install=True)
    module = "bl_ext.user_default.cafetalk"
    prefs = bpy.context.preferences.addons[module].preferences
    prefs.backend_python = os.path.abspath(args.backend_python)  # not resolve(): keep the venv's symlink
    prefs.weights = os.path.abspath(args.weights) if args.weights else ""
    prefs.device = "auto"
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 25
    seq = scene.sequence_editor_create()
    sound = (seq.strips if hasattr(seq, "strips") else seq.sequences).new_sound("voice", args.audio, 1, 1)
    scene.frame_start, scene.frame_end = 1, sound.frame_final_end - 1

    bpy.ops.cafetalk.add_head()
    s = scene.cafetalk
    s.emotion, s.intensity, s.steps, s.seed = "happy", 1.0, 25, 0
    bpy.ops.cafetalk.add_au_strip(aus="AU01+AU02", seconds=0.8, start=1 + 30)  # 1.2-2.0 s
    bpy.ops.cafetalk.add_au_strip(aus="AU12", seconds=0.8, start=1 + 60)  # 2.4-3.2 s
    print("generating in the backend ...", file=sys.stderr, flush=True)
    bpy.ops.cafetalk.generate()
    print(f"  {s.status}", file=sys.stderr)
    if not s.status.startswith("done"):
        raise RuntimeError(f"generation did not finish: {s.status}")
    bpy.ops.cafetalk.bake(tolerance=0.002)
    bpy.ops.cafetalk.export_csv(filepath=str(out / "demo.csv"))
    bpy.ops.cafetalk.export_fbx(filepath=str(out / "demo.fbx"))
    bpy.ops.wm.save_as_mainfile(filepath=str(out / "demo.blend"))
    for name in ("demo.blend", "demo.fbx", "demo.csv"):
        print(f"wrote {out / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    code = 1
    try:
        code = main()
    except Exception as exc:  # noqa: BLE001 - report, then leave without Blender's exit hang
        print(f"demo failed: {exc}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # Blender 4.x can hang at interpreter exit with add-on classes registered
