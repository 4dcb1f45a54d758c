"""Free emotion text -> the coarse emotion condition, through synonym sets of the trained labels.

The paper encodes the emotion label with a frozen text encoder "augmented by generated synonyms"
(section 3.1.1), so that words outside the label set land near the label they mean. Our model learned
the eight MEAD labels only, and a word's raw embedding is a poor guide to its category: MiniLM puts
"gloomy" and "calm" nearest to "angry" (docs/evaluation.md). Whole synonym sets are a better one: the
centroid of a category's synonyms sits in the middle of the region of text space that means it.

`EmotionVocabulary.embed(text)` compares the text's embedding with each category's synonym centroid and
returns the softmax-weighted mix (temperature `TEMPERATURE`) of the *label* embeddings the model was
trained on, renormalised: a clear word gives (almost) its label's embedding, an ambiguous phrase a
blend of its candidates. A text that is a label itself gives that label's embedding exactly.

The sets below are written here for this purpose. None of the words `cafetalk evaluate` uses as
unseen emotion words (evaluate/run.py OPEN_VOCABULARY) is in them (a test checks it).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

SYNONYMS: dict[str, tuple[str, ...]] = {
    "neutral": ("neutral", "relaxed", "at ease", "composed", "impassive", "blank", "unemotional",
                "matter-of-fact", "deadpan", "indifferent", "placid", "serene", "unbothered", "level-headed",
                "poker-faced"),
    "angry": ("angry", "mad", "irate", "livid", "annoyed", "irritated", "cross", "fuming", "hostile", "outraged",
              "resentful", "seething", "incensed", "wrathful", "indignant", "exasperated"),
    "contempt": ("contempt", "contemptuous", "smug", "condescending", "sneering", "dismissive", "haughty",
                 "arrogant", "superior", "derisive", "mocking", "sarcastic", "patronizing", "snide", "supercilious"),
    "disgusted": ("disgusted", "revolted", "grossed out", "nauseated", "sickened", "appalled", "queasy",
                  "squeamish", "offended", "averse", "loathing", "put off", "icky", "distasteful", "nauseous"),
    "fear": ("fear", "afraid", "scared", "fearful", "anxious", "nervous", "panicked", "alarmed", "petrified",
             "horrified", "worried", "uneasy", "timid", "jittery", "dread", "spooked"),
    "happy": ("happy", "glad", "delighted", "pleased", "content", "elated", "jolly", "merry", "thrilled",
              "overjoyed", "ecstatic", "blissful", "upbeat", "smiling", "beaming", "gleeful"),
    "sad": ("sad", "unhappy", "sorrowful", "melancholy", "downcast", "depressed", "miserable", "glum", "dejected",
            "despondent", "mournful", "tearful", "grieving", "blue", "forlorn", "crestfallen"),
    "surprised": ("surprised", "shocked", "stunned", "startled", "taken aback", "dumbfounded", "flabbergasted",
                  "awestruck", "speechless", "bewildered", "incredulous", "staggered", "open-mouthed", "wide-eyed",
                  "gobsmacked"),
}

# Softmax temperature over cosine similarities. Chosen before measuring: synonym centroids of different
# categories differ by a few hundredths of cosine for one word, so 0.02 makes a clear margin decisive
# while near-ties stay blended.
TEMPERATURE = 0.02


def unmapped(labels: list[str]) -> list[str]:
    """The labels that have no synonym set (their text has to be fed directly)."""
    return [label for label in labels if label not in SYNONYMS]


class EmotionVocabulary:
    """Maps emotion text onto the span of the trained label embeddings (see the module docstring)."""

    def __init__(self, encoder, labels: list[str]):
        missing = unmapped(labels)
        if missing:
            raise ValueError(f"no synonym set for emotion labels {missing}: use the 'direct' text vocabulary")
        self.encoder, self.labels = encoder, list(labels)
        self.label_vectors = encoder.encode(self.labels)  # (K, D) what the model was trained on
        words = [w for label in self.labels for w in SYNONYMS[label]]
        owner = torch.tensor([k for k, label in enumerate(self.labels) for _ in SYNONYMS[label]])
        vectors = encoder.encode(words)  # (N, D)
        sums = torch.zeros(len(self.labels), vectors.shape[1]).index_add_(0, owner, vectors)
        self.centroids = F.normalize(sums, dim=-1)  # (K, D)

    def weights(self, text: str) -> torch.Tensor:
        """(K,) how much of each label the text means."""
        text = text.strip()
        if text.lower() in self.labels:
            return F.one_hot(torch.tensor(self.labels.index(text.lower())), len(self.labels)).float()
        sims = self.centroids @ self.encoder.encode([text])[0]  # (K,)
        return torch.softmax(sims / TEMPERATURE, dim=0)

    def embed(self, text: str) -> torch.Tensor:
        """(D,) the emotion embedding to condition on."""
        return F.normalize(self.weights(text) @ self.label_vectors, dim=-1)

    def nearest(self, text: str) -> str:
        return self.labels[int(self.weights(text).argmax())]
