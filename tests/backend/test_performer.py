import numpy as np
import pytest

from cafetalk import arkit
from cafetalk.data.performer import EMOTIONS, Style, lip_gap, perform, phone_class, style_for
from cafetalk.data.speech import Espeak

SENTENCE = "Bob, my mom put a big map by the pump. We found five fine violins at the movies."


@pytest.fixture(scope="module")
def utt():
    pytest.importorskip("espeakng_loader")
    return Espeak().synthesize(SENTENCE, voice="en-us")


def run(utt, emotion="neutral", intensity=1, style=None, seed=0, events=0.0):
    return perform(utt.phones, utt.samples, utt.rate, emotion, intensity, style or Style(), np.random.default_rng(seed),
                   events_per_minute=events)


def overlap_frame(p, T):
    f = np.arange(T)
    ov = np.clip(np.minimum((f + 1) / 25, p.end) - np.maximum(f / 25, p.start), 0, None)
    return int(np.argmax(ov))


def test_shape_range_and_determinism(utt):
    m = run(utt, "happy", 2, style_for(3), events=10)
    assert m.shape == (int(np.ceil(len(utt.samples) / utt.rate * 25)), 52)
    assert m.min() >= 0 and m.max() <= 1 and np.all(m[:, arkit.INDEX["tongueOut"]] == 0)
    assert np.array_equal(m, run(utt, "happy", 2, style_for(3), events=10))
    assert not np.array_equal(m, run(utt, "happy", 2, style_for(3), seed=1, events=10))


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_bilabials_close_the_lips_whatever_the_emotion(utt, emotion):
    m = run(utt, emotion, 3, style_for(1), events=20)
    gap = lip_gap(m)
    bilabials = [p for p in utt.phones if phone_class(p.symbol) == "bilabial"]
    assert len(bilabials) >= 10
    for p in bilabials:
        assert gap[overlap_frame(p, len(m))] < 0.02, p
    vowels = [p for p in utt.phones if phone_class(p.symbol) in ("open", "open_rounded")]
    assert np.mean([gap[overlap_frame(p, len(m))] for p in vowels]) > 0.15


def test_labiodentals_put_the_lip_on_the_teeth(utt):
    m = run(utt)
    for p in utt.phones:
        if phone_class(p.symbol) == "labiodental":
            assert m[overlap_frame(p, len(m)), arkit.INDEX["mouthRollLower"]] >= 0.35, p


def test_rounding_and_silence(utt):
    m = run(utt)
    rounded = [overlap_frame(p, len(m)) for p in utt.phones if phone_class(p.symbol) == "rounded"]
    front = [overlap_frame(p, len(m)) for p in utt.phones if phone_class(p.symbol) == "front"]
    pucker = m[:, arkit.INDEX["mouthPucker"]]
    assert pucker[rounded].mean() > 2 * pucker[front].mean()
    quiet = Espeak().synthesize("Yes. " + " " * 5 + "[[_:_:_:_:]] No.", voice="en-us")
    long_pauses = [p for p in quiet.phones if p.symbol.startswith("_") and p.end - p.start >= 0.25]
    assert long_pauses
    mq = perform(quiet.phones, quiet.samples, quiet.rate, "neutral", 1, Style(), np.random.default_rng(0), 0.0)
    for p in long_pauses:
        mid = int((p.start + p.end) / 2 * 25)
        assert mq[mid, arkit.INDEX["jawOpen"]] < 0.05 and lip_gap(mq)[mid] < 0.05


@pytest.mark.parametrize("emotion,channels", [
    ("happy", ["mouthSmileLeft", "cheekSquintRight"]),
    ("sad", ["browInnerUp", "mouthFrownLeft"]),
    ("angry", ["browDownLeft", "browDownRight"]),
    ("fear", ["eyeWideLeft", "mouthStretchRight"]),
    ("surprised", ["browOuterUpLeft", "eyeWideRight"]),
    ("disgusted", ["noseSneerLeft", "mouthUpperUpRight"]),
    ("contempt", ["mouthSmileRight", "mouthDimpleRight"]),
])
def test_emotion_overlays_show_in_their_channels(utt, emotion, channels):
    neutral = run(utt)
    cols = [arkit.INDEX[c] for c in channels]
    levels = [run(utt, emotion, i)[:, cols].mean() for i in (1, 2, 3)]
    assert levels[0] > neutral[:, cols].mean() + 0.05
    assert levels[0] < levels[1] < levels[2]  # intensity is ordinal


def test_contempt_is_one_sided(utt):
    m = run(utt, "contempt", 3)
    assert m[:, arkit.INDEX["mouthSmileRight"]].mean() > m[:, arkit.INDEX["mouthSmileLeft"]].mean() + 0.2


def test_events_and_blinks_vary_independently_of_emotion(utt):
    calm = run(utt, events=0.0, style=Style(blink_rate=0.001))
    busy = run(utt, events=60.0, style=Style(blink_rate=40))
    assert busy[:, arkit.INDEX["eyeBlinkLeft"]].max() > 0.8 and calm[:, arkit.INDEX["eyeBlinkLeft"]].max() < 0.1
    upper = [arkit.INDEX[n] for n in ("browInnerUp", "browDownLeft", "eyeSquintLeft", "noseSneerLeft", "eyeWideLeft")]
    assert busy[:, upper].max() > calm[:, upper].max() + 0.2
    with pytest.raises(ValueError, match="unknown emotion"):
        run(utt, "bored")


def test_styles_differ():
    a, b = style_for(0), style_for(1)
    assert a.amplitude != b.amplitude and a.blink_rate != b.blink_rate
    assert style_for(0).amplitude == a.amplitude


def test_phone_classes():
    assert [phone_class(s) for s in ("p", "b", "m", "f", "v", "u:", "w", "a", "A:", "i:", "_:", "s", "tS", "k")] == [
        "bilabial", "bilabial", "bilabial", "labiodental", "labiodental", "rounded", "rounded", "open", "open",
        "front", "silence", "sibilant", "postalveolar", "back"]


def test_frame_energy_past_the_last_sample_is_silence():
    from cafetalk.data.performer import frame_energy

    samples = np.ones(16000 + 100, np.float32) * 0.1  # 1.00625 s: the 26th frame holds only 100 samples
    e = frame_energy(samples, 16000, 27)  # one frame more than the audio covers
    assert np.isfinite(e).all() and e[-1] == 0.0 and e[0] == 1.0
