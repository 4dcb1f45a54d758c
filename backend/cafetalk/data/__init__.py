"""Training data: speech synthesis with phoneme timings (speech.py), Algorithm 1 (binarize.py)."""
