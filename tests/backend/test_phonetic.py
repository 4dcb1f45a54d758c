"""The phonetic front end: phone-class stream, acoustic cues, recogniser-like noise, transcript fallback."""
import numpy as np
import pytest

from cafetalk.audio.phones import ARPABET_CLASS, CLASS_INDEX, CLASSES, merge_bilabials, normalise_transcript
from cafetalk.audio.phonetic import (DIM, SymbolNoise, acoustic_features, arpabet_class, corrupt, features,
                                     frame_classes, phone_stream, soften)
from cafetalk.cli import DEMO_CLIP
from cafetalk.errors import CafeTalkError
from cafetalk.data.performer import phone_class
from tests.conftest import perturb_zero_layers


def test_frame_classes_occupancy():
    phones = [("SIL", 0.0, 0.1), ("M", 0.1, 0.18), ("AE", 0.18, 0.4)]
    occ = frame_classes(phones, 12, arpabet_class)  # 12 frames = 0.48 s
    assert occ.shape == (12, len(CLASSES))
    np.testing.assert_allclose(occ.sum(1), 1.0, atol=1e-6)  # a distribution per frame
    assert occ[0, CLASS_INDEX["silence"]] == 1.0
    # frame 2 covers 0.08-0.12: half silence (to 0.10), half M
    assert occ[2, CLASS_INDEX["bilabial"]] == pytest.approx(0.5)
    assert occ[3, CLASS_INDEX["bilabial"]] == 1.0  # 0.12-0.16 is all M
    assert occ[5, CLASS_INDEX["open"]] == 1.0
    assert occ[11, CLASS_INDEX["silence"]] == 1.0  # past the last phone: silence


def test_every_arpabet_phone_and_espeak_class_is_in_the_inventory():
    assert set(ARPABET_CLASS.values()) <= set(CLASSES)
    for symbol in ("p", "b", "m", "f", "u:", "O:", "a", "i:", "@", "s", "S", "t", "k", "_:"):
        assert phone_class(symbol) in CLASSES
    assert arpabet_class("AA1") == arpabet_class("AA") == "open"


def test_acoustic_features_follow_loudness_and_voicing():
    rate, t = 16000, np.arange(16000) / 16000
    tone = 0.5 * np.sin(2 * np.pi * 150 * t) * (t < 0.5)  # voiced half, then silence
    f = acoustic_features(tone.astype(np.float32), 25)
    assert f.shape == (25, 10) and np.isfinite(f).all()
    loud, quiet = f[2:10], f[15:]
    assert loud[:, :4].mean() > quiet[:, :4].mean() + 1.0  # energy
    assert loud[:, 4].mean() > 0.8 and quiet[:, 4].max() == 0.0  # voicing
    noise = np.random.default_rng(0).normal(0, 0.1, rate).astype(np.float32)
    assert acoustic_features(noise, 25)[:, 5].mean() > f[2:10, 5].mean()  # noise crosses zero more often
    # the same clip louder or softer gives the same features (normalised per utterance)
    np.testing.assert_allclose(acoustic_features(0.1 * tone.astype(np.float32), 25), f, atol=1e-3)


def test_corrupt_keeps_time_order_and_changes_some_symbols():
    rng = np.random.default_rng(0)
    phones = [(s, i * 0.08, (i + 1) * 0.08) for i, s in enumerate("pamatabasafazavamanasa" * 5)]
    noisy = corrupt(phones, phone_class, rng, SymbolNoise(substitute=0.3, drop_short=0.0))
    assert all(a[2] <= b[1] + 1e-9 and a[1] < a[2] for a, b in zip(noisy, noisy[1:]))
    exact = [phone_class(s) for s, _, _ in phones]
    changed = sum(c != e for (c, _, _), e in zip(noisy, exact))
    assert 0.15 * len(phones) < changed < 0.45 * len(phones)
    short = [(s, i * 0.03, (i + 1) * 0.03) for i, s in enumerate("papapapapa")]
    assert len(corrupt(short, phone_class, rng, SymbolNoise(drop_short=1.0, substitute=0))) == 1
    clean = corrupt(phones, phone_class, rng, SymbolNoise(0, 0, 0, 0, 0))
    assert [c for c, _, _ in clean] == exact



