import time

import numpy as np
import pytest

from cafetalk.data.augment import (AugmentConfig, add_noise, apply_gain, augment, band_limit, change_speed,
                                   reverberate)

RATE = 16000


def tone(freq, seconds=1.0, rate=RATE, amp=0.5):
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def speechlike(seconds=2.0, rate=RATE, seed=0):
    """Harmonic buzz with a syllable-rate envelope: enough structure for every effect to act on."""
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
    buzz = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / rate) / k for k in range(1, 12))
    noise = np.random.default_rng(seed).standard_normal(len(t)) * 0.05
    return (0.3 * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) * buzz + noise).astype(np.float32)


def db(power_ratio):
    return 10 * np.log10(power_ratio)


def peak_freq(x, rate=RATE):
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8 * len(x)))
    return np.argmax(spec) * rate / (8 * len(x))


def schroeder_rt60(y, onset, rate=RATE):
    """RT60 from the energy decay curve (Schroeder backward integration), fitted between -5 and -25 dB."""
    e = y[onset:].astype(np.float64) ** 2
    edc = db(np.cumsum(e[::-1])[::-1] / e.sum())
    i5, i25 = np.argmax(edc < -5), np.argmax(edc < -25)
    slope = np.polyfit(np.arange(i5, i25) / rate, edc[i5:i25], 1)[0]  # dB per second
    return -60 / slope


def test_augment_is_deterministic_for_a_seed_and_varies_with_it():
    x = speechlike()
    cfg = AugmentConfig(p_noise=1, p_reverb=1, p_band=1, p_gain=1, p_speed=1)
    a = augment(x, RATE, np.random.default_rng(7), cfg)
    b = augment(x, RATE, np.random.default_rng(7), cfg)
    c = augment(x, RATE, np.random.default_rng(8), cfg)
    assert np.array_equal(a[0], b[0]) and a[1:] == b[1:]
    assert len(a[2]) == 5 and a[2] != c[2]
    assert a[0].dtype == np.float32 and a[0].ndim == 1 and np.abs(a[0]).max() <= 1.0
    assert len(a[0]) == len(change_speed(x, RATE, 1 / a[1])[0])  # time_scale is the speed actually used


def test_augment_reports_and_keeps_time_scale_one_without_speed():
    x = speechlike()
    y, scale, applied = augment(x, RATE, np.random.default_rng(3), AugmentConfig(p_speed=0, p_reverb=1))
    assert scale == 1.0 and len(y) == len(x) and any(s.startswith("reverb rt60=") for s in applied)
    y, scale, applied = augment(x, RATE, np.random.default_rng(3), AugmentConfig(
        p_noise=0, p_reverb=0, p_band=0, p_gain=0, p_speed=0))
    assert applied == [] and scale == 1.0 and np.array_equal(y, x)


@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
@pytest.mark.parametrize("snr", [5.0, 20.0, 40.0])
def test_add_noise_hits_requested_snr(colour, snr):
    x = speechlike()
    y = add_noise(x, snr, colour, np.random.default_rng(1))
    noise = y.astype(np.float64) - x
    assert abs(db(np.mean(x.astype(np.float64) ** 2) / np.mean(noise ** 2)) - snr) < 0.5


