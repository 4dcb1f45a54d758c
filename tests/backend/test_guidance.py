import pytest
import torch

from cafetalk.guidance import guided_x0
from tests.backend.test_model import conditions


def slot(beta: float):
    """A 40-frame window with one slot on frames 10-19 holding `beta`: x_t, t, conditions, Z_cfg (1, 40)."""
    z = torch.zeros(1, 40)
    z[:, 10:20] = beta
    return torch.randn(1, 40, 51), torch.tensor([300]), conditions(batch=1), z


@torch.no_grad()
def branches(model, x, t, c):
    """Each prediction of Eq. 7 separately: G_null, G_{A,C}, G_{A,C,F}."""
    return (model(x, t, c.with_flags(False, False, False)), model(x, t, c.with_flags(True, True, False)),
            model(x, t, c.with_flags(True, True, True)))


def test_eq7_outside_slots_equals_alpha_only(tiny_model):
    x, t, c, z = slot(1.5)
    with torch.no_grad():
        with_f = guided_x0(tiny_model, x, t, c, alpha=2.0, z_cfg=z)
        alpha_only = guided_x0(tiny_model, x, t, c, alpha=2.0, z_cfg=None)
    g_null, g_ac, g_acf = branches(tiny_model, x, t, c)  # then Eq. 7 by hand
    outside = torch.ones(40, dtype=torch.bool)
    outside[10:20] = False
    assert torch.allclose(with_f[:, outside], alpha_only[:, outside], atol=1e-6)
    assert not torch.allclose(with_f[:, 10:20], alpha_only[:, 10:20], atol=1e-4)
    expected = g_null + 2.0 * (g_ac - g_null) + z[:, :, None] * (g_acf - g_null)
    assert torch.allclose(with_f, expected, atol=1e-5)


def test_alpha_one_without_controls_is_the_conditional_prediction(tiny_model):
    x, t, c = torch.randn(1, 30, 51), torch.tensor([50]), conditions(batch=1, frames=30, with_aus=False)
    with torch.no_grad():
        assert torch.allclose(guided_x0(tiny_model, x, t, c, 1.0, None),
                              tiny_model(x, t, c.with_flags(True, True, False)), atol=1e-6)
        assert torch.allclose(guided_x0(tiny_model, x, t, c, 0.0, None),
                              tiny_model(x, t, c.with_flags(False, False, False)), atol=1e-6)


def test_channel_masked_eq7_touches_only_the_masked_channels(tiny_model):
    x, t = torch.randn(1, 40, 51), torch.tensor([300])
    c = conditions(batch=1)
    z = torch.zeros(1, 40, 51)
    z[:, 10:20, [3, 7]] = 1.0  # a slot on two channels
    with torch.no_grad():
        masked = guided_x0(tiny_model, x, t, c, alpha=1.0, z_cfg=z)
        alpha_only = guided_x0(tiny_model, x, t, c, alpha=1.0, z_cfg=None)
        frames = guided_x0(tiny_model, x, t, c, alpha=1.0, z_cfg=z.amax(-1))  # the paper's temporal mask
    off = torch.ones(51, dtype=torch.bool)
    off[[3, 7]] = False
    assert torch.allclose(masked[:, :, off], alpha_only[:, :, off], atol=1e-6)
    assert torch.allclose(masked[:, 10:20, ~off], frames[:, 10:20, ~off], atol=1e-6)
    assert not torch.allclose(frames[:, 10:20, off], alpha_only[:, 10:20, off], atol=1e-4)


def test_coarse_reference_gives_the_au_conditioned_prediction_at_beta_one(tiny_model):
    x, t, c, z = slot(1.0)
    g_null, g_ac, g_acf = branches(tiny_model, x, t, c)
    with torch.no_grad():
        coarse = guided_x0(tiny_model, x, t, c, alpha=1.0, z_cfg=z, reference="coarse")
        null = guided_x0(tiny_model, x, t, c, alpha=1.0, z_cfg=z)
        strong = guided_x0(tiny_model, x, t, c, alpha=2.0, z_cfg=2 * z, reference="coarse")
    # inside the slot: exactly G_{A,C,F}; outside: G_{A,C}; Eq. 7 as printed adds G_{A,C} - G_null on top
    assert torch.allclose(coarse[:, 10:20], g_acf[:, 10:20], atol=1e-5)
    assert torch.allclose(coarse[:, :10], g_ac[:, :10], atol=1e-5)
    assert torch.allclose(null[:, 10:20] - coarse[:, 10:20], (g_ac - g_null)[:, 10:20], atol=1e-5)
    expected = g_null + 2.0 * (g_ac - g_null) + 2 * z[:, :, None] * (g_acf - g_ac)
    assert torch.allclose(strong, expected, atol=1e-5)
    with pytest.raises(ValueError, match="reference"):
        guided_x0(tiny_model, x, t, c, alpha=1.0, z_cfg=z, reference="uncond")