def test_measured_confusions_draw_from_their_row():
    """symbol noise "recogniser": each class becomes what its RECOGNISER_CONFUSION row says, in proportion."""
    from cafetalk.audio.phonetic import RECOGNISER_CONFUSION

    rng = np.random.default_rng(1)
    phones = [(s, i * 0.08, (i + 1) * 0.08) for i, s in enumerate("pa" * 400)]
    noise = SymbolNoise(0.0, 0.0, 0.0, 0.0, 0.0, confusion={"bilabial": {"coronal": 3, "bilabial": 1}})
    heard = [c for c, _, _ in corrupt(phones, phone_class, rng, noise)]
    assert set(heard[1::2]) == {"open"}  # a class without a row stays itself
    assert 0.65 < heard[0::2].count("coronal") / 400 < 0.85 and set(heard[0::2]) == {"coronal", "bilabial"}
    measured = SymbolNoise.named("recogniser")
    assert measured.confusion is RECOGNISER_CONFUSION and set(RECOGNISER_CONFUSION) == set(CLASSES)
    row = RECOGNISER_CONFUSION["bilabial"]
    assert max(row, key=row.get) == "bilabial" and sum(row.values()) > 100
    assert SymbolNoise.named("none") == SymbolNoise(0, 0, 0, 0, 0) and SymbolNoise.named("confusable") == SymbolNoise()
    with pytest.raises(ValueError, match="unknown symbol noise"):
        SymbolNoise.named("loud")


def test_soften_keeps_a_distribution():
    occ = frame_classes([("M", 0.0, 0.2), ("AA", 0.2, 0.4)], 10, arpabet_class)
    soft = soften(occ, np.random.default_rng(1))
    np.testing.assert_allclose(soft.sum(1), 1.0, atol=1e-6)
    assert (soft.argmax(1) == occ.argmax(1)).all() and soft.max() < 1.0


@pytest.fixture(scope="module")
def goforward():
    import soundfile as sf

    samples, rate = sf.read(DEMO_CLIP, dtype="float32")
    return samples[: int(2.78625 * rate)]


def test_phone_stream_uses_a_matching_transcript(goforward):
    pytest.importorskip("pocketsphinx")
    stream = phone_stream(goforward, "Go forward, ten meters!")
    assert stream.source == "transcript" and stream.warning is None
    assert [p for p, _, _ in stream.phones if p != "SIL"][:4] == ["G", "OW", "F", "AO"]
    recognised = phone_stream(goforward)
    assert recognised.source == "recognition" and len(recognised.phones) > 8
    # numbers are spelled out as they are said, so a transcript with digits aligns too
    assert normalise_transcript("Go forward, 10 meters! 2,500") == ["go", "forward", "ten", "meters", "two",
                                                                  "thousand", "five", "hundred"]
    digits = phone_stream(goforward, "Go forward, 10 meters!")
    assert digits.source == "transcript" and digits.phones == stream.phones



def test_words_outside_the_dictionary_are_pronounced_by_espeak(goforward):
    """'go forwerd ten meeters': two words the dictionary lacks get espeak-ng's pronunciation, the transcript
    is used (with a note naming them) and the M of 'meeters' lands where the dictionary spelling puts it."""
    pytest.importorskip("pocketsphinx")
    from cafetalk.audio.phones import espeak_pronunciation, force_align

    assert espeak_pronunciation("zorblax") == "Z AO R B L AE K S"
    assert espeak_pronunciation("button") == "B AH T AH N"
    assert espeak_pronunciation("buriest") == "B EH R IY IH S T"  # espeak's hiatus glide ";" left out
    with pytest.raises(CafeTalkError, match="not in the pronouncing dictionary: forwerd, meeters"):
        force_align(goforward, "go forwerd ten meeters")
    stream = phone_stream(goforward, "go forwerd ten meeters")
    assert stream.source == "transcript" and "forwerd, meeters" in stream.warning
    known = force_align(goforward, "go forward ten meters")
    m = [a for p, a, _ in stream.phones if p == "M"]
    m_known = [a for p, a, _ in known if p == "M"]
    assert len(m) == 1 and abs(m[0] - m_known[0]) < 0.05

def test_word_recognition_then_alignment(goforward):
    """recognizer="words": pocketsphinx hears the words, their alignment gives the phones (the clip is
    "go forward ten meters"); an unknown recogniser is refused by name."""
    pytest.importorskip("pocketsphinx")
    stream = phone_stream(goforward, recognizer="words")
    assert stream.source == "recognition" and stream.warning is None
    heard = [p for p, _, _ in stream.phones if p != "SIL"]
    assert heard[:2] == ["G", "OW"] and "M" in heard  # whole words, so no phone-LM guesses in between
    with pytest.raises(CafeTalkError, match="unknown recognizer 'vosk'"):
        phone_stream(goforward, recognizer="vosk")


