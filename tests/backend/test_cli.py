import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from cafetalk import arkit
from cafetalk.animation import Animation
from cafetalk.cli import main


def run(*args):
    return main([str(a) for a in args])


def test_formats_round_trip(weights_dir, speech_wav, tmp_path):
    common = ["--weights", weights_dir, "--steps", "3", "--seed", "5", "--emotion", "angry",
              "--control", "AU04@0.2-1.0", "--control", "L12@40f-60f*2"]
    for ext in ("npz", "csv", "json"):
        assert run("generate", speech_wav, "-o", tmp_path / f"out.{ext}", *common) == 0

    with np.load(tmp_path / "out.npz") as z:
        assert set(z.files) >= {"blendshapes", "names", "fps", "controls", "settings"}
        bs = z["blendshapes"]
        assert bs.shape == (75, 52) and bs.dtype == np.float32
        assert tuple(z["names"]) == arkit.NAMES and float(z["fps"]) == 25
        assert list(z["controls"]) == ["AU04@0.2-1", "L12@1.6-2.4*2"]
        assert json.loads(str(z["settings"]))["emotion"] == "angry"

    with open(tmp_path / "out.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == arkit.LIVELINK_COLUMNS
    assert rows[1][0] == "00:00:00:00.000" and rows[2][0] == "00:00:00:01.000" and rows[1][1] == "61"
    assert rows[26][0] == "00:00:01:00.000" and len(rows) == 76

    from_csv = Animation.load(tmp_path / "out.csv", csv_fps=25)
    from_json = Animation.load(tmp_path / "out.json")
    assert np.allclose(from_csv.blendshapes, bs, atol=1e-6)
    assert np.allclose(from_json.blendshapes, bs, atol=1e-6)
    assert Animation.load(tmp_path / "out.csv").fps == pytest.approx(25)  # inferred from timecodes


def test_fps_and_plot(weights_dir, speech_wav, tmp_path):
    assert run("generate", speech_wav, "-o", tmp_path / "a.npz", "--weights", weights_dir, "--steps", "2",
               "--fps", "60", "--plot", tmp_path / "a.png", "--control", "AU45@1-1.2") == 0
    anim = Animation.load(tmp_path / "a.npz")
    assert anim.fps == 60 and anim.num_frames == 180
    png = (tmp_path / "a.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


@pytest.mark.parametrize("audio_bytes,extra,needle", [
    (b"", [], "empty"),
    (b"this is not audio at all" * 40, [], "cannot read"),
    (None, ["--intensity", "3"], "intensity"),
    (None, ["--control", "AU12@2-1"], "inverted"),
    (None, ["--control", "text:a sarcastic smirk@1-2"], "text-to-AU detector"),
    (None, ["--fps", "0"], "fps 0 is outside"),
])
def test_bad_input_exits_nonzero_and_writes_nothing(weights_dir, speech_wav, tmp_path, capsys, monkeypatch,
                                                    audio_bytes, extra, needle):
    monkeypatch.setenv("CAFETALK_DETECTOR", str(tmp_path / "no-detector"))  # text controls: no detector here
    audio = speech_wav
    if audio_bytes is not None:
        audio = tmp_path / "bad.wav"
        audio.write_bytes(audio_bytes)
    out = tmp_path / "out.csv"
    assert run("generate", audio, "-o", out, "--weights", weights_dir, "--steps", "1", *extra) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") <= 3 and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".out.csv.tmp*"))


def test_bad_output_extension_and_missing_weights(weights_dir, speech_wav, tmp_path, capsys):
    assert run("generate", speech_wav, "-o", tmp_path / "out.mp4", "--weights", weights_dir) == 2
    assert ".npz, .csv or .json" in capsys.readouterr().err
    assert run("generate", speech_wav, "-o", tmp_path / "o.npz", "--weights", tmp_path / "none") == 2
    assert "weights folder not found" in capsys.readouterr().err


def test_checkpoint_commands(tmp_path):
    assert run("checkpoint", "new", "--preset", "tiny", "--adapter", "--out", tmp_path / "ck") == 0
    assert run("checkpoint", "verify", tmp_path / "ck") == 0
    (tmp_path / "ck" / "config.json").write_text("{}")
    assert run("checkpoint", "verify", tmp_path / "ck") == 2


def test_console_entry_point_runs(tmp_path):
    """The installed module runs as a program and exits 2 with a one-line reason on bad input."""
    r = subprocess.run([sys.executable, "-m", "cafetalk", "generate", str(tmp_path / "nope.wav"), "-o",
                        str(tmp_path / "x.npz"), "--weights", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith("cafetalk: error:")
