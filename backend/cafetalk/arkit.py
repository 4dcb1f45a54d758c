"""The ARKit blend-shape vocabulary: the one place that names and orders the 52 channels.

Order: the order in which Epic's Live Link Face app writes its CSV columns (Apple's
`ARFaceAnchor.BlendShapeLocation` grouped by face region), with `tongueOut` last. The model
predicts the first 51 (all but `tongueOut`, as in the paper, section 4.1); files always carry 52.

Everything else in the project imports its names and indices from here.
"""
from __future__ import annotations

# The 52 ARKit blend shapes, camelCase as Apple writes them.
NAMES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawRight", "jawLeft", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthRight", "mouthLeft",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)
NUM_CHANNELS = len(NAMES)  # 52

# The 51 channels the model predicts (the paper's 51-d ARKit vector): every name but tongueOut.
PREDICTED: tuple[str, ...] = tuple(n for n in NAMES if n != "tongueOut")
NUM_PREDICTED = len(PREDICTED)  # 51

INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

# Live Link Face CSV: `Timecode,BlendShapeCount,` then the 52 names in PascalCase, then 9
# head/eye rotation columns. BlendShapeCount counts the 61 value columns.
PASCAL: tuple[str, ...] = tuple(n[0].upper() + n[1:] for n in NAMES)
LIVELINK_ROTATIONS: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll",
    "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)
LIVELINK_COLUMNS: tuple[str, ...] = ("Timecode", "BlendShapeCount") + PASCAL + LIVELINK_ROTATIONS
LIVELINK_BLENDSHAPE_COUNT = len(PASCAL) + len(LIVELINK_ROTATIONS)  # 61


def _mirror(name: str) -> str | None:
    for a, b in (("Left", "Right"), ("Right", "Left")):
        if name.endswith(a):
            return name[: -len(a)] + b
    return None


# Left/right pairs as (left, right). jawLeft/jawRight and mouthLeft/mouthRight are directions,
# not sides of the face, yet they mirror into each other all the same, so they are pairs too.
LR_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (n, _mirror(n)) for n in NAMES if n.endswith("Left") and _mirror(n) in INDEX
)
MIRROR: dict[str, str] = {**{l: r for l, r in LR_PAIRS}, **{r: l for l, r in LR_PAIRS}}


def mirror_index() -> list[int]:
    """Index permutation that swaps every left channel with its right twin (52 long)."""
    return [INDEX[MIRROR.get(n, n)] for n in NAMES]


def index_of(name: str) -> int:
    """The position of an ARKit name (camelCase or PascalCase) in NAMES."""
    key = name[0].lower() + name[1:] if name else name
    if key not in INDEX:
        raise KeyError(f"'{name}' is not one of the 52 ARKit blend shapes (see cafetalk.arkit.NAMES)")
    return INDEX[key]
