"""Build the installable Blender extension zip: the add-on, the backend package source and the weights.

    python build_addon.py [--out build/]

The zip is a Blender 4.2+ extension (blender_manifest.toml at its root). The backend package travels
inside it (`backend/cafetalk`, `backend/pyproject.toml`) so the add-on can install it into its own
virtual environment, together with the weights (`weights/default`, `weights/detector`) that exist.
"""
from __future__ import annotations

import argparse
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SKIP_PARTS = {"__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".tmp"}


def files_under(folder: Path):
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not (SKIP_PARTS & set(p.parts)) and p.suffix not in SKIP_SUFFIXES:
            yield p


def build(out_dir: Path) -> Path:
    manifest = tomllib.loads((ROOT / "blender_addon" / "blender_manifest.toml").read_text())
    for key in ("schema_version", "id", "version", "name", "type", "blender_version_min", "license"):
        if key not in manifest:
            raise SystemExit(f"blender_addon/blender_manifest.toml lacks '{key}'")
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{manifest['id']}-{manifest['version']}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for p in files_under(ROOT / "blender_addon"):
            z.write(p, p.relative_to(ROOT / "blender_addon").as_posix())
        for p in [ROOT / "backend" / "pyproject.toml", ROOT / "backend" / "README.md",
                  *files_under(ROOT / "backend" / "cafetalk")]:
            z.write(p, ("backend" / p.relative_to(ROOT / "backend")).as_posix())
        for folder in sorted((ROOT / "weights").glob("*/manifest.json")):  # default model, detector
            for p in files_under(folder.parent):
                z.write(p, ("weights" / p.relative_to(ROOT / "weights")).as_posix())
    return zip_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "build"), help="output folder (default build/)")
    args = ap.parse_args(argv)
    path = build(Path(args.out))
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
