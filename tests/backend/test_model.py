
import pytest
import torch

from cafetalk import aus
from cafetalk.model import CafeTalkDiT, Conditions, alignment_mask, drop_conditions, preset


def conditions(batch=2, frames=40, audio_dim=320, text_dim=16, with_aus=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    return Conditions(
        audio=torch.randn(batch, frames, audio_dim, generator=g),
        emotion=torch.randn(batch, text_dim, generator=g),
        intensity=torch.rand(batch, generator=g),
        style=torch.zeros(batch, dtype=torch.long),
        aus=(torch.rand(batch, frames, aus.NUM_UNITS, generator=g) > 0.7).float() if with_aus else None)


def test_alignment_mask_eq2():
    m = alignment_mask(6)
    assert m.shape == (6, 6)
    for i in range(6):
        for j in range(6):
            assert m[i, j] == (0.0 if abs(i - j) <= 1 else float("-inf"))


def test_cross_attention_sees_only_neighbouring_audio(tiny_model):
    """Changing audio far from a frame must not change that frame at the first block's cross-attn."""
    block = tiny_model.blocks[0]
    h = torch.randn(1, 20, 32)
    a = torch.randn(1, 20, 32)
    a2 = a.clone()
    a2[:, 15:] += 5.0
    mask = alignment_mask(20)
    y1 = block.cross_attn.attn(h, a, mask=mask)
    y2 = block.cross_attn.attn(h, a2, mask=mask)
    assert torch.allclose(y1[:, :14], y2[:, :14])  # frames 0..13 attend to audio 0..14 only
    assert not torch.allclose(y1[:, 14:], y2[:, 14:])


def test_zero_conv_adapter_is_identity_at_init(text_dir):
    from tests.conftest import perturb_zero_layers, tiny_config

    torch.manual_seed(0)
    base = CafeTalkDiT(tiny_config(text_dir, adapter=False)).eval()
    perturb_zero_layers(base)
    stage2 = CafeTalkDiT(tiny_config(text_dir, adapter=True)).eval()
    missing = stage2.load_state_dict(base.state_dict(), strict=False).missing_keys
    assert missing and all(k.startswith("adapter.") for k in missing)
    x, t, c = torch.randn(2, 40, 51), torch.tensor([10, 500]), conditions()
    with torch.no_grad():
        assert torch.equal(base(x, t, c), stage2(x, t, c))
        # ...and the adapter is live: once its zero projection moves, the AUs change the output
        stage2.adapter.zero_proj[0].weight.add_(0.1)
        assert not torch.allclose(base(x, t, c), stage2(x, t, c))
        c_off = Conditions(**{**c.__dict__, "keep_aus": torch.zeros(2, dtype=torch.bool)})
        assert torch.equal(base(x, t, c_off), stage2(x, t, c_off))


def test_base_parameters_exclude_adapter(tiny_model):
    base = {id(p) for p in tiny_model.base_parameters()}
    assert not any(id(p) in base for p in tiny_model.adapter.parameters())
    assert len(base) + len(list(tiny_model.adapter.parameters())) == len(list(tiny_model.parameters()))


def test_null_conditions_change_prediction(tiny_model):
    x, t, c = torch.randn(2, 40, 51), torch.tensor([100, 100]), conditions()
    with torch.no_grad():
        full = tiny_model(x, t, c.with_flags(True, True, False))
        no_audio = tiny_model(x, t, c.with_flags(False, True, False))
        no_coarse = tiny_model(x, t, c.with_flags(True, False, False))
    assert not torch.allclose(full, no_audio) and not torch.allclose(full, no_coarse)


def test_condition_dropout_rate():
    c = conditions(batch=4000, frames=2, with_aus=False)
    d = drop_conditions(c, 0.2, torch.Generator().manual_seed(0))
    assert abs((~d.keep_audio).float().mean() - 0.2) < 0.03
    assert abs((~d.keep_coarse).float().mean() - 0.2) < 0.03
    assert abs((~d.keep_audio & ~d.keep_coarse).float().mean() - 0.04) < 0.015  # independent
    assert d.keep_aus is None  # AUs stay unless asked (stage 1 has none; stage 2 keeps them)
    j = drop_conditions(c, 0.2, torch.Generator().manual_seed(0), aus=True)  # joint training
    assert abs((~j.keep_aus).float().mean() - 0.2) < 0.03
    assert abs((~j.keep_aus & ~j.keep_audio).float().mean() - 0.04) < 0.015


def test_window_limit(tiny_model):
    with pytest.raises(ValueError, match="window"):
        tiny_model(torch.randn(1, 51, 51), torch.tensor([1]), conditions(1, 51))


def test_presets_build():
    cfg = preset("paper")
    assert (cfg.model.d_model, cfg.model.n_layers, cfg.model.n_heads) == (512, 8, 8)
    with pytest.raises(ValueError, match="unknown preset"):
        preset("huge")
