"""The appendix-E emotion classifier: shapes, masking, training, checkpoints, Acc / Div."""
import json
import shutil

import numpy as np
import pytest
import torch

from cafetalk import arkit
from cafetalk.errors import CafeTalkError
from cafetalk.evaluate import classifier as C

SMALL = C.ClassifierConfig(d_model=32, heads=8, ff=64, max_frames=40, dropout=0.0)


def small(seed=0, cfg=SMALL):
    torch.manual_seed(seed)
    return C.EmotionClassifier(cfg).eval()


def test_forward_and_feature_shapes():
    model = small()
    x = torch.rand(3, 40, 51)
    assert model(x).shape == (3, 8)
    assert model.features(x).shape == (3, 32)
    assert model(x[:, :7]).shape == (3, 8)  # any length up to max_frames
    with pytest.raises(ValueError, match="max_frames"):
        model(torch.rand(1, 41, 51))
    with pytest.raises(ValueError, match="51"):
        model(torch.rand(1, 10, 52))
    # the paper's size: d 128, 8 heads, one layer
    default = C.EmotionClassifier()
    assert default.cfg.d_model == 128 and default.cfg.heads == 8 and len(default.encoder) == 1
    assert default.cfg.labels == ("neutral", "angry", "contempt", "disgusted", "fear", "happy", "sad", "surprised")


def test_masked_frames_do_not_matter():
    model = small()
    x = torch.rand(2, 30, 51)
    mask = torch.ones(2, 30, dtype=torch.bool)
    mask[:, 20:] = False
    y = x.clone()
    y[:, 20:] = torch.rand(2, 10, 51) * 5  # garbage on the padding
    with torch.no_grad():
        masked_x, masked_y, cropped = model(x, mask), model(y, mask), model(x[:, :20])
        unmasked_y = model(y)
    assert torch.allclose(masked_x, masked_y, atol=1e-5)
    assert torch.allclose(masked_x, cropped, atol=1e-5)  # padding + mask == the shorter sequence
    assert not torch.allclose(masked_y, unmasked_y, atol=1e-3)


