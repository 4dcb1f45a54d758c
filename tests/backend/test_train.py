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
