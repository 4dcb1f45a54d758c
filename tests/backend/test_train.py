import json
import os
import subprocess
import sys

import pytest
import torch

from cafetalk import checkpoint
from cafetalk.data.corpus import Corpus
from cafetalk.train.batches import BatchMaker
from cafetalk.train.loop import TrainConfig, train
from tests.conftest import tiny_config

pytest.importorskip("espeakng_loader")


def test_batches(corpus_dir, text_dir):
    cfg = tiny_config(text_dir)
    b = BatchMaker(Corpus(corpus_dir), cfg, seed=0).sample(3)
    assert b.motion.shape == (3, 50, 51) and b.audio.shape == (3, 50, 320) and b.aus.shape[-1] == 35
    assert b.frames.sum() > 0 and ((b.z_ctrl == 0) | (b.frames[:, :, None] == 1)).all()


def test_two_stages(corpus_dir, text_dir, tmp_path):
    cfg = tiny_config(text_dir, adapter=False)
    train(corpus_dir, tmp_path / "s1", TrainConfig(stage=1, steps=3, batch=2, lr=1e-3), cfg)
    stage1 = checkpoint.load(tmp_path / "s1")
    assert stage1.adapter is None and not torch.allclose(stage1.motion_std, torch.ones(51))
    last = train(corpus_dir, tmp_path / "s2", TrainConfig(stage=2, steps=3, batch=2, lr=1e-2, swap_prob=1.0),
                 init=tmp_path / "s1")
    assert last["swapped"] and last["step"] == 3
    stage2 = checkpoint.load(tmp_path / "s2")
    s1, s2 = stage1.state_dict(), stage2.state_dict()
    assert all(torch.equal(s1[k], s2[k]) for k in s1)  # the base stayed frozen
    assert any(torch.count_nonzero(p) for p in stage2.adapter.zero_proj.parameters())  # the adapter learned
    assert (tmp_path / "s2" / "losses.jsonl").read_text().count("\n") == 3


def test_joint_training_trains_base_and_adapter_from_scratch(corpus_dir, text_dir, tmp_path):
    cfg = tiny_config(text_dir, adapter=False)
    last = train(corpus_dir, tmp_path / "j", TrainConfig(stage=2, joint=True, steps=3, batch=2, lr=1e-2), cfg)
    assert last["step"] == 3
    joint = checkpoint.load(tmp_path / "j")
    assert joint.adapter is not None and not torch.allclose(joint.motion_std, torch.ones(51))
    assert any(torch.count_nonzero(p) for p in joint.adapter.zero_proj.parameters())  # the adapter learned
    assert torch.count_nonzero(joint.final.linear.weight)  # and so did the base (zero-initialised output layer)
    with pytest.raises(ValueError, match="from scratch"):
        train(corpus_dir, tmp_path / "bad", TrainConfig(stage=2, joint=True, steps=1, batch=2), cfg, init=tmp_path / "j")


def test_stage2_recipe_options(corpus_dir, text_dir, tmp_path):
    """--adapter-layers sizes the adapter on a stage-1 base (a run with --shorten trains too)."""
    cfg = tiny_config(text_dir, adapter=False)
    train(corpus_dir, tmp_path / "s1", TrainConfig(stage=1, steps=1, batch=2), cfg)
    train(corpus_dir, tmp_path / "s2", TrainConfig(stage=2, steps=1, batch=2, adapter_layers=3, shorten=1.0),
          init=tmp_path / "s1")
    model = checkpoint.load(tmp_path / "s2")
    assert len(model.adapter.layers) == 3 and model.cfg.model.adapter_layers == 3
    # stage-2 weights as the init: their base is taken, their adapter is not (a fresh, zero-initialised one)
    train(corpus_dir, tmp_path / "again", TrainConfig(stage=2, steps=0, batch=2, adapter_layers=2),
          init=tmp_path / "s2")
    again = checkpoint.load(tmp_path / "again")
    assert len(again.adapter.layers) == 2
    assert not any(torch.count_nonzero(p) for p in again.adapter.zero_proj.parameters())
    base = {k: v for k, v in model.state_dict().items() if not k.startswith("adapter.")}
    assert all(torch.equal(v, again.state_dict()[k]) for k, v in base.items())


