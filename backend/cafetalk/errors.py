"""The one exception users see: what is wrong and what to do, in one line."""


class CafeTalkError(Exception):
    """A user-facing error (bad input, missing weights, ...). The message says what to do."""
