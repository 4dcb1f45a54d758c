"""Cafe-Talk for Blender. This file only registers; each module registers its own classes.

The add-on never imports torch: generation runs in the backend's own Python process
(`cafetalk serve --stdio`, see backend/cafetalk/protocol.py). Modules that need bpy are imported
in register(), so the bpy-free ones (mapping.py, ...) can be imported and tested outside Blender.
"""


def _modules():
    from . import operators, panels, preferences, properties

    return (preferences, properties, operators, panels)


def register():
    for m in _modules():
        m.register()


def unregister():
    for m in reversed(_modules()):
        m.unregister()
