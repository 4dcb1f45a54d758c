import numpy as np
import pytest
import torch

from cafetalk.diffusion import GaussianDiffusion
from cafetalk.model import CafeTalkDiT, Conditions
from cafetalk.sampler import sample_window
from cafetalk.windows import generate_windows, plan_windows


@pytest.mark.parametrize("n,window,overlap", [(10, 50, 12), (50, 50, 12), (51, 50, 12), (400, 50, 12), (137, 50, 0)])
def test_plan_covers_every_frame_once(n, window, overlap):
    plan = plan_windows(n, window, overlap)
    covered = np.zeros(n, dtype=int)
    for w in plan:
        assert w.end - w.start <= window and w.known < w.end - w.start
        covered[w.start + w.known:w.end] += 1
        if w.start > 0:
            assert w.known >= overlap and w.end - w.start == window  # full-length windows after the first
    assert (covered == 1).all()


def smooth_motion(batch, frames, channels, g):
    """Slow sums of sinusoids: a stand-in for facial motion with strong frame-to-frame continuity."""
    t = torch.arange(frames)[None, :, None].float()
    out = 0
    for _ in range(3):
        f = 0.01 + 0.03 * torch.rand(batch, 1, channels, generator=g)
        p = 2 * np.pi * torch.rand(batch, 1, channels, generator=g)
        out = out + torch.sin(2 * np.pi * f * t + p) / np.sqrt(1.5)
    return out


@pytest.fixture(scope="module")
def smooth_model(text_dir):
    """The tiny DiT trained for a few hundred steps on smooth motion (about 10 s on 2 cores)."""
    from tests.conftest import tiny_config

    torch.manual_seed(0)
    cfg = tiny_config(text_dir, adapter=False)
    cfg.model.num_channels = 4
    cfg.model.dropout = 0.0
    model = CafeTalkDiT(cfg)
    diffusion = GaussianDiffusion(cfg.diffusion)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(400):
        x0 = smooth_motion(32, 50, 4, g)
        t = diffusion.sample_timesteps(32, g)
        xt = diffusion.add_noise(x0, torch.randn(x0.shape, generator=g), t)
        cond = Conditions(audio=torch.zeros(32, 50, 320), emotion=torch.zeros(32, 16),
                          intensity=torch.zeros(32), style=torch.zeros(32, dtype=torch.long))
        loss = diffusion.loss(model(xt, t, cond), x0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), diffusion


def _generate(model, diffusion, n, overlap, seed=0):
    gen = torch.Generator().manual_seed(seed)

    def cond_for(w):
        T = w.end - w.start
        return Conditions(audio=torch.zeros(1, T, 320), emotion=torch.zeros(1, 16), intensity=torch.zeros(1),
                          style=torch.zeros(1, dtype=torch.long))

    def sample(cond, z, known):
        return sample_window(model, diffusion, cond, alpha=1.0, z_cfg=z, steps=20, sampler="ddim",
                             generator=gen, known=known)

    return generate_windows(n, 50, overlap, 4, cond_for, lambda w: None, sample)


def test_stitching_has_no_visible_seam(smooth_model):
    model, diffusion = smooth_model
    n = 160
    x = _generate(model, diffusion, n, overlap=12)
    seams = [w.start + w.known for w in plan_windows(n, 50, 12)[1:]]
    diffs = (x[1:] - x[:-1]).abs().mean(dim=1)  # (n-1,) mean jump per frame
    inside = torch.tensor([d for i, d in enumerate(diffs.tolist()) if i + 1 not in seams])
    for s in seams:
        assert diffs[s - 1] <= 3 * torch.quantile(inside, 0.95), f"seam at frame {s}"
    # Without the held overlap, the windows restart independently and the seams jump.
    naive = _generate(model, diffusion, n, overlap=0)
    naive_seams = [w.start + w.known for w in plan_windows(n, 50, 0)[1:]]
    naive_diffs = (naive[1:] - naive[:-1]).abs().mean(dim=1)
    assert max(naive_diffs[s - 1] for s in naive_seams) > 2 * max(diffs[s - 1] for s in seams)


def test_windowed_generation_is_deterministic(smooth_model):
    model, diffusion = smooth_model
    a, b = _generate(model, diffusion, 120, 12, seed=3), _generate(model, diffusion, 120, 12, seed=3)
    c = _generate(model, diffusion, 120, 12, seed=4)
    assert torch.equal(a, b) and not torch.allclose(a, c)
