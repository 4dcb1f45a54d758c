"""The Cafe-Talk panel in the 3D Viewport sidebar: coarse controls, strips, generate, bake, export."""
import bpy


def _sound(context):
    from .operators import sound_strip

    try:
        return sound_strip(context)
    except RuntimeError:
        return None


class CAFETALK_PT_main(bpy.types.Panel):
    bl_label = "Cafe-Talk"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Cafe-Talk"

    def draw(self, context):
        s = context.scene.cafetalk
        col = self.layout.column()
        col.operator("cafetalk.add_head", icon="MONKEY")
        col.prop_search(s, "sound_strip", context.scene.sequence_editor, "strips_all"
                        if hasattr(context.scene.sequence_editor, "strips_all") else "sequences_all", icon="SOUND") \
            if context.scene.sequence_editor else col.label(text="Add a sound strip in the Sequencer", icon="INFO")
        sound = _sound(context)
        if sound is not None:
            col.prop(sound, "cafetalk_dialogue", icon="TEXT")
            col.prop(s, "recognizer")
        box = col.box()
        box.label(text="Performance")
        box.prop(s, "emotion")
        box.prop(s, "intensity", slider=True)
        box.prop(s, "style")
        box.prop(s, "style_image")
        box = col.box()
        box.label(text="Moments (NLA strips)")
        row = box.row(align=True)
        row.operator("cafetalk.add_au_strip", text="AU strip", icon="NLA")
        op = row.operator("cafetalk.add_au_strip", text="Text strip", icon="FONT_DATA")
        op.text = "a sudden smile"
        box = col.box()
        box.label(text="Sampling")
        row = box.row(align=True)
        row.prop(s, "alpha")
        row.prop(s, "beta")
        box.prop(s, "cfg_mask")
        box.prop(s, "cfg_reference")
        row = box.row(align=True)
        row.prop(s, "steps")
        row.prop(s, "seed")
        if s.running:
            col.progress(factor=s.progress, type="BAR", text=s.status or "working") if hasattr(col, "progress") \
                else col.label(text=f"{s.status} {s.progress:.0%}")
            col.label(text="Esc cancels")
        else:
            col.operator("cafetalk.generate", icon="PLAY")
            if s.status:
                col.label(text=s.status)
        box = col.box()
        row = box.row()
        row.label(text="Shape-key mapping (your own pairs)")
        row.operator("cafetalk.mapping_add", text="", icon="ADD")
        obj = context.active_object
        keys = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
        for i, m in enumerate(s.mapping):
            row = box.row(align=True)
            if keys is not None:
                row.prop_search(m, "shape_key", keys, "key_blocks", text="")
            else:
                row.prop(m, "shape_key", text="")
            row.prop(m, "arkit", text="")
            row.operator("cafetalk.mapping_remove", text="", icon="X").index = i
        row = col.row(align=True)
        row.operator("cafetalk.bake", icon="KEYINGSET")
        row.operator("cafetalk.export_csv", text="CSV", icon="EXPORT")
        row.operator("cafetalk.export_fbx", text="FBX", icon="EXPORT")


classes = (CAFETALK_PT_main,)


register, unregister = bpy.utils.register_classes_factory(classes)
