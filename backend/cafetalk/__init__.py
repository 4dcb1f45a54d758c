"""Cafe-Talk: speech-driven 3D talking-face animation (ARKit) with coarse- and fine-grained control.

    import cafetalk
    anim = cafetalk.generate("line.wav", emotion="happy", controls=["AU12@1.0-2.0"])
    anim.save("line.csv")
"""
__version__ = "0.1.0"


def __getattr__(name: str):  # torch is imported only when the model is used
    if name in ("generate", "CafeTalk", "Cancelled"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "Animation":
        from .animation import Animation

        return Animation
    raise AttributeError(f"module 'cafetalk' has no attribute '{name}'")


__all__ = ["Animation", "CafeTalk", "Cancelled", "__version__", "generate"]
