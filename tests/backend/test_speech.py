import numpy as np
import pytest

pytest.importorskip("espeakng_loader")

from cafetalk.data.speech import Espeak, Phone, SpeechError, Utterance  # noqa: E402

SENTENCE = "Hello world, this is a quick test of the speech synthesiser."


@pytest.fixture(scope="module")
def tts():
    return Espeak()


@pytest.fixture(scope="module")
def sentence(tts):
    return tts.synthesize(SENTENCE)


def test_sentence_audio_and_phones_tile_the_audio(sentence):
    u = sentence
    assert isinstance(u, Utterance) and u.rate == 22050 and u.text == SENTENCE and u.voice == "en-us"
    assert u.samples.dtype == np.float32 and u.samples.ndim == 1 and len(u.samples) > u.rate  # over a second
    assert np.abs(u.samples).max() <= 1.0 and np.abs(u.samples).max() > 0.05
    assert len(u.phones) > 20 and all(isinstance(p, Phone) and p.end > p.start for p in u.phones)
    assert all(a.end == pytest.approx(b.start) for a, b in zip(u.phones, u.phones[1:]))  # ordered, no gap/overlap
    assert u.phones[0].start < 0.1 and u.phones[-1].end == pytest.approx(u.duration)
    assert {"s", "t", "D"} <= {p.symbol for p in u.phones}  # espeak mnemonics, not IPA ('D' = 'th' in 'the')
    assert any(p.stress == 2 for p in u.phones) and not any(p.symbol.startswith(("'", ",")) for p in u.phones)
    assert any(p.is_pause for p in u.phones)  # the comma
    words = [w for w, _, _ in u.words]
    assert words[:3] == ["Hello", "world", "this"] and words[-1] == "synthesiser"
    assert all(s <= e for _, s, e in u.words) and all(a[2] <= b[1] + 1e-9 for a, b in zip(u.words, u.words[1:]))


def test_mama_has_bilabials_where_expected(tts):
    u = tts.synthesize("mama")
    speech = [p for p in u.phones if not p.is_pause]
    assert [p.symbol for p in speech][0::2] == ["m", "m"]  # m V m V
    m1, m2 = speech[0], speech[2]
    assert m1.start < 0.05 and 0.03 < m1.end - m1.start < 0.2 and 0.1 < m2.start < 0.4 < u.duration + 0.2
    # a closed mouth is quiet compared with the vowel that follows it
    rms = lambda p: float(np.sqrt(np.mean(u.samples[int(p.start * u.rate):int(p.end * u.rate)] ** 2)))  # noqa: E731
    assert rms(speech[0]) < rms(speech[1])
    assert u.words == [("mama", pytest.approx(m1.start), pytest.approx(speech[-1].end))]


def test_ipa_names(tts):
    assert [p.symbol for p in tts.synthesize("mama", ipa=True).phones if not p.is_pause][0::2] == ["m", "m"]


def test_faster_rate_is_shorter(tts):
    slow, fast = (tts.synthesize("The cat sat on the mat.", rate_wpm=r) for r in (120, 300))
    assert fast.duration < 0.75 * slow.duration
    assert [p.symbol for p in fast.phones if not p.is_pause] == [p.symbol for p in slow.phones if not p.is_pause]


def test_deterministic(tts, sentence):
    tts.synthesize("Something else first, to disturb any state.", voice="en+f2")
    again = tts.synthesize(SENTENCE)
    assert np.array_equal(again.samples, sentence.samples) and again.phones == sentence.phones


def test_voices_and_variants(tts):
    assert {"en-us", "en-gb", "fr-fr"} <= set(tts.voices()) and {"m3", "f2"} <= set(tts.variants())
    male, female = tts.synthesize("mama", voice="en-us+m3"), tts.synthesize("mama", voice="en-gb+f2")
    assert not np.array_equal(male.samples, female.samples) and female.voice == "en-gb+f2"


def test_clear_errors(tts):
    with pytest.raises(SpeechError, match="unknown espeak voice 'xx-nope'"):
        tts.synthesize("hello", voice="xx-nope")
    with pytest.raises(SpeechError, match="variant 'nosuch'"):
        tts.synthesize("hello", voice="en-us+nosuch")
    for empty in ("", "   \n"):
        with pytest.raises(SpeechError, match="empty"):
            tts.synthesize(empty)
    with pytest.raises(SpeechError, match="rate_wpm"):
        tts.synthesize("hello", rate_wpm=1000)
