"""Shape-key names -> ARKit channels (bpy-free, unit-tested outside Blender).

Rigs name the 52 ARKit shapes in many ways: `jawOpen` (Apple), `JawOpen` (Live Link, Faceit),
`jaw_open` / `JAW_OPEN` (snake case), with prefixes (`CC_Base_`, `Face.`, `bs_`, `blendShape1.`) or
suffixes (`_L`/`_R` instead of Left/Right, `.001`). A name is normalised (prefix stripped, case and
separators dropped, L/R suffixes spelled out) and matched against the normalised ARKit names; the
animator's own mapping list wins over every rule. Unmapped channels are reported, never dropped silently.
"""
from __future__ import annotations

import re

# The 52 names, kept here too so the add-on needs nothing from the backend package to map names.
ARKIT_NAMES = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight", "jawForward", "jawRight", "jawLeft", "jawOpen", "mouthClose", "mouthFunnel",
    "mouthPucker", "mouthRight", "mouthLeft", "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthPressLeft", "mouthPressRight",
    "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight", "browDownLeft",
    "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff", "cheekSquintLeft",
    "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)
_PREFIX = re.compile(r"^(?:.*[.:|])?(?:cc_base_|blendshape\d*_?|bs_|arkit_|face_)?", re.IGNORECASE)
_COPY = re.compile(r"\.\d{3}$")


def normalise(name: str) -> str:
    """`CC_Base_Jaw_Open.001` -> `jawopen`; `mouthSmile_L` -> `mouthsmileleft`."""
    n = _COPY.sub("", name.strip())
    n = _PREFIX.sub("", n, count=1)
    n = re.sub(r"(?i)(?:[_.\s-]|(?<=[a-z]))(l|left)$", "left", n) if re.search(r"(?i)([_.\s-]l|left)$", n) else n
    n = re.sub(r"(?i)(?:[_.\s-]|(?<=[a-z]))(r|right)$", "right", n) if re.search(r"(?i)([_.\s-]r|right)$", n) else n
    return re.sub(r"[^a-z0-9]", "", n.lower())


_BY_KEY = {normalise(a): a for a in ARKIT_NAMES}


def map_shape_keys(shape_keys: list[str], overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """-> ({ARKit name: shape-key name}, [ARKit names with no shape key]).

    `overrides` maps shape-key names to ARKit names (the animator's list) and wins over the rules.
    """
    overrides = overrides or {}
    for key, arkit_name in overrides.items():
        if arkit_name not in ARKIT_NAMES:
            raise ValueError(f"mapping '{key}' -> '{arkit_name}': '{arkit_name}' is not an ARKit blend shape")
    found: dict[str, str] = {}
    for key, arkit_name in overrides.items():
        if key in shape_keys:
            found[arkit_name] = key
    for key in shape_keys:
        if key in overrides or key.lower() == "basis":
            continue
        arkit_name = _BY_KEY.get(normalise(key))
        if arkit_name and arkit_name not in found:
            found[arkit_name] = key
    return found, [a for a in ARKIT_NAMES if a not in found]
