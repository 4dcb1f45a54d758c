"""`cafetalk train`: stage 1 (base model) and stage 2 (AU adapter on the frozen base), section 3.

Stage 1: audio + coarse conditions, each dropped independently with p = 0.2 (classifier-free
guidance), the simple loss of Eq. 5 on x0 (padding frames masked out).
Stage 2: the stage-1 model gains the adapter (zero-initialised, so training starts from the base's
exact output); base parameters are frozen. With probability `swap_prob` the emotion label is swapped
for another one and only the AU-controlled region counts (Eq. 6: the loss masked by Z_ctrl);
otherwise the simple loss applies (section 3.2, swap-label training).
Checkpoints are ordinary checkpoint folders (safetensors + config + manifest) with `trainer.json`
(settings, step) and `losses.jsonl`; Ctrl-C saves. Not yet: resuming with the optimiser state,
DDP, mixed precision, the loss plot (the training issue).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .. import checkpoint
from ..data.corpus import Corpus
from ..diffusion import GaussianDiffusion
from ..model import CafeTalkDiT, Conditions, drop_conditions, preset
from ..model.config import CafeTalkConfig
from .batches import BatchMaker, motion_statistics


@dataclass
class TrainConfig:
    stage: int = 1
    steps: int = 1000
    batch: int = 16  # the paper's batch size (appendix C)
    lr: float = 1e-4  # the paper's AdamW learning rate
    drop_prob: float = 0.2  # independent condition dropout (section 3.1.2)
    swap_prob: float = 0.5  # stage 2: share of swapped-label batches
    save_every: int = 500
    seed: int = 0


def emotion_table(cfg: CafeTalkConfig) -> dict[str, torch.Tensor]:
    from ..text import build_text_encoder

    encoder = build_text_encoder(cfg.text)
    return {e: encoder.encode([e])[0] for e in cfg.emotions}


def save_state(out: Path, model: CafeTalkDiT, tcfg: TrainConfig, step: int, losses: list[dict]) -> None:
    checkpoint.save(model, out)
    (out / "trainer.json").write_text(json.dumps({"train": asdict(tcfg), "step": step}, indent=2) + "\n")
    with open(out / "losses.jsonl", "w") as f:
        for row in losses:
            f.write(json.dumps(row) + "\n")


def train(data: str | Path, out: str | Path, tcfg: TrainConfig, model_cfg: CafeTalkConfig | None = None,
          init: str | Path | None = None, progress: Callable[[int, dict], None] | None = None) -> dict:
    """Train stage `tcfg.stage`; stage 2 starts from the stage-1 checkpoint `init`. Returns the last losses."""
    torch.manual_seed(tcfg.seed)
    out = Path(out)
    corpus = Corpus(data)
    if tcfg.stage == 1:
        cfg = model_cfg or preset("cpu")
        cfg.model.adapter = False
        model = CafeTalkDiT(cfg)
        mean, std = motion_statistics(corpus, seed=tcfg.seed)
        model.motion_mean.copy_(torch.from_numpy(mean))
        model.motion_std.copy_(torch.from_numpy(std))
        params = list(model.parameters())
    elif tcfg.stage == 2:
        if init is None:
            raise ValueError("stage 2 starts from a stage-1 checkpoint: pass --init DIR")
        base = checkpoint.load(init)
        cfg = base.cfg
        cfg.model.adapter = True
        model = CafeTalkDiT(cfg)
        missing = model.load_state_dict(base.state_dict(), strict=False).missing_keys
        assert all(k.startswith("adapter.") for k in missing)
        for p in model.base_parameters():  # the base is frozen in stage 2
            p.requires_grad_(False)
        params = list(model.adapter.parameters())
    else:
        raise ValueError("stage must be 1 or 2")
    diffusion = GaussianDiffusion(cfg.diffusion)
    emotions = emotion_table(cfg)
    labels = list(emotions)
    maker = BatchMaker(corpus, cfg, seed=tcfg.seed)
    opt = torch.optim.AdamW(params, lr=tcfg.lr)
    g = torch.Generator().manual_seed(tcfg.seed)
    rng = np.random.default_rng(tcfg.seed)
    losses: list[dict] = []
    model.train()
    step = 0
    try:
        for step in range(1, tcfg.steps + 1):
            b = maker.sample(tcfg.batch)
            x0 = model.normalise(b.motion)  # (B, T, 51)
            t = diffusion.sample_timesteps(tcfg.batch, g)
            x_t = diffusion.add_noise(x0, torch.randn(x0.shape, generator=g), t)
            names = list(b.emotion)
            swapped = tcfg.stage == 2 and rng.random() < tcfg.swap_prob
            if swapped:  # swap-label: another emotion, supervise only the AU-controlled region
                names = [labels[(labels.index(n) + int(rng.integers(1, len(labels)))) % len(labels)] for n in names]
            cond = Conditions(audio=b.audio, emotion=torch.stack([emotions[n] for n in names]),
                              intensity=b.intensity, style=b.style, aus=b.aus if tcfg.stage == 2 else None)
            if tcfg.stage == 1:
                cond = drop_conditions(cond, tcfg.drop_prob, g)
            mask = b.frames[:, :, None].expand_as(x0)
            if swapped:
                mask = mask * b.z_ctrl
            loss = diffusion.loss(model(x_t, t, cond), x0, mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            row = {"step": step, "loss": float(loss.detach()), "swapped": bool(swapped), "time": time.time()}
            losses.append(row)
            if progress:
                progress(step, row)
            if step % tcfg.save_every == 0:
                save_state(out, model, tcfg, step, losses)
    except KeyboardInterrupt:  # Ctrl-C: keep what was learned
        pass
    save_state(out, model, tcfg, step, losses)
    return losses[-1] if losses else {}
