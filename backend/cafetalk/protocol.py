"""The versioned JSON-lines protocol of `cafetalk serve --stdio` (the add-on's channel to the backend).

Pure Python, no torch: the Blender add-on imports (or mirrors) this module. One JSON object per
line, each with `"v": VERSION` and a `"type"`.

Client -> backend
  {"v":1,"type":"hello"}                                   -> hello (version, device, weights)
  {"v":1,"type":"generate","id":"r1","audio":"/a.wav","out":"/o.npz",
   "emotion":"happy","intensity":0.8,"style":0,"style_image":null,
   "controls":["AU12@1.0-2.0", {"aus":["AU01","AU02"],"start":2.5,"end":3.0,"beta":1.5}],
   "transcript":"the words spoken" (optional: aligned to the audio for exact lip-sync), "seal_lips":true,
   "recognizer":"warped"|"nbest"|"both"|"words"|"phones" (optional: how phones are found without a transcript),
   "cfg_mask":"channels"|"opposing"|"frames"|"none"|null (optional: where the AU term of Eq. 7 acts; null: the weights'),
   "cfg_reference":"null"|"coarse"|null (optional: what the AU term is measured from; null: the weights'),
   "alpha":1.0,"beta":1.0,"steps":25,"sampler":"ddim","seed":0,"fps":25}
  {"v":1,"type":"cancel","id":"r1"}                         cancel between two denoising steps
  {"v":1,"type":"shutdown"}
Backend -> client
  {"v":1,"type":"hello","version":..,"protocol":1,"device":"cpu","weights":".."}
  {"v":1,"type":"progress","id":"r1","fraction":0.42,"message":"window 2/5"}
  {"v":1,"type":"result","id":"r1","path":"/o.npz","frames":250,"fps":25.0,"seconds":3.2,
   "controls":["AU12@1-2", ...],   (the triplets used, in request order; text controls as detected AUs)
   "phones":"transcript"|"recognition"|null, "notes":[...]}   (how phones were found; warnings)
  {"v":1,"type":"error","id":"r1"|null,"reason":"..."}       (also for garbage lines)
  {"v":1,"type":"cancelled","id":"r1"}
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

VERSION = 1
REQUEST_TYPES = ("hello", "generate", "cancel", "shutdown")


class ProtocolError(ValueError):
    """A line that is not a valid request; `id` is the request's id when it could be read."""

    def __init__(self, reason: str, request_id: str | None = None):
        super().__init__(reason)
        self.request_id = request_id


@dataclass
class GenerateRequest:
    id: str
    audio: str
    out: str
    emotion: str = "neutral"
    intensity: float = 1.0
    style: int = 0
    style_image: str | None = None
    controls: list[str] = field(default_factory=list)  # triplets as text (dict controls are converted)
    transcript: str | None = None  # the words spoken (forced alignment), or None (phone recognition)
    recognizer: str = "warped"  # without a transcript: words + phones' + N-best + warped phones' bilabials,
    # "nbest" (no warps), "both" (no N-best either), "words", or "phones" (audio.phones)
    cfg_mask: str | None = None  # where Eq. 7's AU term acts (pipeline.generate); None: the weights' choice
    cfg_reference: str | None = None  # what Eq. 7's AU term is measured from; None: the weights' choice
    seal_lips: bool = True  # lips sealed on p/b/m, lower lip on the teeth on f/v, from the phone stream
    alpha: float = 1.0
    beta: float = 1.0
    steps: int = 25
    sampler: str = "ddim"
    seed: int = 0
    fps: float = 25.0


_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,), "audio": (str,), "out": (str,), "emotion": (str,), "intensity": (int, float),
    "style": (int,), "style_image": (str, type(None)), "controls": (list,), "transcript": (str, type(None)),
    "recognizer": (str,), "cfg_mask": (str, type(None)),
    "cfg_reference": (str, type(None)), "seal_lips": (bool,), "alpha": (int, float),
    "beta": (int, float), "steps": (int,), "sampler": (str,), "seed": (int,), "fps": (int, float),
}


def control_text(c: Any, request_id: str | None) -> str:
    """A control as the text form `AU01+AU02@1.0-2.5*1.5` (dicts: aus/start/end[/beta] or text/start/end)."""
    if isinstance(c, str):
        return c
    if isinstance(c, dict):
        try:
            start, end = float(c["start"]), float(c["end"])
            if "text" in c:
                body = "text:" + str(c["text"])
            else:
                body = "+".join(str(a) for a in c["aus"])
            beta = c.get("beta")
            return f"{body}@{start:g}-{end:g}" + ("" if beta is None else f"*{float(beta):g}")
        except (KeyError, TypeError, ValueError):
            pass
    raise ProtocolError(f"control {c!r} must be text like 'AU12@1.0-2.0' or "
                        "{'aus': [...], 'start': s, 'end': s, 'beta': b}", request_id)


def parse_request(line: str) -> tuple[str, Any]:
    """One line -> (type, payload). payload: GenerateRequest, the id to cancel, or None."""
    try:
        msg = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(msg, dict):
        raise ProtocolError("a request must be a JSON object")
    rid = msg.get("id") if isinstance(msg.get("id"), str) else None
    if msg.get("v") != VERSION:
        raise ProtocolError(f"protocol version {msg.get('v')!r} is not supported: this backend speaks v{VERSION}; "
                            "update the add-on or the backend so they match", rid)
    kind = msg.get("type")
    if kind not in REQUEST_TYPES:
        raise ProtocolError(f"unknown request type {kind!r}: use one of {', '.join(REQUEST_TYPES)}", rid)
    if kind == "cancel":
        if rid is None:
            raise ProtocolError("cancel needs the 'id' of the request to cancel")
        return kind, rid
    if kind != "generate":
        return kind, None
    body = {k: v for k, v in msg.items() if k not in ("v", "type")}
    unknown = sorted(set(body) - set(_TYPES))
    if unknown:
        raise ProtocolError(f"unknown field(s) {', '.join(unknown)} in generate", rid)
    for name in ("id", "audio", "out"):
        if name not in body:
            raise ProtocolError(f"generate needs '{name}'", rid)
    for name, value in body.items():
        if not isinstance(value, _TYPES[name]) or (isinstance(value, bool) and bool not in _TYPES[name]):
            raise ProtocolError(f"field '{name}' has the wrong type ({type(value).__name__})", rid)
    body["controls"] = [control_text(c, rid) for c in body.get("controls", [])]
    return kind, GenerateRequest(**body)


def encode(kind: str, **fields: Any) -> str:
    """A backend message as one line of JSON."""
    return json.dumps({"v": VERSION, "type": kind, **fields}, separators=(",", ":"))


def request_line(req: GenerateRequest) -> str:
    """A generate request as one line (the client side)."""
    return encode("generate", **asdict(req))
