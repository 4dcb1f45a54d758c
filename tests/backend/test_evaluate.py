"""Evaluation: lip-sync measurements, Control Rate (Eq. 8), the rule-based baseline, `cafetalk evaluate`."""
import json

import numpy as np
import pytest

from cafetalk import arkit, aus
from cafetalk.evaluate.baseline import rule_based
from cafetalk.evaluate.control import control_rate, slot_artifacts
from cafetalk.evaluate.lipsync import CLOSED_MM, lip_gap_mm, lipsync

JAW, CLOSE = arkit.INDEX["jawOpen"], arkit.INDEX["mouthClose"]
PHONES = [("SIL", 0.0, 0.4), ("M", 0.4, 0.48), ("AA", 0.48, 0.72), ("P", 0.72, 0.8), ("AE", 0.8, 1.0),
          ("SIL", 1.0, 1.4)]


def motion_from(phones, seconds=1.4, closed=True):
    """A hand-made performance: jaw open on vowels, lips sealed on p/m when `closed`."""
    m = np.zeros((int(seconds * 25), 52), np.float32)
    for p, a, b in phones:
        f = slice(int(a * 25), int(np.ceil(b * 25)))
        if p in ("AA", "AE"):
            m[f, JAW] = 0.5
        elif p in ("M", "P"):
            m[f, JAW] = 0.1
            m[f, CLOSE] = 0.1 if closed else 0.0
    return m


def test_lip_gap_follows_jaw_and_closure():
    m = np.zeros((3, 52), np.float32)
    m[1, JAW] = 0.5
    m[2, JAW] = m[2, CLOSE] = 0.3
    gap = lip_gap_mm(m)
    assert gap[0] < 0.5 and gap[1] > 10 and gap[2] <= CLOSED_MM


def test_lipsync_counts_closures_and_openness():
    good = lipsync([motion_from(PHONES)], [PHONES])
    assert good.bilabials == 2 and good.closed == 2 and good.closure_rate == 1.0
    assert good.open_vowel_mm > 10 and good.silence_mm < 1 and good.open_silence_ratio > 10
    assert good.openness_r > 0.5
    bad = lipsync([motion_from(PHONES, closed=False)], [PHONES])  # lips apart on p and m: caught
    assert bad.closed == 0 and bad.closure_rate == 0.0
    flat = lipsync([np.zeros((35, 52), np.float32)], [PHONES])
    assert flat.open_vowel_mm < 1 and np.isnan(flat.openness_r)


def test_control_rate():
    m = np.zeros((100, 52), np.float32)
    for c in aus.channels_of("AU12"):
        m[40:60, arkit.INDEX[c]] = 0.8
    trip = aus.parse_triplet("AU12@1.6-2.4")
    assert control_rate(m, trip)["AU12"] == pytest.approx(0.8)
    assert control_rate(m, aus.parse_triplet("AU04@1.6-2.4"))["AU04"] == 0.0
    m[35:40, arkit.INDEX["mouthSmileLeft"]] = m[35:40, arkit.INDEX["mouthSmileRight"]] = 0.8  # spills before
    assert control_rate(m, trip)["AU12"] == pytest.approx(0.4)


def test_slot_artifacts():
    rng = np.random.default_rng(0)
    base = np.cumsum(rng.normal(0, 0.01, (100, 52)), 0).astype(np.float32)  # smooth-ish motion
    trip = aus.parse_triplet("AU12@1.6-2.4")  # frames 40-60
    clean = base.copy()
    for c in aus.channels_of("AU12"):
        clean[40:60, arkit.INDEX[c]] += 0.5
    a = slot_artifacts(clean, base, trip)
    assert a["off_channel_change"] == pytest.approx(0.0, abs=1e-7) and a["flicker"] < 1.5  # only the AU moved
    noisy = clean.copy()
    noisy[40:60:2, arkit.INDEX["eyeBlinkLeft"]] += 0.6  # a blink flickering on every other frame
    b = slot_artifacts(noisy, base, trip)
    assert b["off_channel_change"] > 0.005 and b["flicker"] > 2 * a["flicker"]


def test_rule_based_baseline_closes_on_bilabials():
    samples = np.random.default_rng(0).normal(0, 0.05, 22400).astype(np.float32)
    m = rule_based(samples, PHONES)
    assert m.shape == (35, 52)
    assert lipsync([m], [PHONES]).closure_rate == 1.0


def test_cafetalk_evaluate(weights_dir, corpus_dir, tmp_path):
    """The whole command on tiny weights: the report has every section and a verdict."""
    pytest.importorskip("pocketsphinx")
    from cafetalk.cli import DEMO_CLIP, main

    import soundfile as sf

    samples, _ = sf.read(DEMO_CLIP, dtype="float32")
    src = tmp_path / "src"
    src.mkdir()
    (np.clip(samples[: int(2.78625 * 16000)], -1, 1) * 32767).astype("<i2").tofile(src / "goforward.raw")
    assert main(["data", "real-speech", "--out", str(tmp_path / "real"), "--source", str(src)]) == 0
    out = tmp_path / "eval"
    assert main(["evaluate", "--out", str(out), "--weights", str(weights_dir), "--heldout", str(corpus_dir),
                 "--real", str(tmp_path / "real"), "--clips", "4", "--steps", "2"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["synthetic"]["lve_mm"] > 0 and report["synthetic"]["lve_mean_face_mm"] > 0
    assert report["real"]["model_transcript"]["bilabials"] == 1
    assert report["real"]["baseline_transcript"]["closure_rate"] == 1.0
    assert report["control"]["cr"] and "cr_mean" in report["control"] and report["control"]["cr_without_mask_cfg"]
    c = report["control"]
    others = {f"cr_mask_{m}" for m in ("channels", "opposing", "frames") if m != c["guidance_mask"]}
    assert len(others) == 2 and all(c[k] for k in others) and c["slot_artifacts"]["cr"]["flicker"] > 0
    assert c["cr_reference_coarse" if c["guidance_reference"] == "null" else "cr_reference_null"]
    assert "off-channel change" in (out / "report.md").read_text()
    assert "open_vocabulary_text" in report["emotion"]
    assert "closure_with_transcript" in report["verdict"]["values"]
    assert "## Real speech" in (out / "report.md").read_text()
    assert main(["evaluate", "--out", str(out), "--real", str(tmp_path / "nothing")]) == 2
