import tomllib
import zipfile

import build_addon


def test_zip_holds_manifest_addon_and_backend(tmp_path):
    path = build_addon.build(tmp_path)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        manifest = tomllib.loads(z.read("blender_manifest.toml").decode())
    assert manifest["id"] == "cafetalk" and manifest["type"] == "add-on"
    assert {"__init__.py", "preferences.py", "backend/pyproject.toml", "backend/cafetalk/pipeline.py",
            "backend/cafetalk/protocol.py", "backend/cafetalk/assets/demo.wav"} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
