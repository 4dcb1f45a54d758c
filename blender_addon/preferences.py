"""Add-on preferences: which Python runs the backend (found automatically when possible), on which
device, with which weights; Install backend (a virtual environment with torch and the bundled backend,
with progress and a log) and Check backend (versions and device, from the backend itself)."""
from __future__ import annotations

import sys
from pathlib import Path

import bpy

from .backend_job import Backend, serve_command
from .installer import Installer, find_backend_python, install_steps

ADDON_DIR = Path(__file__).resolve().parent


def bundled_backend() -> Path:
    src = ADDON_DIR / "backend"
    return src if src.is_dir() else ADDON_DIR.parent / "backend"  # running from the repository


def use_bundled_backend() -> None:
    """Make the bundled backend's numpy-only modules (cafetalk.head, cafetalk.livelink) importable in
    Blender's Python; nothing that imports torch is used this way."""
    src = str(bundled_backend())
    if src not in sys.path:
        sys.path.append(src)


def addon_venv() -> Path:
    """Where Install backend puts its virtual environment (the extension's user folder)."""
    try:
        return Path(bpy.utils.extension_path_user(__package__, path="backend-venv", create=True))
    except (ValueError, AttributeError):  # loaded as a legacy add-on (tests, Blender < 4.2)
        return Path(bpy.utils.user_resource("SCRIPTS", path="cafetalk-backend-venv", create=True))


def resolved_python(context) -> str:
    addon = context.preferences.addons.get(__package__)
    configured = addon.preferences.backend_python if addon else ""
    python = find_backend_python(bpy.path.abspath(configured) if configured else "", addon_venv())
    if not python:
        raise RuntimeError("no backend Python: press Install backend in Preferences > Add-ons > Cafe-Talk, "
                           "or set an interpreter where `cafetalk` is installed")
    return python


def backend_for(context) -> Backend:
    """A (not yet started) backend as the preferences say; weights bundled in the zip are the defaults."""
    prefs = context.preferences.addons[__package__].preferences
    weights = bpy.path.abspath(prefs.weights) if prefs.weights else ""
    bundled = ADDON_DIR / "weights"
    if not weights and (bundled / "default" / "manifest.json").exists():
        weights = str(bundled / "default")
    env = {"CAFETALK_DETECTOR": str(bundled / "detector")} if (bundled / "detector" / "manifest.json").exists() else {}
    return Backend(serve_command(resolved_python(context), weights or None, prefs.device), env)


class CafeTalkPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    backend_python: bpy.props.StringProperty(
        name="Backend Python", subtype="FILE_PATH",
        description="Interpreter with the cafetalk backend installed (never Blender's own); empty: found automatically")
    device: bpy.props.EnumProperty(
        name="Device", default="auto",
        items=[("auto", "Auto", "GPU when there is one, else CPU"), ("cpu", "CPU", ""),
               ("cuda", "CUDA", "NVIDIA GPU"), ("mps", "MPS", "Apple GPU")])
    weights: bpy.props.StringProperty(
        name="Weights", subtype="DIR_PATH", description="Checkpoint folder (empty: the bundled default)")
    install_progress: bpy.props.FloatProperty(default=0.0, min=0.0, max=1.0, subtype="FACTOR")
    install_status: bpy.props.StringProperty(default="")

    def draw(self, context):
        col = self.layout.column()
        col.prop(self, "backend_python")
        col.prop(self, "device")
        col.prop(self, "weights")
        row = col.row(align=True)
        row.operator("cafetalk.install_backend", icon="IMPORT")
        row.operator("cafetalk.check_backend", icon="CHECKMARK")
        if self.install_status:
            col.label(text=self.install_status)


class CAFETALK_OT_install_backend(bpy.types.Operator):
    bl_idname = "cafetalk.install_backend"
    bl_label = "Install backend"
    bl_description = "Create a virtual environment with PyTorch and the bundled Cafe-Talk backend (large download)"

    _installer = None
    _timer = None

    def execute(self, context):
        prefs = context.preferences.addons[__package__].preferences
        venv = addon_venv()
        self._installer = Installer(install_steps(sys.executable, venv, bundled_backend()),
                                    venv.parent / "cafetalk-install.log").start()
        prefs.install_status = "installing ..."
        if bpy.app.background:
            return self.done(context, self._installer.wait())
        self._timer = context.window_manager.event_timer_add(0.5, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type == "ESC":
            self._installer.cancel()
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        st = self._installer.poll()
        prefs = context.preferences.addons[__package__].preferences
        prefs.install_progress = st.step / max(st.total, 1)
        prefs.install_status = f"{st.message} ({st.step + 1}/{st.total})"
        return {"RUNNING_MODAL"} if st.state == "running" else self.done(context, st)

    def done(self, context, st):
        if self._timer:
            context.window_manager.event_timer_remove(self._timer)
        prefs = context.preferences.addons[__package__].preferences
        prefs.install_status = st.message if st.state == "done" else st.reason
        self.report({"INFO"} if st.state == "done" else {"ERROR"}, prefs.install_status)
        return {"FINISHED"} if st.state == "done" else {"CANCELLED"}


class CAFETALK_OT_check_backend(bpy.types.Operator):
    bl_idname = "cafetalk.check_backend"
    bl_label = "Check backend"
    bl_description = "Start the backend once and report its version, device and weights"

    def execute(self, context):
        prefs = context.preferences.addons[__package__].preferences
        try:
            backend = backend_for(context)
            backend.start()
            hello = backend.hello(timeout=120)
        except RuntimeError as exc:
            prefs.install_status = f"backend not usable: {exc}"
            self.report({"ERROR"}, prefs.install_status)
            return {"CANCELLED"}
        finally:
            if "backend" in locals():
                backend.stop()
        prefs.install_status = (f"backend {hello.get('version')} (protocol {hello.get('protocol')}) on "
                                f"{hello.get('device')}, weights {hello.get('weights')}")
        self.report({"INFO"}, prefs.install_status)
        return {"FINISHED"}


classes = (CafeTalkPreferences, CAFETALK_OT_install_backend, CAFETALK_OT_check_backend)


register, unregister = bpy.utils.register_classes_factory(classes)
