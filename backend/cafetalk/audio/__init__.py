"""Audio: one loader for every file (load.py) and the speech encoders (encoders.py)."""
from .encoders import FPS, HOP, AudioEncoder, build_audio_encoder, num_frames_for
from .load import SAMPLE_RATE, Audio, load_audio, prepare

__all__ = ["FPS", "HOP", "SAMPLE_RATE", "Audio", "AudioEncoder", "build_audio_encoder", "load_audio",
           "num_frames_for", "prepare"]
