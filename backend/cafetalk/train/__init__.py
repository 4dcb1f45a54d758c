"""Training: batches from a corpus (batches.py) and the two-stage loop (loop.py)."""
