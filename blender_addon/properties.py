"""Scene settings of Cafe-Talk (coarse controls, sampling options) and the running job's progress."""
import bpy


from .mapping import ARKIT_NAMES


class ShapeKeyMapping(bpy.types.PropertyGroup):
    shape_key: bpy.props.StringProperty(name="Shape key")
    arkit: bpy.props.EnumProperty(name="ARKit", items=[(n, n, "") for n in ARKIT_NAMES])


class CafeTalkSettings(bpy.types.PropertyGroup):
    emotion: bpy.props.StringProperty(name="Emotion", default="neutral",
                                      description="The emotion in words: happy, furious, shy, quietly sad ...")
    intensity: bpy.props.FloatProperty(name="Intensity", default=1.0, min=0.0, max=1.0)
    style: bpy.props.IntProperty(name="Talking style", default=0, min=0, description="Speaker style id of the weights")
    style_image: bpy.props.StringProperty(name="Style image", subtype="FILE_PATH",
                                          description="Face image for the talking style (weights with an image encoder)")
    alpha: bpy.props.FloatProperty(name="Alpha", default=1.0, min=0.0, max=20.0, description="Overall guidance (Eq. 7)")
    beta: bpy.props.FloatProperty(name="Beta", default=1.0, min=0.0, max=20.0,
                                  description="AU intensity inside the control strips (Eq. 7)")
    recognizer: bpy.props.EnumProperty(
        name="Without dialogue", default="warped",
        description="How phones are found for a sound strip without dialogue text (English)",
        items=[("warped", "Words + phones + N-best + warps", "Word recognition, then alignment, plus the lip "
                "closures phone recognition, the next seven word hypotheses and phone recognition at four "
                "vocal-tract warps hear: the most closures, about 0.6-1 s per second of audio"),
               ("nbest", "Words + phones + N-best", "The same without the warps"),
               ("both", "Words + phones", "Without the further word hypotheses either: in a third of the time"),
               ("words", "Recognise words", "Word recognition, then alignment"),
               ("phones", "Recognise phones", "Phone recognition alone: about six times faster")])
    cfg_mask: bpy.props.EnumProperty(
        name="AU mask", default="weights",
        description="Where an AU strip's guidance acts (Eq. 7)",
        items=[("weights", "Weights' choice", "What the weights were shipped with"),
               ("channels", "AU channels", "Only the strip AUs' own shape keys, on its frames: clean"),
               ("opposing", "AU + opposing", "The strip AUs' shape keys and those pulling the other way "
                "(a smile also clears a frown), on its frames"),
               ("frames", "Whole face", "Every shape key on the strip's frames (the paper): stronger, but "
                "blinks and speech motion are redrawn inside the strip")])
    cfg_reference: bpy.props.EnumProperty(
        name="AU reference", default="weights",
        description="What an AU strip's guidance is measured from (Eq. 7)",
        items=[("weights", "Weights' choice", "What the weights were shipped with"),
               ("coarse", "Voice + emotion", "The strip shows the AU as the adapter predicts it with the "
                "voice and emotion: beta 1 is the trained intensity"),
               ("null", "Unconditional (paper)", "Eq. 7 as printed: the voice and emotion count twice inside "
                "the strip")])
    steps: bpy.props.IntProperty(name="Steps", default=25, min=1, max=1000)
    seed: bpy.props.IntProperty(name="Seed", default=0, min=0)
    sound_strip: bpy.props.StringProperty(name="Sound strip", description="Sequencer sound strip (empty: the first)")
    mapping: bpy.props.CollectionProperty(type=ShapeKeyMapping, description="Your shape-key -> ARKit pairs")
    # job state, drawn by the panel
    running: bpy.props.BoolProperty(default=False)
    progress: bpy.props.FloatProperty(default=0.0, min=0.0, max=1.0, subtype="FACTOR")
    status: bpy.props.StringProperty(default="")


classes = (ShapeKeyMapping, CafeTalkSettings)


def strip_type():
    """Sequencer strips' RNA type: `Strip` since Blender 4.4, `Sequence` before."""
    return getattr(bpy.types, "Strip", None) or bpy.types.Sequence


def register():
    for cls in classes:
        bpy.utils.register_class(cls)
    bpy.types.Scene.cafetalk = bpy.props.PointerProperty(type=CafeTalkSettings)
    strip_type().cafetalk_dialogue = bpy.props.StringProperty(
        name="Dialogue", description="The words spoken in this sound strip: aligned to the audio for exact "
        "lip-sync (English). Empty: a .txt file beside the audio, else phones are recognised")


def unregister():
    del strip_type().cafetalk_dialogue
    del bpy.types.Scene.cafetalk
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
