"""Audio augmentation for synthetic training speech (noise, reverb, band limit, gain, speed).

A model trained only on clean espeak-ng voices learns that one clean voice; these effects move the audio
towards what the model meets at inference (rooms, microphones, telephones, levels, speaking rates).
All functions take and return float32 mono; all randomness comes from the numpy `Generator` passed in,
so the same seed gives the same audio. The chain in `augment` follows the physical path of a recording:
talker (speed) -> room (reverb) -> ambient noise -> microphone/channel (band limit) -> level (gain).

Timing contract: only `change_speed` moves events in time; it returns `time_scale` (new_time =
old_time * time_scale, exactly 1 / factor) so phoneme timings can be rescaled. Reverb keeps the direct path
at lag 0 and returns the input length (the tail past the clip's end is dropped); the band-limit filters run
forwards and backwards (`scipy.signal.sosfiltfilt`, zero phase), so neither shifts anything.

References:
- RT60 (Sabine): time for the sound energy in a room to decay by 60 dB. The late reverberation is modelled
  as Gaussian noise under an exponential envelope (Polack, "Playing billiards in the concert hall", Applied
  Acoustics 38, 1993), as in simulated-RIR augmentation (Ko et al., "A study on data augmentation of
  reverberant speech for robust speech recognition", ICASSP 2017). The tests measure the decay by
  Schroeder's backward integration (Schroeder, "New method of measuring reverberation time", JASA 37, 1965).
- Speed perturbation by resampling, changing tempo and pitch together (Ko et al., "Audio augmentation for
  speech recognition", Interspeech 2015); resampling by `soxr` (python-soxr `resample`, quality "HQ").
- Telephone band 300-3400 Hz (ITU-T G.712). Filters: `scipy.signal.butter(..., output="sos")` and
  `sosfiltfilt`; convolution: `scipy.signal.fftconvolve` (scipy.signal documentation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import soxr
from scipy.signal import butter, fftconvolve, sosfiltfilt

COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}  # exponent of the power spectrum 1/f^a
LN_1000 = np.log(1000.0)  # 60 dB of energy = a factor 1000 in amplitude


@dataclass
class AugmentConfig:
    """Probability of each effect and the range its parameter is drawn from (uniformly)."""
    # noise: half the clips stay clean so the model still sees the clean voice it will be evaluated on
    p_noise: float = 0.5
    # 5 dB is noisy but intelligible speech; 40 dB is practically clean, so the range spans both ends
    snr_db: tuple[float, float] = (5.0, 40.0)
    # fans/hiss are white-ish, room and traffic noise fall off with frequency (pink, brown)
    noise_colours: tuple[str, ...] = ("white", "pink", "brown")
    # reverb: most inference audio is a laptop/phone mic in a room, but not all of it
    p_reverb: float = 0.4
    # 0.1 s is a small damped room (car, booth), 0.8 s a bare office or living room; halls are rare input
    rt60_s: tuple[float, float] = (0.1, 0.8)
    # mix of reverberant to dry: a wet of 1 would be a distant talker, keep the direct sound audible
    wet: tuple[float, float] = (0.2, 0.8)
    # band limit: cheap microphones cut lows (60-300 Hz high-pass) and codecs cut highs (2.5-7.5 kHz)
    p_band: float = 0.4
    highpass_hz: tuple[float, float] = (60.0, 300.0)
    lowpass_hz: tuple[float, float] = (2500.0, 7500.0)
    # share of band-limited clips that get the narrow-band telephone channel instead (ITU-T G.712)
    p_telephone: float = 0.2
    # gain: recordings arrive at any level; -18 dB is a quiet mic, +6 dB drives loud speech into the clipper
    p_gain: float = 0.5
    gain_db: tuple[float, float] = (-18.0, 6.0)
    # speed: espeak speaks at one rate and pitch per voice; 0.85-1.2 stays natural (Ko et al. 2015 use 0.9-1.1)
    p_speed: float = 0.3
    speed: tuple[float, float] = (0.85, 1.2)


def _f32(samples) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"expected mono audio (1-D), got shape {x.shape}")
    return x


def coloured_noise(n: int, colour: str, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise whose power spectrum falls as 1/f^a (white a=0, pink a=1, brown a=2), shaped by FFT."""
    if colour not in COLOURS:
        raise ValueError(f"unknown noise colour {colour!r}; one of {sorted(COLOURS)}")
    white = rng.standard_normal(n)
    if COLOURS[colour] and n > 1:
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        spec /= f ** (COLOURS[colour] / 2)  # amplitude ~ f^(-a/2) -> power ~ f^-a
        spec[0] = 0.0  # no DC offset
        white = np.fft.irfft(spec, n)
    rms = np.sqrt(np.mean(white ** 2)) if n else 0.0
    return white / rms if rms > 0 else white