def test_a_few_steps_reduce_the_loss_on_a_tiny_corpus(corpus_dir):
    from cafetalk.data.corpus import Corpus

    corpus = Corpus(corpus_dir)
    motions = C.load_motions(corpus)
    assert all(m.shape[1] == 51 and m.dtype == np.float32 for m in motions)
    targets = np.array([SMALL.labels.index(c["emotion"]) for c in corpus.clips])
    pool = np.arange(len(motions))
    x, mask, y = C.sample_batch(motions, targets, pool, 16, SMALL.max_frames, np.random.default_rng(0), None)
    assert x.shape == (16, 40, 51) and mask.shape == (16, 40) and y.shape == (16,)
    assert bool(mask.any(1).all())
    x_aug, _, _ = C.sample_batch(motions, targets, pool, 16, SMALL.max_frames, np.random.default_rng(1),
                                 C.AugmentConfig())
    assert float(x_aug.min()) >= 0 and float(x_aug.max()) <= 1

    model = small()
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    with torch.no_grad():
        before = torch.nn.functional.cross_entropy(model(x, mask), y).item()
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(model(x, mask), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = torch.nn.functional.cross_entropy(model(x, mask), y).item()
    assert after < 0.5 * before


def test_train_writes_a_loadable_folder(corpus_dir, tmp_path):
    model, metrics = C.train(corpus_dir, tmp_path / "cls", steps=3, batch=4, eval_every=2, cfg=SMALL)
    assert metrics["steps"] == 3 and 0.0 <= metrics["test_acc"] <= 1.0
    assert sum(metrics["split"].values()) == metrics["clips"] - len(metrics["skipped_nonfinite"])
    files = json.loads((tmp_path / "cls" / "manifest.json").read_text())["files"]
    assert set(files) == {"model.safetensors", "config.json", "metrics.json", "README.md"}
    assert "train-classifier" in (tmp_path / "cls" / "README.md").read_text()
    again = C.load(tmp_path / "cls")
    x = torch.rand(2, 25, 51)
    with torch.no_grad():
        assert torch.equal(model.eval()(x), again(x))


def test_split_is_seeded_and_disjoint():
    a, b = C.split(200, seed=4), C.split(200, seed=4)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert [len(a[k]) for k in ("train", "val", "test")] == [140, 30, 30]
    assert len(set(np.concatenate(list(a.values())))) == 200
    assert not np.array_equal(C.split(200, seed=5)["test"], a["test"])


def test_save_load_round_trip_and_corruption_is_refused(tmp_path):
    model = small(3)
    folder = C.save(model, tmp_path / "ck")
    loaded = C.load(folder)
    assert loaded.cfg == model.cfg
    x = torch.rand(2, 33, 51)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    manifest = json.loads((folder / "manifest.json").read_text())["files"]
    assert set(manifest) == {"model.safetensors", "config.json"}

    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    data = bytearray((bad / "model.safetensors").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (bad / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(CafeTalkError, match="corrupt"):
        C.load(bad)

    edited = tmp_path / "edited"
    shutil.copytree(folder, edited)
    (edited / "config.json").write_text((edited / "config.json").read_text().replace('"d_model": 32', '"d_model": 64'))
    with pytest.raises(CafeTalkError, match="corrupt"):
        C.load(edited)
    (edited / "manifest.json").unlink()
    with pytest.raises(CafeTalkError, match="manifest"):
        C.load(edited)


def _toy(n_per_class=6, T=30, seed=0):
    """Separable toy motion: class c lifts channel c of the 51 to 0.9 (the rest near 0.1)."""
    rng = np.random.default_rng(seed)
    motions, labels = [], []
    for c, name in enumerate(SMALL.labels):
        for _ in range(n_per_class):
            m = 0.1 + 0.02 * rng.standard_normal((T, 51)).astype(np.float32)
            m[:, c] = 0.9
            motions.append(m)
            labels.append(name)
    return motions, labels


def _perfect_toy_classifier():
    """A classifier whose head reads the frame MLP's copy of channels 0..7: exact on the toy data."""
    model = small()
    d = SMALL.d_model
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        lin1, lin2 = model.embed[0], model.embed[2]
        lin1.weight[:8, :8] = torch.eye(8) * 10  # GELU(10 * x) ~ 10 x for x > 0
        lin2.weight[:8, :8] = torch.eye(8)
        layer = model.encoder[0]
        # attention: uniform (zero q/k), value = identity on the first 8 dims -> the cls token gets the frame mean
        layer.self_attn.in_proj_weight[2 * d:2 * d + 8, :8] = torch.eye(8)
        layer.self_attn.out_proj.weight[:8, :8] = torch.eye(8)
        layer.norm1.weight.fill_(1.0)
        layer.norm2.weight.fill_(1.0)
        model.norm.weight.fill_(1.0)
        model.head.weight[:, :8] = torch.eye(8)
    return model.eval()


def test_accuracy_and_diversity_on_separable_toy_data():
    model = _perfect_toy_classifier()
    motions, labels = _toy()
    r = C.accuracy_and_diversity(model, motions, labels)
    assert r["acc"] == 1.0
    assert all(v == 1.0 for v in r["per_class"].values())
    assert np.array_equal(np.array(r["confusion"]), np.eye(8) * 6)
    assert r["predicted"] == labels and r["div"] > 0

    # (T, 52) input is reduced to the 51 predicted channels; long inputs are scored by windows
    full = [np.insert(m, arkit.INDEX["tongueOut"], 0.0, axis=1) for m in motions]
    assert C.accuracy_and_diversity(model, full, labels)["acc"] == 1.0
    long = [np.concatenate([m] * 5) for m in motions]  # 150 frames > max_frames 40
    assert C.accuracy_and_diversity(model, long, labels)["acc"] == 1.0

    # all predicted 'neutral' -> acc 1/8, neutral's row of the confusion matrix complete
    wrong = C.accuracy_and_diversity(model, motions, ["neutral"] * len(motions))
    assert wrong["acc"] == pytest.approx(1 / 8)
    assert wrong["per_class"]["angry"] is None and wrong["per_class"]["neutral"] == pytest.approx(1 / 8)


def test_identical_inputs_have_zero_diversity():
    model = small(1)
    m = np.random.default_rng(0).random((60, 52)).astype(np.float32)
    r = C.accuracy_and_diversity(model, [m] * 5, ["happy"] * 5)
    assert r["div"] == pytest.approx(0.0, abs=1e-6)
    assert len(set(r["predicted"])) == 1
    different = [np.random.default_rng(i).random((60, 52)).astype(np.float32) for i in range(5)]
    assert C.accuracy_and_diversity(model, different, ["happy"] * 5)["div"] > 1e-3


def test_bad_inputs_are_reported():
    model = small()
    with pytest.raises(ValueError, match="unknown emotion"):
        C.accuracy_and_diversity(model, [np.zeros((10, 52))], ["bored"])
    with pytest.raises(ValueError, match="labels"):
        C.accuracy_and_diversity(model, [np.zeros((10, 52))], [])
    with pytest.raises(ValueError, match=r"\(T, 52\)"):
        C.accuracy_and_diversity(model, [np.zeros((10, 50))], ["happy"])


def test_windows_cover_the_sequence():
    assert C._windows(30, 100) == [(0, 30)]
    w = C._windows(230, 100)
    assert w[0] == (0, 100) and w[-1] == (130, 230)
    assert all(b - a == 100 for a, b in w)
