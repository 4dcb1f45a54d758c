"""Text-to-AU detector (appendix F): corpus.py, model.py, train.py, detect.py."""