def add_noise(samples, snr_db: float, colour: str, rng: np.random.Generator) -> np.ndarray:
    """Add noise at `snr_db` (mean power of the whole clip over the noise's). A silent clip stays silent."""
    x = _f32(samples)
    power = float(np.mean(x.astype(np.float64) ** 2)) if len(x) else 0.0
    noise = coloured_noise(len(x), colour, rng) * np.sqrt(power / 10 ** (snr_db / 10))
    return (x + noise).astype(np.float32)


def room_impulse_response(rate: int, rt60: float, rng: np.random.Generator) -> np.ndarray:
    """Synthetic RIR, `rt60` long (the tail is then 60 dB down): a unit direct path at lag 0, 3-6 early
    reflections 2-50 ms later, and Gaussian noise under exp(-ln(1000) t / rt60) (amplitude falls 60 dB in
    rt60) carrying as much energy as the direct path. Not normalised; `reverberate` levels the result."""
    n = max(int(round(rt60 * rate)), 2)
    t = np.arange(n) / rate
    envelope = np.exp(-LN_1000 * t / rt60)
    tail = rng.standard_normal(n) * envelope
    tail[: max(1, int(0.002 * rate))] = 0.0  # the diffuse tail builds up after the first reflections
    tail /= np.sqrt(np.sum(tail ** 2)) or 1.0
    h = tail
    k = int(rng.integers(3, 7))
    lags = np.clip((rng.uniform(0.002, 0.05, k) * rate).astype(int), 1, n - 1)
    h[lags] += rng.choice([-1.0, 1.0], k) * rng.uniform(0.2, 0.6, k) * envelope[lags]
    h[0] = 1.0
    return h


def reverberate(samples, rate: int, rt60: float, wet: float, rng: np.random.Generator) -> np.ndarray:
    """Convolve with `room_impulse_response` (FFT) and mix `wet` of it with `1 - wet` of the dry signal.
    The reverberant signal is scaled to the dry RMS; output has the input's length, no delay."""
    x = _f32(samples)
    if not len(x):
        return x.copy()
    h = room_impulse_response(rate, rt60, rng)
    rev = fftconvolve(x.astype(np.float64), h)[: len(x)]  # trimmed: the tail past the clip's end is dropped
    dry_rms, rev_rms = np.sqrt(np.mean(x.astype(np.float64) ** 2)), np.sqrt(np.mean(rev ** 2))
    if rev_rms > 0:
        rev *= dry_rms / rev_rms
    return ((1.0 - wet) * x + wet * rev).astype(np.float32)


def band_limit(samples, rate: int, low_hz: float | None, high_hz: float | None, order: int = 4) -> np.ndarray:
    """Butterworth high-pass at `low_hz` and/or low-pass at `high_hz` (None: that side untouched), run
    forwards and backwards (zero phase, twice the order's attenuation). A cut at or above Nyquist is skipped."""
    x = _f32(samples)
    nyq = rate / 2
    lo = low_hz if low_hz and 0 < low_hz < nyq else None
    hi = high_hz if high_hz and 0 < high_hz < nyq else None
    if lo and hi:
        sos = butter(order, [lo, hi], btype="bandpass", fs=rate, output="sos")
    elif lo or hi:
        sos = butter(order, lo or hi, btype="highpass" if lo else "lowpass", fs=rate, output="sos")
    else:
        return x.copy()
    if len(x) <= 3 * (2 * len(sos) + 1):  # sosfiltfilt's default padding needs a few samples
        return x.copy()
    return sosfiltfilt(sos, x.astype(np.float64)).astype(np.float32)


