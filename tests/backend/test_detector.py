import json

import pytest
import torch

from cafetalk.detector.detect import REPO_DETECTOR, Detection, TextAUDetector
from cafetalk.detector.model import AUDetector, DetectorConfig, labels_for, units_to_codes
from cafetalk.detector.train import PROBES, probe_ok, train
from cafetalk.errors import CafeTalkError
from cafetalk.model.config import TextConfig
from cafetalk.pipeline import parse_controls


@pytest.fixture(scope="module")
def tiny_detector(tmp_path_factory, text_dir):
    out = tmp_path_factory.mktemp("detector")
    metrics = train(out, TextConfig(path=str(text_dir), dim=16), epochs=2)
    return out, metrics


def test_training_writes_a_verified_checkpoint_and_metrics(tiny_detector):
    folder, metrics = tiny_detector
    assert {"test_f1", "train_f1", "probes", "probes_ok", "test_descriptions"} <= set(metrics)
    assert metrics["test_descriptions"] > 30 and 0 <= metrics["test_f1"] <= 1 and len(metrics["probes"]) == len(PROBES)
    det = TextAUDetector.load(folder)
    found = det.detect("A person is smiling")
    data = json.loads(found.to_json())
    assert set(data["probabilities"]) >= {"AU01", "L12", "R12", "L45"} and isinstance(data["aus"], list)
    with pytest.raises(CafeTalkError, match="describe the expression"):
        det.detect("   ")
    (folder / "model.safetensors").write_bytes(b"x" + (folder / "model.safetensors").read_bytes()[1:])
    with pytest.raises(CafeTalkError, match="corrupt"):
        TextAUDetector.load(folder)


def test_infonce_term_and_its_ablation():
    torch.manual_seed(0)
    f, g = torch.randn(8, 16), torch.randn(8, 16)
    y = torch.stack([labels_for(("AU12",)), labels_for(("AU04",))] * 4)
    with_nce = AUDetector(DetectorConfig(text_dim=16))
    loss, parts = with_nce.loss(f, g, y)
    assert "infonce" in parts and loss > parts["bce"]
    loss, parts = AUDetector(DetectorConfig(text_dim=16, infonce_weight=0)).loss(f, g, y)
    assert "infonce" not in parts and float(loss.detach()) == pytest.approx(parts["bce"], rel=1e-5)


def test_unit_codes():
    assert units_to_codes(["L12", "R12", "L45", "AU01"]) == ["AU12", "L45", "AU01"]
    assert probe_ok(["AU12", "AU06"], ("AU12",), "smiling") and not probe_ok(["AU06"], ("AU12",), "smiling")
    assert probe_ok(["L02"], (), "one eyebrow") and not probe_ok(["AU02"], (), "one eyebrow")


def test_text_controls_in_generate_requests():
    said = Detection("a smirk", ["L12"], {}, 0.9)
    nothing = Detection("qwerty", [], {}, 0.1, "the description is unlike any facial expression")
    assert [str(t) for t in parse_controls(["text:a smirk@1-2*2"], lambda d: said)] == ["L12@1-2*2"]
    with pytest.raises(CafeTalkError, match="no AU detected in 'qwerty'"):
        parse_controls(["text:qwerty@1-2"], lambda d: nothing)
    with pytest.raises(CafeTalkError, match="START-END"):
        parse_controls(["text:a smirk"], lambda d: said)
    with pytest.raises(CafeTalkError, match="not available"):
        parse_controls(["text:a smirk@1-2"])


@pytest.mark.skipif(not (REPO_DETECTOR / "manifest.json").exists(), reason="no shipped detector")
def test_shipped_detector_answers_the_papers_probes():
    det = TextAUDetector.load()
    paper = PROBES[:6]  # Table 9
    ok = sum(probe_ok(det.detect(text).aus, expected, text) for text, expected in paper)
    assert ok >= 5, "the shipped detector lost the Table 9 probes"
    assert det.detect("asdfgh qwerty zxcv").aus == []  # gibberish: no AU, not random ones
