"""Evaluation (paper section 4.2.1, appendix E, issue 7): `cafetalk evaluate`."""
