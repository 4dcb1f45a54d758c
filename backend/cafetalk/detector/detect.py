"""Using the trained detector: text -> AUs with probabilities, or a clear "no AU detected".

    cafetalk detect-aus "a sarcastic smirk" [--json]

A description counts as recognised when its text embedding is close enough to at least one training
description (cosine to that description's centroid >= min_similarity) and at least one AU passes
the threshold; otherwise
the answer is "no AU detected" with the reason, never random AUs.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from .. import aus, checkpoint
from ..errors import CafeTalkError
from ..model.config import TextConfig, _build
from .model import AUDetector, DetectorConfig, units_to_codes

REPO_DETECTOR = Path(__file__).resolve().parents[3] / "weights" / "detector"


@dataclass
class Detection:
    text: str
    aus: list[str]  # codes as users write them (AU12, L45, ...)
    probabilities: dict[str, float]  # per unit
    similarity: float  # to the nearest training description
    reason: str = ""  # why nothing was detected

    def to_json(self) -> str:
        return json.dumps({"aus": self.aus, "probabilities": self.probabilities, "similarity": round(self.similarity, 4),
                           **({"reason": self.reason} if self.reason else {})})


def save(folder: str | Path, model: AUDetector, text_cfg: TextConfig, centroids: torch.Tensor, notes: dict) -> Path:
    from safetensors.torch import save_file

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    state["centroids"] = centroids.contiguous()
    save_file(state, str(out / checkpoint.WEIGHTS))
    (out / checkpoint.CONFIG).write_text(json.dumps({"detector": asdict(model.cfg), "text": asdict(text_cfg),
                                                     "units": list(aus.UNITS), "notes": notes}, indent=2) + "\n")
    return checkpoint.write_manifest(out, [checkpoint.WEIGHTS, checkpoint.CONFIG])


class TextAUDetector:
    def __init__(self, model: AUDetector, text_cfg: TextConfig, centroids: torch.Tensor, folder: Path | None = None):
        from ..text import build_text_encoder

        self.model, self.folder = model.eval(), folder
        self.encoder = build_text_encoder(text_cfg)
        self.centroids = F.normalize(centroids, dim=-1)  # (K, d) text embeddings of the training descriptions

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "TextAUDetector":
        from safetensors.torch import load_file

        root = Path(folder) if folder else REPO_DETECTOR
        if not (root / checkpoint.MANIFEST).exists():
            raise CafeTalkError(f"no text-to-AU detector at {root}: train one with `cafetalk train-detector` "
                                "or write AUs instead (e.g. AU01+AU02@3.0-4.0)")
        checkpoint.verify(root)
        cfg = json.loads((root / checkpoint.CONFIG).read_text())
        if cfg.get("units") != list(aus.UNITS):
            raise CafeTalkError(f"the detector in {root} was trained for another AU list: retrain it")
        try:
            det_cfg = _build(DetectorConfig, cfg["detector"], "detector")
            text_cfg = _build(TextConfig, cfg["text"], "text")
        except (ValueError, KeyError) as exc:
            raise CafeTalkError(f"cannot use {root / checkpoint.CONFIG}: {exc}") from None
        state = load_file(str(root / checkpoint.WEIGHTS))
        centroids = state.pop("centroids")
        model = AUDetector(det_cfg)
        model.load_state_dict(state)
        return cls(model, text_cfg, centroids, root)

    @torch.no_grad()
    def detect(self, text: str) -> Detection:
        if not isinstance(text, str) or not text.strip():
            raise CafeTalkError("describe the expression in words, e.g. 'a sarcastic smirk'")
        if len(text) > 500:
            raise CafeTalkError("the description is over 500 characters: use a short phrase")
        cfg = self.model.cfg
        f = self.encoder.encode([text.strip()])  # (1, d)
        a = self.model.adapt(f)
        probs = torch.sigmoid(self.model.head(a))[0]  # (U,)
        similarity = float((F.normalize(f, dim=-1) @ self.centroids.T).max())
        table = {u: round(float(p), 4) for u, p in zip(aus.UNITS, probs)}
        active = [u for u, p in zip(aus.UNITS, probs) if p >= cfg.threshold]
        if similarity < cfg.min_similarity:
            return Detection(text, [], table, similarity, "the description is unlike any facial expression the "
                             "detector knows: describe the face (e.g. 'raises her eyebrows', 'a wide grin')")
        if not active:
            return Detection(text, [], table, similarity, f"no AU reached probability {cfg.threshold:g}")
        return Detection(text, units_to_codes(active), table, similarity)
