"""Install the built zip as an extension, enable, use, disable: in a fresh Blender process, so the
repository's copy of the add-on that other tests register does not clash with the installed one."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("bpy")
ROOT = Path(__file__).resolve().parents[2]


def test_zip_installs_enables_and_disables(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys, tempfile
        os.environ["BLENDER_USER_RESOURCES"] = {str(tmp_path / "user")!r}
        sys.path.insert(0, {str(ROOT)!r})
        import build_addon
        zip_path = build_addon.build(__import__("pathlib").Path({str(tmp_path / "build")!r}))
        import bpy
        code = 1
        try:
            bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default",
                                                     enable_on_install=True)
            mod = "bl_ext.user_default.cafetalk"
            assert mod in bpy.context.preferences.addons, "not enabled"
            assert hasattr(bpy.ops.cafetalk, "generate") and hasattr(bpy.types.Scene, "cafetalk")
            bpy.ops.wm.read_homefile(use_empty=True)
            bpy.ops.cafetalk.add_head()
            obj = bpy.context.active_object
            assert len(obj.data.shape_keys.key_blocks) == 53
            bpy.ops.cafetalk.add_au_strip(au="AU12", side="L", seconds=0.5, start=10)
            track = obj.animation_data.nla_tracks["Cafe-Talk Controls"]
            assert [s.name for s in track.strips] == ["L12"]
            bpy.ops.preferences.addon_disable(module=mod)
            assert mod not in bpy.context.preferences.addons and not hasattr(bpy.types.Scene, "cafetalk")
            code = 0
            print("INSTALL-OK")
        finally:
            sys.stdout.flush()
            os._exit(code)
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "INSTALL-OK" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
