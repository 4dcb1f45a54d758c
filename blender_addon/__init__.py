"""Cafe-Talk for Blender. This file only registers; each module registers its own classes.

The add-on never imports torch: generation runs in the backend's own Python process
(`cafetalk serve --stdio`, see backend/cafetalk/protocol.py). So far only the preferences exist;
the scene panel, AU strips, generation, bake and export arrive with the add-on issue.
"""
from . import preferences

modules = (preferences,)


def register():
    for m in modules:
        m.register()


def unregister():
    for m in reversed(modules):
        m.unregister()
