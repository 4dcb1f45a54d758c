"""The generator G (dit.py), its AU adapter (adapter.py), conditions and configs."""
from .conditions import Conditions, concat, drop_conditions
from .config import CafeTalkConfig, preset
from .dit import CafeTalkDiT
from .layers import alignment_mask

__all__ = ["CafeTalkConfig", "CafeTalkDiT", "Conditions", "alignment_mask", "concat", "drop_conditions", "preset"]