def soft_clip(x: np.ndarray, knee: float = 0.9) -> np.ndarray:
    """Identity below `knee`; above it tanh bends the curve (slope 1 at the knee) towards, never past, 1."""
    a = np.abs(x)
    over = a > knee
    y = x.astype(np.float32, copy=True)
    y[over] = np.sign(x[over]) * (knee + (1 - knee) * np.tanh((a[over] - knee) / (1 - knee)))
    return np.clip(y, -1.0, 1.0)  # tanh rounds to 1.0 in float32 for large inputs; the clip is a no-op


def apply_gain(samples, db: float) -> np.ndarray:
    """Scale by `db` decibels, then `soft_clip` so no sample exceeds 1 in magnitude."""
    return soft_clip(_f32(samples) * np.float32(10 ** (db / 20)))


def change_speed(samples, rate: int, factor: float) -> tuple[np.ndarray, float]:
    """Play `factor` times faster (tempo and pitch both scale by `factor`): the clip is read as if sampled at
    rate * factor and resampled to `rate` with soxr. Returns (audio, time_scale = 1 / factor)."""
    x = _f32(samples)
    if factor <= 0:
        raise ValueError(f"speed factor must be positive, got {factor}")
    if factor == 1.0 or not len(x):
        return x.copy(), 1.0
    return soxr.resample(x, rate * factor, rate, quality="HQ").astype(np.float32), 1.0 / factor


def augment(samples, rate: int, rng: np.random.Generator,
            cfg: AugmentConfig = AugmentConfig()) -> tuple[np.ndarray, float, list[str]]:
    """Apply a random subset of the effects (see `AugmentConfig`) in recording order.
    Returns (audio at `rate`, time_scale, descriptions of what was applied)."""
    x, scale, applied = _f32(samples), 1.0, []
    u = lambda r: float(rng.uniform(*r))  # noqa: E731
    if rng.random() < cfg.p_speed:
        factor = float(np.exp(rng.uniform(*np.log(cfg.speed))))  # log-uniform: x0.9 as likely as x1/0.9
        x, scale = change_speed(x, rate, factor)
        applied.append(f"speed x{factor:.3f}")
    if rng.random() < cfg.p_reverb:
        rt60, wet = u(cfg.rt60_s), u(cfg.wet)
        x = reverberate(x, rate, rt60, wet, rng)
        applied.append(f"reverb rt60={rt60:.2f}s wet={wet:.2f}")
    if rng.random() < cfg.p_noise:
        colour, snr = str(rng.choice(cfg.noise_colours)), u(cfg.snr_db)
        x = add_noise(x, snr, colour, rng)
        applied.append(f"noise {colour} snr={snr:.1f}dB")
    if rng.random() < cfg.p_band:
        if rng.random() < cfg.p_telephone:
            lo, hi, what = 300.0, 3400.0, "band 300-3400Hz (telephone)"
        else:
            side = int(rng.integers(3))  # 0: high-pass only, 1: low-pass only, 2: both
            lo = u(cfg.highpass_hz) if side != 1 else None
            hi = u(cfg.lowpass_hz) if side != 0 else None
            what = " ".join(s for s in (lo and f"highpass {lo:.0f}Hz", hi and f"lowpass {hi:.0f}Hz") if s)
        x = band_limit(x, rate, lo, hi)
        applied.append(what)
    if rng.random() < cfg.p_gain:
        db = u(cfg.gain_db)
        x = apply_gain(x, db)
        applied.append(f"gain {db:+.1f}dB")
    elif len(x) and np.abs(x).max() > 1.0:  # noise or reverb can push peaks past full scale
        x = soft_clip(x)
        applied.append("soft clip")
    return x, scale, applied
