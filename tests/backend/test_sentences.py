import re

import numpy as np
import pytest

from cafetalk.data.sentences import KINDS, LANGUAGES, passage, sentence

END = {"question": "?", "exclamation": "!"}  # other kinds: any of . ? !


def _english(n: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    return [sentence(rng) for _ in range(n)]


@pytest.fixture(scope="module")
def english():
    return _english(2000)


def test_same_seed_same_text_and_other_seed_differs():
    def draw(seed, language="en"):
        rng = np.random.default_rng(seed)
        return [sentence(rng, language) for _ in range(50)] + [passage(rng, language)]

    for language in LANGUAGES:
        assert draw(3, language) == draw(3, language)
        assert draw(3, language) != draw(4, language)


def test_languages_cover_the_requested_ones():
    assert {"en", "es", "fr", "de", "it", "pt"} <= set(LANGUAGES)
    assert all(isinstance(name, str) and name for name in LANGUAGES.values())


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_and_language_gives_punctuated_text(language, kind):
    rng = np.random.default_rng(11)
    for _ in range(40):
        text, got = sentence(rng, language, kind)
        assert got == kind and text.strip() == text and text
        assert text[-1] in END.get(kind, ".?!"), (kind, text)
        assert not re.search(r"[{}\[\]_]|\s[.,?!]|\s\s", text), text  # no template leftovers or stray spaces
        assert text.lstrip("¿¡")[0].isupper() or text[0].isdigit(), text
        assert 3 <= len(text.split()) <= 25, text


def test_english_variety_kinds_and_length(english):
    texts = [t for t, _ in english]
    assert len(set(texts)) >= 500
    assert {k for _, k in english} == set(KINDS)
    counts = [len(t.split()) for t in texts]
    assert min(counts) >= 3 and max(counts) <= 25
    assert sum(c <= 5 for c in counts) > 100 and sum(c >= 15 for c in counts) > 20  # short and long ones
    words = {w.lower() for t in texts for w in re.findall(r"[A-Za-z']+", t)}
    assert len(words) >= 300


def test_english_numbers_and_articles():
    rng = np.random.default_rng(5)
    numbers = [sentence(rng, kind="numbers")[0] for _ in range(300)]
    assert all(re.search(r"\d", t) for t in numbers)
    assert any("$" in t for t in numbers) and any(re.search(r"\d+:\d\d", t) for t in numbers)
    assert any(re.search(r"\d{3}-\d{3}-\d{4}", t) for t in numbers)
    texts = [t for t, _ in _english(1000, seed=6)]
    assert not any(re.search(r"\ba [aeiou]", t, re.I) for t in texts)  # "an old box", never "a old box"


def test_bilabial_share_for_lip_sync(english):
    share = np.mean([bool(re.search(r"[pbm]", t, re.I)) for t, _ in english])
    assert share > 0.6


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("bounds", [(30, 80), (60, 120), (10, 30)])
def test_passage_word_count(language, bounds):
    lo, hi = bounds
    for seed in range(5):
        text = passage(np.random.default_rng(seed), language, min_words=lo, max_words=hi)
        assert lo <= len(text.split()) <= hi, text
        assert text[-1] in ".?!"


def test_unknown_language_or_kind_raises():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="language"):
        sentence(rng, "xx")
    with pytest.raises(ValueError, match="kind"):
        sentence(rng, "en", "poem")
    with pytest.raises(ValueError, match="language"):
        passage(rng, "klingon")
    with pytest.raises(ValueError, match="min_words"):
        passage(rng, min_words=50, max_words=10)
