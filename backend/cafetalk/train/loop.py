"""`cafetalk train`: stage 1 (base model) and stage 2 (AU adapter on the frozen base), section 3.

Stage 1: audio + coarse conditions, each dropped independently with p = 0.2 (classifier-free
guidance), the simple loss of Eq. 5 on x0 (padding frames masked out).
Stage 2: the stage-1 model gains the adapter (zero-initialised, so training starts from the base's
exact output); base parameters are frozen. With probability `swap_prob` the emotion label is swapped
for another one and only the AU-controlled region counts (Eq. 6: the loss masked by Z_ctrl);
otherwise the simple loss applies (section 3.2, swap-label training).
Joint (`joint=True`, the "w/o two-stage" ablation of Table 3): base and adapter are trained together
from scratch on the stage-2 losses, with audio, coarse and AU conditions each dropped with p = 0.2
(the one network must also give G_null and G_{A,C} for Eq. 7).

Output: an ordinary checkpoint folder (safetensors + config + manifest) plus `trainer.json` (settings,
step, replica digests), `optimizer.safetensors` + `optimizer.json` (AdamW state, for `--resume`),
`losses.jsonl` and `losses.png` (the loss curve, like the paper's Fig. 5). Ctrl-C or SIGTERM saves.

Scaling: run under `torchrun --nproc_per_node N -m cafetalk train ...` for DDP (PyTorch's
DistributedDataParallel; NCCL on GPUs, gloo on CPUs): every rank draws its own batches, gradients are
averaged, rank 0 writes. On CUDA, `amp` runs forward and loss in bfloat16 autocast.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .. import checkpoint
from ..data.binarize import SparsifyConfig
from ..data.corpus import Corpus
from ..diffusion import GaussianDiffusion
from ..model import CafeTalkDiT, Conditions, drop_conditions, preset
from ..model.config import CafeTalkConfig
from .batches import BatchMaker, motion_statistics

OPTIMIZER = "optimizer.safetensors"


@dataclass
class TrainConfig:
    stage: int = 1
    steps: int = 1000
    batch: int = 16  # the paper's batch size (appendix C), per process
    lr: float = 1e-4  # the paper's AdamW learning rate
    warmup: int = 100  # linear learning-rate warm-up steps
    schedule: str = "constant"  # after warm-up: "constant", or "cosine" decay to lr / 10 at the last step
    drop_prob: float = 0.2  # independent condition dropout (section 3.1.2)
    swap_prob: float = 0.5  # stage 2: share of swapped-label batches
    joint: bool = False  # stage 2 without a frozen stage-1 base: the w/o-two-stage ablation
    adapter_layers: int | None = None  # stage 2: FiLM self-attention layers of the AU adapter (None: the config's)
    shorten: float = 0.0  # stage 2: share of long triplets cut to user-like slots (data/binarize.py SparsifyConfig)
    symbol_noise: str = "confusable"  # recogniser-like noise on the training phones (audio/phonetic.py SYMBOL_NOISE)
    save_every: int = 500
    seed: int = 0
    amp: bool = True  # bfloat16 autocast on CUDA (ignored on CPU)


def lr_factor(step: int, tcfg: TrainConfig) -> float:
    """The learning rate at `step` (1-based) as a share of `tcfg.lr`: a linear warm-up, then constant or a
    cosine decay to 1/10 at the last step (the schedule nanoGPT trains with)."""
    if tcfg.schedule not in ("constant", "cosine"):  # checked on every step, so a bad name stops the first one
        raise ValueError(f"unknown learning-rate schedule {tcfg.schedule!r}: use constant or cosine")
    warm = max(1, tcfg.warmup)
    if step <= warm or tcfg.schedule == "constant":
        return min(1.0, step / warm)
    done = min(1.0, (step - warm) / max(1, tcfg.steps - warm))
    return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * done))


def emotion_table(cfg: CafeTalkConfig) -> dict[str, torch.Tensor]:
    from ..text import build_text_encoder

    encoder = build_text_encoder(cfg.text)
    return {e: encoder.encode([e])[0] for e in cfg.emotions}


def digest(model: torch.nn.Module) -> str:
    """A short hash of all parameters: equal on every DDP replica while they stay in step."""
    h = hashlib.sha256()
    for name, p in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(p.detach().float().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- optimiser state (no pickles)
def save_optimizer(opt: torch.optim.Optimizer, out: Path) -> None:
    from safetensors.torch import save_file

    state = opt.state_dict()
    tensors, scalars = {}, {}
    for pid, slots in state["state"].items():
        for key, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{key}"] = value
    save_file(tensors, str(out / OPTIMIZER))
    (out / "optimizer.json").write_text(json.dumps({"param_groups": state["param_groups"], "scalars": scalars}))


def load_optimizer(opt: torch.optim.Optimizer, folder: Path) -> None:
    from safetensors.torch import load_file

    meta = json.loads((folder / "optimizer.json").read_text())
    tensors = load_file(str(folder / OPTIMIZER))
    state: dict[int, dict] = {}
    for key, value in [*tensors.items(), *meta["scalars"].items()]:
        pid, slot = key.split(".", 1)
        state.setdefault(int(pid), {})[slot] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_state(out: Path, model: CafeTalkDiT, opt: torch.optim.Optimizer, tcfg: TrainConfig, step: int,
               losses: list[dict], replicas: list[str]) -> None:
    checkpoint.save(model, out)
    save_optimizer(opt, out)
    (out / "trainer.json").write_text(json.dumps({"train": asdict(tcfg), "step": step, "replicas": replicas},
                                                 indent=2) + "\n")
    with open(out / "losses.jsonl", "w") as f:
        for row in losses:
            f.write(json.dumps(row) + "\n")
    plot_losses(losses, out / "losses.png")


def plot_losses(losses: list[dict], path: Path) -> None:
    """The training loss per step and its running mean (like the paper's Fig. 5)."""
    if len(losses) < 2:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = np.array([r["step"] for r in losses])
    loss = np.array([r["loss"] for r in losses])
    k = max(1, len(loss) // 50)
    smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(steps, loss, lw=0.5, alpha=0.35, label="loss")
    ax.plot(steps[k - 1:], smooth, lw=1.5, label=f"mean of {k}")
    ax.set(xlabel="step", ylabel="x0 MSE (normalised)", yscale="log", title="training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------- distributed helpers
def _dist_setup() -> tuple[int, int, torch.device, bool]:
    """(rank, world size, device, whether this call started the process group) from torchrun's
    environment; (0, 1, best device, False) without it."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available()
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if world > 1:
        import torch.distributed as dist

        if cuda:
            torch.cuda.set_device(device)
        owned = not dist.is_initialized()
        if owned:
            dist.init_process_group("nccl" if cuda else "gloo")
        return dist.get_rank(), world, device, owned
    return 0, 1, device, False


class _Stop:
    """SIGTERM (e.g. a scheduler ending the job) ends training like Ctrl-C: the state is saved."""

    def __init__(self):
        self.requested = False
        self._old = None

    def __enter__(self):
        try:
            self._old = signal.signal(signal.SIGTERM, self._handle)
        except ValueError:  # not the main thread
            self._old = None
        return self

    def _handle(self, *_):
        self.requested = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


def _base_state(model: CafeTalkDiT) -> dict[str, torch.Tensor]:
    """A checkpoint's base: its state without the AU adapter's tensors (stage-2 weights hold both)."""
    return {k: v for k, v in model.state_dict().items() if not k.startswith("adapter.")}


def build_model(tcfg: TrainConfig, corpus: Corpus, model_cfg: CafeTalkConfig | None,
                init: str | Path | None) -> tuple[CafeTalkDiT, list[torch.nn.Parameter]]:
    if tcfg.stage == 1 and init is not None:
        # continue a base (a stage-1 run, or the base of stage-2 weights) with a fresh optimiser, its
        # motion statistics kept: longer training, or fine-tuning on new data (e.g. imported captures)
        base = checkpoint.load(init)
        cfg = base.cfg
        cfg.model.adapter = False
        model = CafeTalkDiT(cfg)
        model.load_state_dict(_base_state(base))
        return model, list(model.parameters())
    if tcfg.stage == 1 or tcfg.joint:
        if tcfg.joint and (tcfg.stage != 2 or init is not None):
            raise ValueError("joint training is stage 2 from scratch: pass --stage 2 --joint without --init")
        cfg = model_cfg or preset("cpu")
        cfg.model.adapter = tcfg.joint
        model = CafeTalkDiT(cfg)
        mean, std = motion_statistics(corpus, seed=tcfg.seed)
        model.motion_mean.copy_(torch.from_numpy(mean))
        model.motion_std.copy_(torch.from_numpy(std))
        return model, list(model.parameters())
    if tcfg.stage == 2:
        if init is None:
            raise ValueError("stage 2 starts from a stage-1 checkpoint: pass --init DIR")
        base = checkpoint.load(init)
        cfg = base.cfg
        cfg.model.adapter = True
        if tcfg.adapter_layers:
            cfg.model.adapter_layers = tcfg.adapter_layers
        model = CafeTalkDiT(cfg)
        # the adapter always starts fresh (zero-initialised projection): an init that already has one
        # (stage-2 weights such as weights/default) gives only its base
        missing = model.load_state_dict(_base_state(base), strict=False).missing_keys
        assert all(k.startswith("adapter.") for k in missing)
        for p in model.base_parameters():  # the base is frozen in stage 2
            p.requires_grad_(False)
        return model, list(model.adapter.parameters())
    raise ValueError("stage must be 1 or 2")


def train(data: str | Path, out: str | Path, tcfg: TrainConfig, model_cfg: CafeTalkConfig | None = None,
          init: str | Path | None = None, progress: Callable[[int, dict], None] | None = None,
          resume: str | Path | None = None) -> dict:
    """Train stage `tcfg.stage` (stage 2 starts from the stage-1 checkpoint `init`); `resume` continues a
    run from its output folder (weights, optimiser state, step, losses). Returns the last losses."""
    rank, world, device, owned = _dist_setup()
    torch.manual_seed(tcfg.seed)  # the same initial weights on every rank
    out = Path(out)
    corpus = Corpus(data)
    start, losses = 0, []
    if resume is not None:
        resume = Path(resume)
        state = json.loads((resume / "trainer.json").read_text())
        if state["train"]["stage"] != tcfg.stage:
            raise ValueError(f"{resume} holds a stage-{state['train']['stage']} run; resume it with --stage "
                             f"{state['train']['stage']}")
        model = checkpoint.load(resume)
        if tcfg.stage == 2 and not state["train"].get("joint", False):
            for p in model.base_parameters():
                p.requires_grad_(False)
        params = [p for p in model.parameters() if p.requires_grad]
        start = int(state["step"])
        losses = [json.loads(line) for line in (resume / "losses.jsonl").read_text().splitlines() if line]
    else:
        model, params = build_model(tcfg, corpus, model_cfg, init)
    cfg = model.cfg
    model.to(device)
    diffusion = GaussianDiffusion(cfg.diffusion)
    emotions = {k: v.to(device) for k, v in emotion_table(cfg).items()}
    labels = list(emotions)
    maker = BatchMaker(corpus, cfg, seed=tcfg.seed * 1000 + rank + start,  # each rank and resume: new batches
                       sparsify_cfg=SparsifyConfig(shorten=tcfg.shorten), symbol_noise=tcfg.symbol_noise)
    opt = torch.optim.AdamW(params, lr=tcfg.lr)
    if resume is not None:
        load_optimizer(opt, resume)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s + start + 1, tcfg))
    net = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    g = torch.Generator().manual_seed(tcfg.seed * 1000 + rank + start)
    rng = np.random.default_rng([tcfg.seed, rank, start])
    amp = tcfg.amp and device.type == "cuda"
    model.train()
    step = start
    skipped = 0

    def save() -> None:
        replicas = _gather_digests(model, world)
        if rank == 0:
            save_state(out, model, opt, tcfg, step, losses, replicas)

    with _Stop() as stop:
        try:
            for step in range(start + 1, tcfg.steps + 1):
                b = maker.sample(tcfg.batch)
                x0 = model.normalise(b.motion.to(device))  # (B, T, 51)
                t = diffusion.sample_timesteps(tcfg.batch, g).to(device)
                x_t = diffusion.add_noise(x0, torch.randn(x0.shape, generator=g).to(device), t)
                names = list(b.emotion)
                swapped = tcfg.stage == 2 and rng.random() < tcfg.swap_prob
                if swapped:  # swap-label: another emotion, supervise only the AU-controlled region
                    names = [labels[(labels.index(n) + int(rng.integers(1, len(labels)))) % len(labels)]
                             for n in names]
                cond = Conditions(audio=b.audio.to(device), emotion=torch.stack([emotions[n] for n in names]),
                                  intensity=b.intensity.to(device), style=b.style.to(device),
                                  aus=b.aus.to(device) if tcfg.stage == 2 else None)
                if tcfg.stage == 1 or tcfg.joint:
                    cond = drop_conditions(cond, tcfg.drop_prob, g, aus=tcfg.joint and not swapped)
                mask = b.frames.to(device)[:, :, None].expand_as(x0)
                if swapped:
                    mask = mask * b.z_ctrl.to(device)
                with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                    pred = net(x_t, t, cond)
                loss = diffusion.loss(pred.float(), x0, mask)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
                if torch.isfinite(norm):  # a non-finite step (bad data, overflow) is skipped, never applied
                    opt.step()
                    skipped = 0
                else:
                    skipped += 1
                    if skipped >= 20:
                        raise FloatingPointError(f"20 non-finite steps in a row at step {step}: lower --lr or "
                                                 "check the corpus for broken clips")
                sched.step()
                row = {"step": step, "loss": float(loss.detach()), "swapped": bool(swapped), "time": time.time(),
                       "skipped": bool(skipped), "lr": sched.get_last_lr()[0]}
                losses.append(row)
                if progress and rank == 0:
                    progress(step, row)
                if step % tcfg.save_every == 0:
                    save()
                if stop.requested:
                    break
        except KeyboardInterrupt:  # Ctrl-C: keep what was learned
            pass
    save()
    if owned:  # an exit with a live gloo group aborts the process ("terminate called without an active
        import torch.distributed as dist  # exception"); every rank reaches here after the same last step

        dist.barrier()
        dist.destroy_process_group()
    return losses[-1] if losses else {}


def _gather_digests(model: torch.nn.Module, world: int) -> list[str]:
    mine = digest(model)
    if world == 1:
        return [mine]
    import torch.distributed as dist

    found: list[str | None] = [None] * world
    dist.all_gather_object(found, mine)
    return [str(d) for d in found]
