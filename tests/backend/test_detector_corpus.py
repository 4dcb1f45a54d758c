import re
from collections import Counter

import numpy as np
import pytest

from cafetalk import aus
from cafetalk.detector import corpus

BY_TEXT = {e.text: e for e in corpus.CORPUS}


def base(code):
    return code if code.startswith("AU") else "AU" + code[1:]


def units(codes):
    return {u for c in codes for u in aus.units_of(c)}


def surfaces(entry):
    return (entry.text,) + corpus.SYNONYMS.get(entry.text, ())


@pytest.fixture(scope="module")
def rows():
    return corpus.expand(np.random.default_rng(0))


def test_counts_and_kinds():
    texts = [e.text for e in corpus.CORPUS]
    assert len(set(texts)) == len(texts) >= 240
    assert {e.kind for e in corpus.CORPUS} == {"emotion", "expression"}
    assert {e.form for e in corpus.CORPUS} <= set(corpus.FORMS)
    assert corpus.ENTRIES == [(e.text, e.kind, e.aus) for e in corpus.CORPUS]
    assert len(corpus.SYNONYMS) >= 80 and all(1 <= len(v) <= 4 for v in corpus.SYNONYMS.values())
    assert set(corpus.SYNONYMS) <= set(texts)


def test_every_code_is_valid_and_canonical():
    for e in corpus.CORPUS:
        assert all(aus.normalise(c) == c for c in e.aus), e
        assert len(set(e.aus)) == len(e.aus), e
        assert not any(c.startswith(("L", "R")) and "AU" + c[1:] in e.aus for c in e.aus), e  # no L12 with AU12


def test_every_au_appears_in_five_entries():
    count = Counter(b for e in corpus.CORPUS for b in {base(c) for c in e.aus})
    assert {au: count[au] for au in aus.AUS if count[au] < 5} == {}


def test_surfaces_are_unique_across_groups():
    all_surfaces = [s for e in corpus.CORPUS for s in surfaces(e)]
    assert [s for s, n in Counter(all_surfaces).items() if n > 1] == []


def test_templates():
    paper = ("A {} person", "A person looks {}", "A person seems {}", "A man acts like {}", "A woman acts like {}",
             "A person is {}", "A person behaves {}", "A person is talking with {}")
    assert set(paper) <= set(corpus.TEMPLATES) and corpus.PAPER_TEMPLATES == paper
    assert len(corpus.TEMPLATES) >= 16 and all(t.count("{}") == 1 for t in corpus.TEMPLATES)
    assert set(corpus.TEMPLATE_SLOTS) == set(corpus.TEMPLATES)


def test_expansions_read_well(rows):
    assert len(rows) > 5000
    for sentence, codes, source in rows:
        assert "{" not in sentence and "}" not in sentence and "  " not in sentence, sentence
        assert sentence == sentence.strip() and sentence[0].isupper(), sentence
        assert not re.search(r"\b(a|an|the) (a|an|the)\b", sentence, re.I), sentence
        assert not re.search(r"\ban [^aeiouAEIOU]", sentence), sentence
        assert not re.search(r"\ba (?!eu)[aei]", sentence, re.I), sentence
        assert codes == BY_TEXT[source].aus
    used = Counter(source for _, _, source in rows)
    assert all(used[e.text] >= 3 for e in corpus.CORPUS), [e.text for e in corpus.CORPUS if used[e.text] < 3]
    sentences = {r[0] for r in rows}
    for t in corpus.TEMPLATES:
        pattern = re.escape(t).replace(r"\{\}", ".+")
        assert any(re.fullmatch(pattern, s) for s in sentences), t


def test_expansion_covers_the_paper_probes(rows):
    sentences = {r[0]: r[1] for r in rows}
    for probe in ("A person is smiling", "A person is crying", "A person is blinking", "A yawning person",
                  "A person closes his eyes", "A not happy person", "Someone who is not smiling at all",
                  "She winks with her left eye", "He raises one eyebrow", "A person is talking with a wink"):
        assert probe in sentences, probe
    assert sentences["She winks with her left eye"] == ("L45",)


def test_expand_is_deterministic_and_intensity_keeps_aus():
    a = corpus.expand(np.random.default_rng(5))
    assert a == corpus.expand(np.random.default_rng(5))
    plain = corpus.expand(np.random.default_rng(5), intensity=0.0)
    words = tuple(corpus.INTENSITY_WORDS)
    assert len(plain) == len(a) and [r[1:] for r in plain] == [r[1:] for r in a]
    adjectives = [s for e in corpus.CORPUS if e.form == "adj" for s in surfaces(e)]
    prefixed = re.compile(r"\b({}) ({})\b".format("|".join(words), "|".join(map(re.escape, adjectives))))
    assert not any(prefixed.search(s) for s, _, _ in plain)
    assert sum(bool(prefixed.search(s)) for s, _, _ in a) > 500
    strong = corpus.expand(np.random.default_rng(5), [BY_TEXT["furious"]], intensity=1.0)
    assert all(any(w in s for w in words) for s, _, src in strong if "furious" in s)
    assert all(codes == BY_TEXT["furious"].aus for _, codes, _ in strong)
    assert len(corpus.expand(np.random.default_rng(0), [BY_TEXT["furious"]], with_synonyms=False)) < len(strong)


