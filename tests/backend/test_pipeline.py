import numpy as np
import pytest
import soundfile as sf

from cafetalk import arkit
from cafetalk.errors import CafeTalkError
from cafetalk.pipeline import CafeTalk
from cafetalk.sampler import Cancelled
from tests.conftest import speech_like


@pytest.fixture(scope="module")
def talk(weights_dir):
    return CafeTalk.load(weights_dir, "cpu")


def test_generate_shapes_and_range(talk, speech_wav):
    anim = talk.generate(speech_wav, emotion="happy", controls=["AU12@0.5-1.5"], steps=5, seed=0)
    assert anim.blendshapes.shape == (75, 52)  # 3 s at 25 fps
    assert anim.blendshapes.min() >= 0 and anim.blendshapes.max() <= 1
    assert np.all(anim.blendshapes[:, arkit.INDEX["tongueOut"]] == 0)
    assert anim.controls == ["AU12@0.5-1.5"]
    assert "resampled 22050 Hz -> 16000 Hz" in anim.settings["notes"]


def test_determinism_by_seed(talk, speech_wav):
    kw = dict(emotion="sad", controls=["AU01+AU02@1-2"], steps=4)
    a = talk.generate(speech_wav, seed=7, **kw).blendshapes
    b = talk.generate(speech_wav, seed=7, **kw).blendshapes
    c = talk.generate(speech_wav, seed=8, **kw).blendshapes
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_long_audio_goes_through_windows(talk):
    audio = (speech_like(5.0), 16000)  # 125 frames > the tiny window of 50
    anim = talk.generate(audio, steps=2, sampler="ddpm", fps=30)
    assert anim.num_frames == 150 and np.isfinite(anim.blendshapes).all()


def test_controls_change_only_their_slot_by_eq7(talk, speech_wav):
    base = talk.generate(speech_wav, steps=4, seed=1).blendshapes
    ctrl = talk.generate(speech_wav, steps=4, seed=1, controls=["AU12@1.0-2.0"], beta=3.0).blendshapes
    assert not np.allclose(base[25:50], ctrl[25:50])
    # Outside the slot, the last denoising step is untouched by Eq. 7, but earlier steps pass the slot's
    # influence on through self-attention; most frames far from the slot stay close.
    assert np.abs(base[:10] - ctrl[:10]).mean() < np.abs(base[25:50] - ctrl[25:50]).mean()
    # without the mask (the Table 3 ablation) the fine-grained term acts on every frame
    spread = talk.generate(speech_wav, steps=4, seed=1, controls=["AU12@1.0-2.0"], beta=3.0,
                           cfg_mask="none").blendshapes
    assert np.abs(base[:10] - spread[:10]).mean() > 2 * np.abs(base[:10] - ctrl[:10]).mean()


def test_guidance_reference_and_opposing_mask(talk, speech_wav):
    kw = dict(steps=3, seed=1, controls=["AU12@1.0-2.0"], beta=2.0)
    null = talk.generate(speech_wav, **kw)
    coarse = talk.generate(speech_wav, cfg_reference="coarse", **kw)
    assert null.settings["cfg_reference"] == talk.cfg.guidance.reference == "null"
    assert coarse.settings["cfg_reference"] == "coarse"
    assert not np.allclose(null.blendshapes[25:50], coarse.blendshapes[25:50])
    opposing = talk.generate(speech_wav, cfg_mask="opposing", **kw)
    assert opposing.settings["cfg_mask"] == "opposing"
    with pytest.raises(CafeTalkError, match="guidance reference 'eq7'"):
        talk.generate(speech_wav, cfg_reference="eq7", **kw)
    with pytest.raises(CafeTalkError, match="guidance mask 'slots'"):
        talk.generate(speech_wav, cfg_mask="slots", **kw)


def test_progress_and_cancel(talk, speech_wav):
    seen = []
    talk.generate(speech_wav, steps=3, progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    calls = []
    with pytest.raises(Cancelled):
        talk.generate(speech_wav, steps=10, cancel=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3  # stopped right after the third step


@pytest.mark.parametrize("kwargs,needle", [
    (dict(intensity=1.5), "intensity"),
    (dict(alpha=-1), "alpha"),
    (dict(steps=0), "steps"),
    (dict(seed=-3), "seed"),
    (dict(emotion=" "), "emotion"),
    (dict(sampler="euler"), "sampler"),
    (dict(style=99), "style 99"),
    (dict(style_image="face.png"), "table"),
    (dict(controls=["AU12@2.5-9"]), "past the end"),
    (dict(controls=["AU77@1-2"]), "unknown AU"),
    (dict(controls=["text:raises eyebrows@1-2"]), "text-to-AU detector"),
])
def test_bad_options(talk, speech_wav, kwargs, needle, monkeypatch, tmp_path):
    monkeypatch.setenv("CAFETALK_DETECTOR", str(tmp_path / "no-detector"))
    with pytest.raises(CafeTalkError, match=needle):
        talk.generate(speech_wav, **{"steps": 1, **kwargs})


def test_bad_audio(talk, tmp_path):
    rate = 16000
    cases = {
        "missing.wav": None,
        "empty.wav": b"",
        "garbage.wav": b"RIFF\x00\x00garbage" * 10,
    }
    for name, data in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
    sf.write(tmp_path / "silent.wav", np.zeros(rate, dtype=np.float32), rate)
    sf.write(tmp_path / "short.wav", speech_like(0.1), rate)
    sf.write(tmp_path / "lowrate.wav", speech_like(1.0, 4000), 4000)
    expected = {"missing.wav": "not found", "empty.wav": "empty", "garbage.wav": "cannot read",
                "silent.wav": "silent", "short.wav": "ms", "lowrate.wav": "4000 Hz"}
    for name, needle in expected.items():
        with pytest.raises(CafeTalkError, match=needle):
            talk.generate(tmp_path / name, steps=1)
    with pytest.raises(CafeTalkError, match="over the limit"):
        talk.generate(tmp_path / "lowrate.wav", steps=1, max_seconds=0.5)
    with pytest.raises(CafeTalkError, match="NaN"):
        talk.generate((np.full(16000, np.nan, dtype=np.float32), 16000), steps=1)


def test_stereo_is_mixed_down(talk, tmp_path):
    left = speech_like(1.0)
    sf.write(tmp_path / "stereo.wav", np.stack([left, left * 0.5], axis=1), 16000)
    anim = talk.generate(tmp_path / "stereo.wav", steps=1)
    assert anim.num_frames == 25 and "mixed 2 channels down to mono" in anim.settings["notes"]


def test_stage1_weights_refuse_controls(text_dir, tmp_path, speech_wav):
    from cafetalk import checkpoint
    from cafetalk.model import CafeTalkDiT
    from tests.conftest import tiny_config

    folder = checkpoint.save(CafeTalkDiT(tiny_config(text_dir, adapter=False)), tmp_path / "stage1")
    stage1 = CafeTalk.load(folder, "cpu")
    assert stage1.generate(speech_wav, steps=1).num_frames == 75
    with pytest.raises(CafeTalkError, match="no fine-grained AU adapter"):
        stage1.generate(speech_wav, steps=1, controls=["AU12@1-2"])