def test_merge_bilabials_adds_only_the_closures_the_words_lack():
    words = [("SIL", 0.0, 0.1), ("M", 0.1, 0.2), ("OW", 0.2, 0.4), ("T", 0.4, 0.5), ("SIL", 0.5, 0.6)]
    phones = [("B", 0.15, 0.22), ("P", 0.42, 0.47), ("AA", 0.2, 0.4)]  # B is the words' M again; P is new
    merged = merge_bilabials(words, phones)
    assert merged == [("SIL", 0.0, 0.1), ("M", 0.1, 0.2), ("OW", 0.2, 0.4), ("T", 0.4, 0.42), ("P", 0.42, 0.47),
                      ("T", 0.47, 0.5), ("SIL", 0.5, 0.6)]
    assert merge_bilabials(words, [("AA", 0.2, 0.4)]) == words  # nothing to add: the words unchanged
    far = merge_bilabials(words, [("B", 0.26, 0.3)])  # more than one frame from the words' M: a closure of its own
    assert ("B", 0.26, 0.3) in far and sum(p == "M" for p, _, _ in far) == 1


def test_both_recognisers(goforward):
    """recognizer="both": the words' phones, and any bilabial phone recognition hears where the words
    have none."""
    pytest.importorskip("pocketsphinx")
    from cafetalk.audio.phones import recognize, recognize_with

    allphone = recognize(goforward)
    words = recognize_with(goforward, "words", allphone)
    both = phone_stream(goforward, recognizer="both")
    assert both.source == "recognition" and both.phones == merge_bilabials(words, allphone)
    closures = [(a, b) for p, a, b in both.phones if arpabet_class(p) == "bilabial"]
    for p, a, b in allphone + words:  # every bilabial of either recogniser is covered by one in the result
        if arpabet_class(p) == "bilabial":
            assert any(a2 < b + 0.04 and b2 > a - 0.04 for a2, b2 in closures), (p, a, b)



def test_nbest_adds_the_closures_of_further_word_hypotheses(goforward, monkeypatch):
    """recognizer="nbest": "both", plus the bilabials the next word hypotheses have where it has none."""
    pytest.importorskip("pocketsphinx")
    from cafetalk.audio import phones as ph

    texts = ph.word_hypotheses(goforward, ph.NBEST_EXTRA)
    assert texts[0] == ph.word_hypotheses(goforward)[0] and len(set(texts)) == len(texts) <= 1 + ph.NBEST_EXTRA
    both = ph.recognize_with(goforward, "both")
    # an alternative hypothesis with a closure the stream lacks: "beep" where the clip says "go"
    monkeypatch.setattr(ph, "word_hypotheses", lambda samples, extra=0: texts[:1] + ["beep forward ten meters"][:extra])
    nbest = ph.recognize_with(goforward, "nbest")
    closures = [(a, b) for p, a, b in nbest if arpabet_class(p) == "bilabial"]
    assert len(closures) > len([p for p, _, _ in both if arpabet_class(p) == "bilabial"])
    for p, a, b in both:  # nothing of "both"'s closures is lost
        if arpabet_class(p) == "bilabial":
            assert any(a2 <= a and b2 >= b for a2, b2 in closures), (p, a, b)
    assert ph.recognize_with(goforward, "both") == both  # "both" reads no further hypotheses

