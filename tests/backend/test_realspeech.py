import json

import numpy as np
import pytest

from cafetalk.cli import DEMO_CLIP, main
from cafetalk.data.realspeech import ARPABET_CLASS, force_align
from cafetalk.errors import CafeTalkError

pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def goforward():
    """The first recording of the bundled demo clip: 'go forward ten meters' (pocketsphinx test data)."""
    import soundfile as sf

    samples, rate = sf.read(DEMO_CLIP, dtype="float32")
    return samples[: int(2.78625 * rate)]


def test_force_align(goforward):
    phones = force_align(goforward, "go forward ten meters")
    names = [p for p, _, _ in phones if p != "SIL"]
    assert names == ["G", "OW", "F", "AO", "R", "W", "ER", "D", "T", "EH", "N", "M", "IY", "T", "ER", "Z"]
    assert all(a[2] <= b[1] + 1e-6 for a, b in zip(phones, phones[1:]))  # ordered, no overlap
    m = next(p for p in phones if p[0] == "M")
    assert 1.3 < m[1] < 1.8 and m[2] - m[1] >= 0.03
    assert all(p in ARPABET_CLASS for p, _, _ in phones)
    with pytest.raises(CafeTalkError, match="not in the pronouncing dictionary"):
        force_align(goforward, "go forward zxqv meters")


def test_build_skips_held_out_recordings(goforward, tmp_path):
    src = tmp_path / "data"
    (src / "librivox").mkdir(parents=True)
    (src / "librivox" / "decoy.wav").write_bytes(b"never read")
    (np.clip(goforward, -1, 1) * 32767).astype("<i2").tofile(src / "goforward.raw")
    assert main(["data", "real-speech", "--out", str(tmp_path / "out"), "--source", str(src)]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [c["id"] for c in manifest["clips"]] == ["goforward"] and manifest["clips"][0]["bilabials"] == 1
    assert "librivox" not in json.dumps(manifest)
    assert main(["data", "real-speech", "--out", str(tmp_path / "o2"), "--source", str(tmp_path / "empty")]) == 2
