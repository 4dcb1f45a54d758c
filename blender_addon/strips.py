"""Fine-grained controls as strips on the NLA timeline (one muted control track per head).

Each strip stands for one triplet (paper Eq. 1): its name shows the AUs, its placeholder action
carries them as custom properties (`cafetalk_aus`, `cafetalk_beta`, or `cafetalk_text` for a text
strip), and its frame range is the slot. Animators drag, trim, duplicate and delete them with the
NLA editor's own tools. The track is muted: the placeholder actions animate nothing.
"""
from __future__ import annotations

TRACK = "Cafe-Talk Controls"

# The AU codes the backend knows (backend/cafetalk/aus.py; equality is tested), with FACS names.
AUS = {
    "AU01": "Inner Brow Raiser", "AU02": "Outer Brow Raiser", "AU04": "Brow Lowerer", "AU05": "Upper Lid Raiser",
    "AU06": "Cheek Raiser", "AU07": "Lid Tightener", "AU09": "Nose Wrinkler", "AU10": "Upper Lip Raiser",
    "AU12": "Lip Corner Puller", "AU14": "Dimpler", "AU15": "Lip Corner Depressor", "AU17": "Chin Raiser",
    "AU18": "Lip Pucker", "AU20": "Lip Stretcher", "AU22": "Lip Funneler", "AU23": "Lip Tightener",
    "AU24": "Lip Pressor", "AU25": "Lips Part", "AU26": "Jaw Drop", "AU28": "Lip Suck", "AU45": "Blink",
}
UNSIDED = {"AU01", "AU17", "AU18", "AU22", "AU24", "AU26", "AU28"}


def check_aus(text: str) -> list[str]:
    """`AU01+L12` -> codes; raises ValueError naming an unknown AU."""
    codes = [c.strip().upper() for c in text.split("+") if c.strip()]
    if not codes:
        raise ValueError("no AU given")
    for c in codes:
        au = c if c.startswith("AU") else "AU" + c[1:]
        if c[0] not in "ALR" or au not in AUS or (c[0] in "LR" and au in UNSIDED):
            raise ValueError(f"unknown AU '{c}': use {', '.join(AUS)} (L/R prefixes for sided ones, e.g. L12)")
    return codes


def control_track(obj, create: bool = True):
    anim = obj.animation_data or (obj.animation_data_create() if create else None)
    if anim is None:
        return None
    track = anim.nla_tracks.get(TRACK)
    if track is None and create:
        track = anim.nla_tracks.new()
        track.name = TRACK
        track.mute = True
    return track


def add_strip(obj, start: int, end: int, aus: str | None = None, text: str | None = None, beta: float | None = None):
    """Add a control strip from frame `start` to `end` (exclusive). -> the NLA strip."""
    import bpy

    if end <= start:
        raise ValueError(f"a control strip needs at least one frame (got {start}..{end})")
    if (aus is None) == (text is None):
        raise ValueError("give either AUs or a text description")
    label = "+".join(check_aus(aus)) if aus is not None else f"text: {text}"
    action = bpy.data.actions.new(f"CT {label}")
    action.use_frame_range = True
    action.frame_start, action.frame_end = 0, end - start
    if aus is not None:
        action["cafetalk_aus"] = label
    else:
        action["cafetalk_text"] = text
    if beta is not None:
        action["cafetalk_beta"] = float(beta)
    track = control_track(obj)
    strip = track.strips.new(label, int(start), action)
    strip.name = label
    return strip


def read_controls(obj, sound_start: int, fps: float, duration: float) -> tuple[list[dict], list[str]]:
    """Strips -> protocol controls (seconds from the sound's start) and problems named by strip."""
    track = control_track(obj, create=False)
    controls, problems = [], []
    for strip in (track.strips if track else []):
        act = strip.action
        start = (strip.frame_start - sound_start) / fps
        end = (strip.frame_end - sound_start) / fps
        if start < 0 or end > duration + 1.0 / fps:
            problems.append(f"strip '{strip.name}' ({start:.2f}-{end:.2f} s) lies outside the audio (0-{duration:.2f} s)")
            continue
        beta = act.get("cafetalk_beta") if act else None
        item = {"start": round(start, 4), "end": round(end, 4)}
        if beta is not None:
            item["beta"] = float(beta)
        if act is not None and "cafetalk_text" in act:
            item["text"] = str(act["cafetalk_text"])
        else:
            try:
                item["aus"] = check_aus(str(act.get("cafetalk_aus", strip.name)) if act else strip.name)
            except ValueError as exc:
                problems.append(f"strip '{strip.name}': {exc}")
                continue
        controls.append(item)
    return controls, problems


def show_detected(obj, used: list[str]) -> None:
    """After a generation: write on each text strip the AUs the backend's detector found in it.

    `used` holds the triplets the backend used, in strip order (protocol result `controls`).
    """
    track = control_track(obj, create=False)
    if track is None or len(used) != len(track.strips):
        return
    for strip, triplet in zip(track.strips, used):
        act = strip.action
        if act is not None and "cafetalk_text" in act:
            found = triplet.split("@")[0]
            act["cafetalk_detected"] = found
            strip.name = f"text: {act['cafetalk_text']} = {found}"
