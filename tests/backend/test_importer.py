import json

import numpy as np
import pytest
import soundfile as sf

from cafetalk import arkit
from cafetalk.animation import Animation
from cafetalk.cli import main
from cafetalk.data.corpus import Corpus
from tests.conftest import speech_like


@pytest.fixture()
def take(tmp_path):
    """A 60 fps Live Link CSV written by our own exporter, and its 3 s WAV."""
    t = np.arange(180) / 60
    bs = np.zeros((180, 52), dtype=np.float32)
    bs[:, arkit.INDEX["jawOpen"]] = 0.3 + 0.2 * np.sin(2 * np.pi * 2 * t)
    bs[60:120, arkit.INDEX["mouthSmileLeft"]] = bs[60:120, arkit.INDEX["mouthSmileRight"]] = 0.8
    Animation(bs, 60.0).save(tmp_path / "take.csv")
    sf.write(tmp_path / "take.wav", speech_like(3.0), 16000)
    return tmp_path / "take.csv", tmp_path / "take.wav", bs


def test_import_round_trip(take, tmp_path):
    csv_path, wav, bs = take
    out = tmp_path / "corpus"
    assert main(["data", "import-livelink", str(csv_path), str(wav), "--out", str(out), "--emotion", "happy",
                 "--intensity", "2"]) == 0
    assert main(["data", "import-livelink", str(csv_path), str(wav), "--out", str(out)]) == 0
    c = Corpus(out)
    assert len(c) == 2 and c[0].meta["emotion"] == "happy" and c[1].meta["emotion"] == "neutral"
    clip = c[0]
    assert clip.motion.shape == (75, 52)
    expected = Animation(bs, 60.0).resample(25).blendshapes
    assert np.allclose(clip.motion, expected, atol=2e-3)  # float16 storage
    smiles = [t for t in clip.triplets if "AU12" in t.aus]
    assert len(smiles) == 1 and abs(smiles[0].start - 1.0) <= 0.12 and abs(smiles[0].end - 2.0) <= 0.12
    assert json.loads((out / "manifest.json").read_text())["hours"] > 0


def test_import_errors(take, tmp_path, capsys):
    csv_path, wav, _ = take
    bad = tmp_path / "bad.csv"
    lines = csv_path.read_text().splitlines()
    bad.write_text("\n".join([lines[0], lines[1], lines[2].replace("0.", "x.", 1)]))
    assert main(["data", "import-livelink", str(bad), str(wav), "--out", str(tmp_path / "c")]) == 2
    assert "row 3" in capsys.readouterr().err
    header_only = tmp_path / "cols.csv"
    header_only.write_text("Timecode,BlendShapeCount,EyeBlinkLeft\n00:00:00:00.000,61,0\n")
    assert main(["data", "import-livelink", str(header_only), str(wav), "--out", str(tmp_path / "c")]) == 2
    assert "missing column(s)" in capsys.readouterr().err
    sf.write(tmp_path / "long.wav", speech_like(6.0), 16000)
    assert main(["data", "import-livelink", str(csv_path), str(tmp_path / "long.wav"), "--out", str(tmp_path / "c")]) == 2
    assert "same take" in capsys.readouterr().err
    assert main(["data", "import-livelink", str(csv_path), str(wav), "--out", str(tmp_path / "c"), "--emotion",
                 "bored"]) == 2
    assert not (tmp_path / "c" / "manifest.json").exists()