def test_warped_adds_the_closures_of_phone_recognition_at_other_vocal_tracts(goforward, monkeypatch):
    """recognizer="warped" (the default): "nbest", plus the bilabials allphone hears with the front end
    warped to each of WARPS."""
    pytest.importorskip("pocketsphinx")
    from cafetalk.audio import phones as ph

    assert ph.DEFAULT_RECOGNIZER == "warped" and len(ph.WARPS) >= 2 and all(w != 1 for w in ph.WARPS)
    plain = ph.recognize(goforward)
    assert ph.recognize(goforward, ph.WARPS[0]) != plain  # the warp reaches the decoder's front end
    assert ph.recognize(goforward, 1.0) == plain  # and a warp of 1 is no warp
    nbest = ph.recognize_with(goforward, "nbest", plain)
    warped = ph.recognize_with(goforward, "warped", plain)
    closures = [(a, b) for p, a, b in warped if arpabet_class(p) == "bilabial"]
    for p, a, b in nbest:  # nothing of "nbest"'s closures is lost
        if arpabet_class(p) == "bilabial":
            assert any(a2 <= a and b2 >= b for a2, b2 in closures), (p, a, b)
    # a warped pass that hears a closure where nothing else does: it joins the stream, once
    real = ph.recognize
    monkeypatch.setattr(ph, "recognize", lambda samples, warp=None: real(samples) if warp is None
                        else [("SIL", 0.0, 2.5), ("M", 2.5, 2.56), ("SIL", 2.56, 2.8)])
    extra = ph.recognize_with(goforward, "warped", plain)
    assert sum(p == "M" and a == 2.5 for p, a, b in extra) == 1
    assert [s for s in extra if s[2] < 2.5] == [s for s in nbest if s[2] < 2.5]  # the rest: nbest's


def test_the_interfaces_default_to_the_same_recognizer():
    from cafetalk.audio.phones import DEFAULT_RECOGNIZER, RECOGNIZERS
    from cafetalk.cli import build_parser
    from cafetalk.protocol import GenerateRequest

    parser = build_parser()
    args = parser.parse_args(["generate", "a.wav", "-o", "out"])
    assert args.recognizer == DEFAULT_RECOGNIZER == GenerateRequest(id="r", audio="a", out="o").recognizer
    action = next(a for a in parser._subparsers._group_actions[0].choices["generate"]._actions
                  if a.dest == "recognizer")
    assert set(action.choices) == set(RECOGNIZERS)


@pytest.mark.parametrize("wrong", ["hello how are you doing today", "the cat sat on the mat", "go zxqv meters"])
def test_a_wrong_transcript_falls_back_to_recognition(goforward, wrong):
    pytest.importorskip("pocketsphinx")
    stream = phone_stream(goforward, wrong)
    assert stream.source == "recognition" and "recognised instead" in stream.warning


def test_features_shape(goforward):
    f = features(goforward, 70, [("SIL", 0, 0.4), ("G", 0.4, 0.5)], arpabet_class)
    assert f.shape == (70, DIM) and np.isfinite(f).all()


def test_generate_seals_lips_on_aligned_bilabials(goforward, tmp_path):
    """With phonetic weights, the aligned 'M' of 'meters' gets sealed lips (even from an untrained model);
    seal_lips=False leaves the model's own output."""
    pytest.importorskip("pocketsphinx")
    from cafetalk.cli import main
    from cafetalk.evaluate.lipsync import lipsync
    from cafetalk.pipeline import CafeTalk

    assert main(["checkpoint", "new", "--preset", "tiny", "--audio", "phonetic", "--out", str(tmp_path / "w")]) == 0
    talk = CafeTalk.load(tmp_path / "w", "cpu")
    perturb_zero_layers(talk.model)
    from cafetalk import arkit

    talk.model.motion_mean.fill_(0.2)
    talk.model.motion_mean[arkit.PREDICTED.index("jawOpen")] = 0.6  # an open mouth unless sealed
    talk.model.motion_mean[arkit.PREDICTED.index("mouthClose")] = 0.0
    sealed = talk.generate((goforward, 16000), transcript="go forward ten meters", steps=2)
    assert sealed.settings["phones"] == "transcript" and sealed.settings["seal_lips"]
    phones = talk.audio_encoder.encode_clip(goforward, 70, "go forward ten meters")[1].phones
    assert lipsync([sealed.blendshapes], [phones]).closure_rate == 1.0
    raw = talk.generate((goforward, 16000), transcript="go forward ten meters", steps=2, seal_lips=False)
    m = next(i for i, p in enumerate(phones) if p[0] == "M")
    frame = int((phones[m][1] + phones[m][2]) / 2 * 25)
    assert lipsync([raw.blendshapes], [phones]).closure_rate == 0.0