def test_noise_colours_have_their_spectral_slopes():
    x = tone(1000)
    lo, hi = [], []
    for colour in ["white", "pink", "brown"]:
        p = np.abs(np.fft.rfft(add_noise(x, 0.0, colour, np.random.default_rng(2)) - x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / RATE)
        lo.append(p[(f > 100) & (f < 200)].mean()), hi.append(p[(f > 3200) & (f < 6400)].mean())
    ratio = db(np.array(lo) / np.array(hi))  # 1/f^a over ~5 octaves: 0, ~15, ~30 dB
    assert abs(ratio[0]) < 3 and 10 < ratio[1] < 20 and 25 < ratio[2] < 35


def test_reverb_keeps_click_onset_and_decays_per_rt60():
    click = np.zeros(int(1.5 * RATE), np.float32)
    onset = 1000
    click[onset] = 1.0
    rt = {}
    for rt60 in [0.2, 0.6]:
        y = reverberate(click, RATE, rt60, wet=1.0, rng=np.random.default_rng(4))
        assert len(y) == len(click)
        assert np.argmax(np.abs(y) > 1e-3 * np.abs(y).max()) == onset  # nothing before the click
        assert np.argmax(np.abs(y)) == onset  # the direct path is the strongest arrival
        rt[rt60] = schroeder_rt60(y, onset)
        assert rt[rt60] == pytest.approx(rt60, rel=0.2)
    assert rt[0.6] > 2 * rt[0.2]


def test_reverb_wet_mix_keeps_level_and_dry_at_zero():
    x = speechlike()
    assert np.allclose(reverberate(x, RATE, 0.5, 0.0, np.random.default_rng(0)), x)
    y = reverberate(x, RATE, 0.5, 0.5, np.random.default_rng(0))
    assert abs(db(np.mean(y.astype(np.float64) ** 2) / np.mean(x.astype(np.float64) ** 2))) < 6


def test_band_limit_highpass_cuts_100hz_and_passes_1khz():
    for lo, hi in [(300, None), (300, 3400)]:
        low = band_limit(tone(100), RATE, lo, hi)
        mid = band_limit(tone(1000), RATE, lo, hi)
        core = slice(RATE // 4, -RATE // 4)  # away from the edges' transients
        assert db(np.mean(low[core] ** 2) / np.mean(tone(100)[core] ** 2)) < -20
        assert abs(db(np.mean(mid[core] ** 2) / np.mean(tone(1000)[core] ** 2))) < 1
    cut = band_limit(tone(5000), RATE, None, 2500)
    assert db(np.mean(cut[4000:-4000] ** 2) / np.mean(tone(5000)[4000:-4000] ** 2)) < -20
    assert np.array_equal(band_limit(tone(100), RATE, None, 9000), tone(100))  # above Nyquist: skipped


def test_change_speed_shortens_and_raises_pitch():
    x = tone(200, seconds=2.0)
    y, scale = change_speed(x, RATE, 1.25)
    assert scale == 0.8 and y.dtype == np.float32
    assert abs(len(y) - len(x) / 1.25) <= 1
    assert peak_freq(y) == pytest.approx(250, abs=2)
    z, scale = change_speed(x, RATE, 0.85)
    assert scale == pytest.approx(1 / 0.85) and abs(len(z) - len(x) / 0.85) <= 1
    assert peak_freq(z) == pytest.approx(170, abs=2)


def test_change_speed_does_not_shift_events():
    x = np.zeros(RATE, np.float32)
    x[8000:8400] = tone(1000, 0.025)
    y, scale = change_speed(x, RATE, 1.2)
    env = np.abs(y) > 0.25
    assert abs(np.argmax(env) - 8000 * scale) <= 3


@pytest.mark.parametrize("gain", [-18.0, 0.0, 6.0, 40.0])
def test_gain_never_exceeds_one(gain):
    x = np.concatenate([speechlike(), np.float32([0.99, -1.5, 3.0])])
    y = apply_gain(x, gain)
    assert np.abs(y).max() <= 1.0
    quiet = np.abs(x) * 10 ** (gain / 20) < 0.9  # below the knee the gain is exact
    assert np.allclose(y[quiet], x[quiet] * 10 ** (gain / 20), atol=1e-6)


def test_augment_is_fast_on_two_seconds():
    x = speechlike(2.0, rate=22050)
    cfg = AugmentConfig(p_noise=1, p_reverb=1, p_band=1, p_gain=1, p_speed=1, rt60_s=(0.8, 0.8))
    augment(x, 22050, np.random.default_rng(0), cfg)  # warm up
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    for _ in range(10):
        augment(x, 22050, rng, cfg)
    assert (time.perf_counter() - t0) / 10 < 0.05