def test_resume_continues_with_the_optimiser_state(corpus_dir, text_dir, tmp_path):
    from cafetalk.train.loop import load_optimizer

    cfg = tiny_config(text_dir, adapter=False)
    train(corpus_dir, tmp_path / "run", TrainConfig(stage=1, steps=2, batch=2, lr=1e-3, warmup=1), cfg)
    first = checkpoint.load(tmp_path / "run").state_dict()
    opt = torch.optim.AdamW(checkpoint.load(tmp_path / "run").parameters())
    load_optimizer(opt, tmp_path / "run")
    assert all(int(s["step"]) == 2 for s in opt.state_dict()["state"].values())  # AdamW moments came back
    last = train(corpus_dir, tmp_path / "run", TrainConfig(stage=1, steps=4, batch=2, lr=1e-3, warmup=1),
                 resume=tmp_path / "run")
    assert last["step"] == 4
    rows = (tmp_path / "run" / "losses.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in rows] == [1, 2, 3, 4]
    after = checkpoint.load(tmp_path / "run").state_dict()
    assert any(not torch.equal(first[k], after[k]) for k in first)
    assert (tmp_path / "run" / "losses.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="stage-1 run"):
        train(corpus_dir, tmp_path / "x", TrainConfig(stage=2, steps=5), resume=tmp_path / "run")


def test_stage1_init_trains_on_from_a_base_with_a_fresh_optimiser(corpus_dir, text_dir, tmp_path):
    cfg = tiny_config(text_dir, adapter=False)
    train(corpus_dir, tmp_path / "s1", TrainConfig(stage=1, steps=2, batch=2, lr=1e-3), cfg)
    train(corpus_dir, tmp_path / "s2", TrainConfig(stage=2, steps=1, batch=2, lr=1e-2), init=tmp_path / "s1")
    before = checkpoint.load(tmp_path / "s2")
    # stage-2 weights as a stage-1 init: their base goes on training, the adapter is dropped
    train(corpus_dir, tmp_path / "more", TrainConfig(stage=1, steps=0, batch=2), init=tmp_path / "s2")
    same = checkpoint.load(tmp_path / "more")
    assert same.adapter is None
    base = {k: v for k, v in before.state_dict().items() if not k.startswith("adapter.")}
    assert base.keys() == same.state_dict().keys()
    assert all(torch.equal(v, same.state_dict()[k]) for k, v in base.items())  # motion statistics included
    last = train(corpus_dir, tmp_path / "more", TrainConfig(stage=1, steps=3, batch=2, lr=1e-3, warmup=1),
                 init=tmp_path / "s2")
    assert last["step"] == 3
    trained = checkpoint.load(tmp_path / "more").state_dict()
    assert any(not torch.equal(v, trained[k]) for k, v in base.items() if not k.startswith("motion_"))
    assert all(torch.equal(trained[k], base[k]) for k in ("motion_mean", "motion_std"))  # kept, not re-measured


def test_cosine_schedule_warms_up_then_decays_to_a_tenth():
    from cafetalk.train.loop import lr_factor

    cosine = TrainConfig(steps=1100, warmup=100, schedule="cosine")
    assert lr_factor(50, cosine) == pytest.approx(0.5) and lr_factor(100, cosine) == pytest.approx(1.0)
    assert lr_factor(600, cosine) == pytest.approx(0.55) and lr_factor(1100, cosine) == pytest.approx(0.1)
    factors = [lr_factor(s, cosine) for s in range(100, 1101)]
    assert all(a >= b for a, b in zip(factors, factors[1:]))
    assert lr_factor(1100, TrainConfig(steps=1100, warmup=100)) == 1.0  # constant: the default
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        lr_factor(500, TrainConfig(steps=1100, schedule="linear"))


def test_ddp_two_cpu_processes_stay_identical(corpus_dir, tmp_path):
    """torchrun, 2 processes, gloo: each rank draws its own batches, DDP averages gradients, so the
    replicas must hold the same weights after every step (trainer.json records each rank's digest)."""
    out = tmp_path / "ddp"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = "1"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "cafetalk",
           "train", "--stage", "1", "--data", str(corpus_dir), "--out", str(out), "--preset", "tiny",
           "--audio", "mel", "--steps", "3", "--batch", "2", "--save-every", "2", "--lr", "1e-3"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    state = json.loads((out / "trainer.json").read_text())
    assert state["step"] == 3 and len(state["replicas"]) == 2
    assert state["replicas"][0] == state["replicas"][1]
    assert checkpoint.verify(out)


def test_ingredient_switches(corpus_dir, text_dir):
    """The ablations of docs/lip-sync.md: exact training phones without symbol noise, and no acoustic cues."""
    import numpy as np

    from cafetalk.audio import phonetic
    from cafetalk.data.performer import phone_class

    cfg = tiny_config(text_dir)
    cfg.audio.kind, cfg.audio.dim = "phonetic", phonetic.DIM
    corpus = Corpus(corpus_dir)
    clip = corpus[0]
    n = min(len(clip.motion), 50)
    exact = phonetic.frame_classes(clip.phones, n, phone_class)
    wave = clip.audio[: n * 640]
    plain = BatchMaker(corpus, cfg, seed=0, symbol_noise="none")._audio(clip, wave, 0, n)
    assert np.array_equal(plain[:, :phonetic.NUM_CLASSES], exact) and np.abs(plain[:, phonetic.NUM_CLASSES:]).sum() > 0
    noisy = [BatchMaker(corpus, cfg, seed=s)._audio(clip, wave, 0, n)[:, :phonetic.NUM_CLASSES] for s in range(3)]
    assert any(not np.allclose(x, exact) for x in noisy)
    cfg.audio.acoustic = False
    deaf = BatchMaker(corpus, cfg, seed=0).sample(2).audio
    assert deaf.shape[-1] == phonetic.DIM and (deaf[..., phonetic.NUM_CLASSES:] == 0).all()
    assert deaf[..., :phonetic.NUM_CLASSES].sum() > 0
    encoded, _ = phonetic.PhoneticEncoder(cfg.audio).encode_clip(clip.audio, n, phones=[("M", 0.0, 0.2)])
    assert (encoded[:, phonetic.NUM_CLASSES:] == 0).all() and encoded[:5, 1].sum() > 0
