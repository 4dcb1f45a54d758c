"""The reference ARKit head: geometry (mesh.py), 52 shape keys (shapes.py), posing and previews."""
