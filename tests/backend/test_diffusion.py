import pytest
import torch

from cafetalk.diffusion import GaussianDiffusion
from cafetalk.model.config import DiffusionConfig


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_schedule_monotone(schedule):
    d = GaussianDiffusion(DiffusionConfig(schedule=schedule))
    abar = d.alphas_cumprod
    assert abar.shape == (1000,) and (abar[1:] < abar[:-1]).all() and abar[0] > 0.99 and abar[-1] < 0.01


def test_add_noise_statistics():
    d = GaussianDiffusion(DiffusionConfig())
    x0 = torch.full((4000, 1, 1), 2.0)
    noise = torch.randn(4000, 1, 1, generator=torch.Generator().manual_seed(0))
    t = torch.full((4000,), 300)
    xt = d.add_noise(x0, noise, t)
    abar = d.alphas_cumprod[300]
    assert abs(xt.mean() - 2.0 * abar.sqrt()) < 0.05
    assert abs(xt.var() - (1 - abar)) < 0.05


def test_ddim_step_with_true_x0_stays_on_the_forward_path():
    """Given the true x0, a deterministic step lands exactly on q(x_prev | x0) with the same noise."""
    d = GaussianDiffusion(DiffusionConfig())
    g = torch.Generator().manual_seed(1)
    x0, eps = torch.randn(2, 10, 51, generator=g), torch.randn(2, 10, 51, generator=g)
    xt = d.add_noise(x0, eps, torch.tensor([700, 700]))
    x_prev = d.step(x0, xt, 700, 400, eta=0.0, noise=None)
    assert torch.allclose(x_prev, d.add_noise(x0, eps, torch.tensor([400, 400])), atol=1e-5)
    assert torch.equal(d.step(x0, xt, 700, -1, eta=0.0, noise=None), x0)


def test_ddpm_step_variance_matches_posterior():
    d = GaussianDiffusion(DiffusionConfig(schedule="linear"))
    x0 = torch.zeros(1, 20000, 1)
    xt = torch.zeros(1, 20000, 1)
    noise = torch.randn(1, 20000, 1, generator=torch.Generator().manual_seed(2))
    x_prev = d.step(x0, xt, 500, 499, eta=1.0, noise=noise)
    abar_t, abar_p = d.alphas_cumprod[500], d.alphas_cumprod[499]
    beta_tilde = (1 - abar_p) / (1 - abar_t) * (1 - abar_t / abar_p)  # DDPM Eq. 7
    assert abs(x_prev.var() - beta_tilde) / beta_tilde < 0.05


def test_timesteps_and_misuse():
    d = GaussianDiffusion(DiffusionConfig())
    ts = d.timesteps(25)
    assert ts[0] == 999 and ts[-1] == 0 and len(ts) == 25 and ts == sorted(ts, reverse=True)
    with pytest.raises(ValueError, match="steps must be"):
        d.timesteps(0)
    with pytest.raises(ValueError, match="go down"):
        d.step(torch.zeros(1, 1, 1), torch.zeros(1, 1, 1), 10, 20, 0.0, None)
    with pytest.raises(ValueError, match="needs noise"):
        d.step(torch.zeros(1, 1, 1), torch.zeros(1, 1, 1), 20, 10, 1.0, None)
    assert GaussianDiffusion.loss(torch.ones(1, 2, 3), torch.zeros(1, 2, 3)) == 1.0
    mask = torch.zeros(1, 2, 3)
    mask[0, 0, 0] = 1
    assert GaussianDiffusion.loss(torch.full((1, 2, 3), 2.0), torch.zeros(1, 2, 3), mask) == 4.0
