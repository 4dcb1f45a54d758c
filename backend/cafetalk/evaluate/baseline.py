"""The rule-based baseline: the corpus's procedural performer (data/performer.py) driven by phones from
pocketsphinx (forced alignment or recognition), so a reader sees what the learned model adds."""
from __future__ import annotations

import numpy as np

from ..audio.phonetic import arpabet_class
from ..data.performer import perform, style_for
from ..data.speech import Phone

# One espeak mnemonic per viseme class: the performer classifies espeak symbols (performer.phone_class).
CLASS_SYMBOL = {"silence": "_", "bilabial": "p", "labiodental": "f", "rounded": "u:", "open_rounded": "O:",
                "open": "a", "front": "i:", "mid": "@", "sibilant": "s", "postalveolar": "S", "coronal": "t",
                "back": "k"}


def rule_based(samples: np.ndarray, phones: list[tuple[str, float, float]], emotion: str = "neutral",
               intensity: int = 3, style: int = 0, seed: int = 0, rate: int = 16000) -> np.ndarray:
    """ARPAbet phones (+ the audio for jaw energy) -> (T, 52) ARKit motion at 25 fps."""
    ph = [Phone(CLASS_SYMBOL[arpabet_class(s)], a, b, 2 if s[-1:] == "1" else 0) for s, a, b in phones]
    return perform(ph, samples, rate, emotion, intensity, style_for(style), np.random.default_rng(seed),
                   events_per_minute=0.0)
