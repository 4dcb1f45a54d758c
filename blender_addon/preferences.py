"""Add-on preferences: which Python runs the backend, on which device, with which weights."""
import bpy


class CafeTalkPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    backend_python: bpy.props.StringProperty(
        name="Backend Python", subtype="FILE_PATH",
        description="Python interpreter with the cafetalk backend installed (never Blender's own)")
    device: bpy.props.EnumProperty(
        name="Device", default="auto",
        items=[("auto", "Auto", "GPU when there is one, else CPU"), ("cpu", "CPU", ""),
               ("cuda", "CUDA", "NVIDIA GPU"), ("mps", "MPS", "Apple GPU")])
    weights: bpy.props.StringProperty(
        name="Weights", subtype="DIR_PATH", description="Checkpoint folder (empty: the bundled default)")

    def draw(self, context):
        col = self.layout.column()
        col.prop(self, "backend_python")
        col.prop(self, "device")
        col.prop(self, "weights")


classes = (CafeTalkPreferences,)


def register():
    for cls in classes:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