def test_generate_takes_phones_from_another_aligner(goforward, tmp_path):
    """Given phones (ARPAbet or viseme classes) replace pocketsphinx; lips seal on their bilabials; bad
    phones are refused by name."""
    from cafetalk import arkit
    from cafetalk.cli import main
    from cafetalk.errors import CafeTalkError
    from cafetalk.evaluate.lipsync import lipsync
    from cafetalk.pipeline import CafeTalk

    assert main(["checkpoint", "new", "--preset", "tiny", "--audio", "phonetic", "--out", str(tmp_path / "w")]) == 0
    talk = CafeTalk.load(tmp_path / "w", "cpu")
    perturb_zero_layers(talk.model)
    talk.model.motion_mean[arkit.PREDICTED.index("jawOpen")] = 0.6
    given = [("SIL", 0.0, 0.5), ("bilabial", 0.5, 0.62), ("AA", 0.62, 1.2), ("M", 1.6, 1.7), ("SIL", 1.7, 2.78)]
    anim = talk.generate((goforward, 16000), phones=given, steps=2)
    assert anim.settings["phones"] == "given" and anim.settings["seal_lips"]
    assert lipsync([anim.blendshapes], [given]).closure_rate == 1.0
    feats, stream = talk.audio_encoder.encode_clip(goforward, 70, phones=given)
    assert stream.source == "given" and float(feats[13:15, 1].min()) == 1.0  # frames 0.52-0.60 s are bilabial
    for bad, why in (([("QQ", 0, 1)], "neither an ARPAbet"), ([("AA", 1.0, 0.5)], "start < end"),
                     ([("AA", 0.1)], "not \\(symbol")):
        with pytest.raises(CafeTalkError, match=why):
            talk.generate((goforward, 16000), phones=bad, steps=1)


def test_long_audio_is_cut_at_pauses():
    from cafetalk.audio.phones import pieces

    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.1, 75 * 16000).astype(np.float32)  # 75 s of "speech"
    for gap in (24.0, 51.0):  # a 0.2 s pause in the last third of each 30 s span
        audio[int(gap * 16000):int((gap + 0.2) * 16000)] = 0.0
    bounds = pieces(audio)
    assert bounds[0] == 0 and bounds[-1] == len(audio) and len(bounds) == 4
    assert all(0 < b - a <= 30 * 16000 for a, b in zip(bounds[:-1], bounds[1:]))
    assert 24.0 <= bounds[1] / 16000 < 24.2 and 51.0 <= bounds[2] / 16000 < 51.2
    assert pieces(audio[: 20 * 16000]) == [0, 20 * 16000]  # short audio: one piece


def test_recognition_of_a_short_clip_reports_each_pass_and_can_be_cancelled(goforward):
    """One piece still takes several passes (word search, alignments, warped phone recognition): progress
    after each, from the first to 1, and a cancel between them."""
    pytest.importorskip("pocketsphinx")
    from cafetalk.audio.phones import DEFAULT_RECOGNIZER, NBEST_EXTRA, WARPS

    assert DEFAULT_RECOGNIZER == "warped"
    seen = []
    stream = phone_stream(goforward, progress=seen.append)
    assert stream.source == "recognition"
    # allphone, word search, its alignment, each further hypothesis's alignment, each warp
    assert len(seen) == 3 + NBEST_EXTRA + len(WARPS)  # the clip has all NBEST_EXTRA further hypotheses
    assert seen == sorted(seen) and 0 < seen[0] < 0.2 and seen[-1] == 1.0
    calls = []

    def cancel_after_three(fraction):
        calls.append(fraction)
        if len(calls) == 3:
            raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt):
        phone_stream(goforward, progress=cancel_after_three)
    assert len(calls) == 3  # nothing ran on after the cancel
    hum = (np.random.default_rng(0).standard_normal(32000) * 0.001).astype(np.float32)  # no words to hear
    seen = []
    phone_stream(hum, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen[-2] < 1.0  # the warped passes still to come
    assert len(seen) == 4 + len(WARPS)  # the missing hypotheses skipped in one step


def test_long_recognition_reports_progress_and_can_be_cancelled(goforward):
    pytest.importorskip("pocketsphinx")
    from cafetalk.audio.phones import recognize_with

    unit = np.concatenate([goforward, np.zeros(4800, np.float32)])  # the line and a 0.3 s pause
    long = np.tile(unit, 22)  # 68 s: three pieces
    seen = []
    phones = recognize_with(long, "phones", progress=seen.append)
    assert seen == sorted(seen) and len(seen) == 3 and seen[-1] == 1.0
    starts = [a for _, a, _ in phones]
    assert starts == sorted(starts) and phones[-1][2] <= len(long) / 16000 + 0.01
    spoken = [a for p, a, _ in phones if arpabet_class(p) != "silence"]
    assert spoken[-1] > 64.0  # the last piece is heard, at its place in the whole

    def cancel(fraction):
        raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt):
        phone_stream(long, progress=cancel)
