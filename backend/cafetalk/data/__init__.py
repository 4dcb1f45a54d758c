"""Training data: Algorithm 1 (binarize.py); the corpus generator and importers arrive with the data issue."""