def test_expand_accepts_tuples():
    rows = corpus.expand(np.random.default_rng(0), [corpus.ENTRIES[0]])
    assert rows and {r[2] for r in rows} == {corpus.ENTRIES[0][0]}
    with pytest.raises(ValueError):
        corpus.expand(np.random.default_rng(0), [("made up words", "emotion", ("AU12",))])


def test_split_is_deterministic_disjoint_and_sized():
    train, held = corpus.split(seed=0)
    assert (train, held) == corpus.split(seed=0)
    assert corpus.split(seed=1)[1] != held
    assert len(train) + len(held) == len(corpus.CORPUS)
    assert {e.text for e in train}.isdisjoint(e.text for e in held)
    assert {s for e in train for s in surfaces(e)}.isdisjoint(s for e in held for s in surfaces(e))
    assert abs(len(held) / len(corpus.CORPUS) - 0.15) <= 0.03
    for kind in corpus.KINDS:
        n = sum(e.kind == kind for e in corpus.CORPUS)
        assert abs(sum(e.kind == kind for e in held) / n - 0.15) <= 0.03
    train_aus = {base(c) for e in train for c in e.aus}
    assert train_aus == set(aus.AUS)
    big_train, big_held = corpus.split(seed=3, held_out=0.3)
    assert abs(len(big_held) / len(corpus.CORPUS) - 0.3) <= 0.03


def test_held_out_sentences_never_seen_in_training():
    train, held = corpus.split(seed=2)
    rng = np.random.default_rng(0)
    train_src = {r[2] for r in corpus.expand(rng, train)}
    held_src = {r[2] for r in corpus.expand(rng, held)}
    assert train_src.isdisjoint(held_src)


def test_au_description_names_every_au():
    for code, (name, _, sided) in aus.VOCABULARY.items():
        assert corpus.au_description((code,)) == f"{code} {name.lower()}"
        if sided:
            assert corpus.au_description((f"L{code[2:]}",)) == f"left {code} {name.lower()}"
            assert corpus.au_description((f"R{code[2:]}",)) == f"right {code} {name.lower()}"
    text = corpus.au_description(("L12", "AU02", "AU01"))
    assert text == "AU01 inner brow raiser, AU02 outer brow raiser, left AU12 lip corner puller"
    assert corpus.au_description(()) and "AU" not in corpus.au_description(())
    with pytest.raises(ValueError):
        corpus.au_description(("AU99",))


@pytest.mark.parametrize("text,needed", [
    ("smiling", {"AU12"}), ("crying", {"AU04", "AU15"}), ("blinking", {"AU45"}), ("yawning", {"AU26"}),
    ("closing the eyes", {"AU45"}), ("not happy", {"AU04", "AU15"}), ("not smiling", {"AU15"}),
    ("happy", {"AU06", "AU12"}), ("sad", {"AU01", "AU04", "AU15"}), ("surprised", {"AU01", "AU02", "AU05", "AU26"}),
    ("afraid", {"AU01", "AU02", "AU04", "AU05", "AU20"}), ("angry", {"AU04", "AU05", "AU07", "AU23"}),
    ("disgusted", {"AU09", "AU10"}), ("a genuine smile", {"AU06", "AU12"}), ("in pain", {"AU04", "AU07", "AU45"}),
])
def test_facs_sanity(text, needed):
    assert units(needed) <= units(BY_TEXT[text].aus), text


def test_fake_smile_and_neutral():
    assert units(BY_TEXT["a fake smile"].aus) >= units(["AU12"])
    assert not any(base(c) == "AU06" for c in BY_TEXT["a fake smile"].aus)
    assert BY_TEXT["neutral"].aus == ()
    assert not any(base(c) in ("AU12", "AU06") for c in BY_TEXT["not happy"].aus)


def one_sided(entry, au):
    sides = {c[0] for c in entry.aus if c[1:] == au[2:] and c[0] in "LR"}
    return len(sides) == 1 and au not in entry.aus


def test_one_sided_actions():
    winks = [e for e in corpus.CORPUS if any("wink" in s for s in surfaces(e))]
    smirks = [e for e in corpus.CORPUS if any("smirk" in s for s in surfaces(e))]
    brows = [e for e in corpus.CORPUS if any(re.search(r"(one|left|right|single) (raised )?(eye)?brow", s)
                                             for s in surfaces(e))]
    assert len(winks) >= 5 and len(smirks) >= 3 and len(brows) >= 3
    assert all(one_sided(e, "AU45") for e in winks), winks
    assert all(one_sided(e, "AU12") for e in smirks), smirks
    assert all(one_sided(e, "AU02") for e in brows), brows
    assert {c[0] for e in winks for c in e.aus if c.endswith("45")} == {"L", "R"}
