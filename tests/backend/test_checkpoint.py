import copy
import json
import shutil

import pytest
import torch

from cafetalk import checkpoint
from cafetalk.errors import CafeTalkError
from tests.backend.test_model import conditions


def _copy(weights_dir, tmp_path):
    dst = tmp_path / "ckpt"
    shutil.copytree(weights_dir, dst)
    return dst


def test_round_trip_rebuilds_identical_model(weights_dir, tiny_model):
    model = checkpoint.load(weights_dir)
    assert model.cfg == tiny_model.cfg
    x, t, c = torch.randn(1, 40, 51), torch.tensor([42]), conditions(batch=1)
    with torch.no_grad():
        assert torch.equal(model(x, t, c), tiny_model(x, t, c))


def test_base_and_adapter_are_stored_apart(tiny_model, tmp_path):
    """Stage-2 weights: the base in model.safetensors, the adapter in adapter.safetensors, both in the
    manifest; a later save without an adapter into the same folder leaves no stale adapter behind."""
    from safetensors import safe_open

    assert tiny_model.adapter is not None
    checkpoint.save(tiny_model, tmp_path / "w")
    with safe_open(str(tmp_path / "w" / checkpoint.WEIGHTS), "pt") as f:
        assert f.keys() and not any(k.startswith("adapter.") for k in f.keys())
    with safe_open(str(tmp_path / "w" / checkpoint.ADAPTER), "pt") as f:
        assert f.keys() and all(k.startswith("adapter.") for k in f.keys())
    assert checkpoint.ADAPTER in json.loads((tmp_path / "w" / checkpoint.MANIFEST).read_text())["files"]
    loaded = checkpoint.load(tmp_path / "w")
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in tiny_model.state_dict().items())
    (tmp_path / "w" / checkpoint.ADAPTER).write_bytes(b"")  # a lost adapter is named
    with pytest.raises(CafeTalkError, match="adapter.safetensors is corrupt"):
        checkpoint.load(tmp_path / "w")
    cfg = copy.deepcopy(tiny_model.cfg)
    cfg.model.adapter = False
    checkpoint.save(type(tiny_model)(cfg), tmp_path / "w")
    assert not (tmp_path / "w" / checkpoint.ADAPTER).exists() and checkpoint.load(tmp_path / "w").adapter is None


def test_corrupt_weights_are_refused(weights_dir, tmp_path):
    ck = _copy(weights_dir, tmp_path)
    data = bytearray((ck / checkpoint.WEIGHTS).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (ck / checkpoint.WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(CafeTalkError, match="corrupt"):
        checkpoint.load(ck)


def test_truncated_and_missing_files(weights_dir, tmp_path):
    ck = _copy(weights_dir, tmp_path)
    (ck / checkpoint.WEIGHTS).write_bytes((ck / checkpoint.WEIGHTS).read_bytes()[:100])
    with pytest.raises(CafeTalkError, match="corrupt"):
        checkpoint.load(ck)
    (ck / checkpoint.WEIGHTS).unlink()
    with pytest.raises(CafeTalkError, match="missing"):
        checkpoint.load(ck)
    with pytest.raises(CafeTalkError, match="not found"):
        checkpoint.load(tmp_path / "nowhere")
    (ck / checkpoint.MANIFEST).unlink()
    with pytest.raises(CafeTalkError, match="manifest"):
        checkpoint.load(ck)


def _rewrite_config(ck, edit):
    cfg = json.loads((ck / checkpoint.CONFIG).read_text())
    edit(cfg)
    (ck / checkpoint.CONFIG).write_text(json.dumps(cfg))
    manifest = json.loads((ck / checkpoint.MANIFEST).read_text())
    manifest["files"][checkpoint.CONFIG] = checkpoint.sha256(ck / checkpoint.CONFIG)
    (ck / checkpoint.MANIFEST).write_text(json.dumps(manifest))


def test_mismatched_config_is_refused(weights_dir, tmp_path):
    ck = _copy(weights_dir, tmp_path)
    _rewrite_config(ck, lambda c: c["model"].update(d_model=64))
    with pytest.raises(CafeTalkError, match="does not match its config"):
        checkpoint.load(ck)
    _rewrite_config(ck, lambda c: c["model"].update(d_model=32, adapter=False))
    with pytest.raises(CafeTalkError, match="unexpected"):
        checkpoint.load(ck)
    _rewrite_config(ck, lambda c: c["model"].update(adapter=True, depth=3))
    with pytest.raises(CafeTalkError, match="unknown keys"):
        checkpoint.load(ck)


def test_export_half_keeps_the_model(weights_dir, tmp_path):
    from cafetalk.cli import main

    assert main(["checkpoint", "export", str(weights_dir), "--out", str(tmp_path / "h"), "--half",
                 "--notes", "shipped", "--guidance-mask", "opposing", "--guidance-reference", "coarse"]) == 0
    full, half = checkpoint.load(weights_dir), checkpoint.load(tmp_path / "h")
    assert half.cfg.notes == "shipped" and half.cfg.guidance.mask == "opposing"
    assert half.cfg.guidance.reference == "coarse"
    # the paper's Eq. 7 unless the weights say otherwise
    assert full.cfg.guidance.mask == "frames" and full.cfg.guidance.reference == "null"
    assert (tmp_path / "h" / "model.safetensors").stat().st_size < 0.7 * (weights_dir / "model.safetensors").stat().st_size
    for (name, a), b in zip(full.state_dict().items(), half.state_dict().values()):
        assert b.dtype == a.dtype and torch.allclose(a, b, atol=2e-3 * (1 + a.abs().max())), name
    assert torch.equal(full.motion_mean, half.motion_mean)  # buffers keep full precision
