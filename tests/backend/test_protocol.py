import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cafetalk import protocol


def test_parse_generate_and_controls():
    line = json.dumps({"v": 1, "type": "generate", "id": "r1", "audio": "a.wav", "out": "o.npz",
                       "controls": ["AU12@1-2", {"aus": ["AU01", "AU02"], "start": 2.5, "end": 3, "beta": 1.5},
                                    {"text": "a smirk", "start": 1, "end": 2}],
                       "transcript": "go forward", "seal_lips": False, "recognizer": "words",
                       "cfg_mask": "frames", "cfg_reference": "coarse"})
    kind, req = protocol.parse_request(line)
    assert kind == "generate" and req.id == "r1" and req.transcript == "go forward" and req.seal_lips is False
    assert req.recognizer == "words" and req.cfg_mask == "frames" and req.cfg_reference == "coarse"
    assert req.controls == ["AU12@1-2", "AU01+AU02@2.5-3*1.5", "text:a smirk@1-2"]
    assert protocol.parse_request(protocol.request_line(req)) == ("generate", req)


@pytest.mark.parametrize("line,needle", [
    ("garbage", "not JSON"),
    ("[1, 2]", "JSON object"),
    ('{"v": 2, "type": "hello"}', "version"),
    ('{"v": 1, "type": "dance"}', "unknown request type"),
    ('{"v": 1, "type": "cancel"}', "needs the 'id'"),
    ('{"v": 1, "type": "generate", "id": "x", "audio": "a.wav"}', "needs 'out'"),
    ('{"v": 1, "type": "generate", "id": "x", "audio": "a", "out": "o", "steps": "ten"}', "wrong type"),
    ('{"v": 1, "type": "generate", "id": "x", "audio": "a", "out": "o", "steps": true}', "wrong type"),
    ('{"v": 1, "type": "generate", "id": "x", "audio": "a", "out": "o", "seal_lips": 1}', "wrong type"),
    ('{"v": 1, "type": "generate", "id": "x", "audio": "a", "out": "o", "colour": 1}', "unknown field"),
    ('{"v": 1, "type": "generate", "id": "x", "audio": "a", "out": "o", "controls": [{"aus": 1}]}', "control"),
])
def test_parse_errors(line, needle):
    with pytest.raises(protocol.ProtocolError, match=needle):
        protocol.parse_request(line)


def test_protocol_module_does_not_import_torch():
    code = "import sys, cafetalk.protocol; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


class Backend:
    def __init__(self, weights):
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "backend")
        self.p = subprocess.Popen([sys.executable, "-m", "cafetalk", "serve", "--stdio", "--weights", str(weights),
                                   "--device", "cpu"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, bufsize=1, env=env)

    def send(self, obj):
        self.p.stdin.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n")
        self.p.stdin.flush()

    def read(self):
        line = self.p.stdout.readline()
        assert line, "backend closed stdout"
        return json.loads(line)

    def until(self, kind):
        while True:
            msg = self.read()
            if msg["type"] == kind:
                return msg
            assert msg["type"] == "progress", msg


def test_serve_stdio_session(weights_dir, speech_wav, tmp_path):
    b = Backend(weights_dir)
    try:
        b.send({"v": 1, "type": "hello"})
        hello = b.read()
        assert hello["type"] == "hello" and hello["protocol"] == 1 and hello["device"] == "cpu"

        b.send("this is not json")
        err = b.read()
        assert err["type"] == "error" and "not JSON" in err["reason"]

        req = {"v": 1, "type": "generate", "id": "r1", "audio": str(speech_wav), "out": str(tmp_path / "r1.npz"),
               "emotion": "happy", "controls": [{"aus": ["AU12"], "start": 0.5, "end": 1.5}], "steps": 3}
        b.send(req)
        progress = b.read()
        assert progress["type"] == "progress" and progress["id"] == "r1"
        result = b.until("result")
        assert result["id"] == "r1" and result["frames"] == 75
        with np.load(result["path"]) as z:
            assert z["blendshapes"].shape == (75, 52)

        # a bad request gets an error and the server keeps serving
        b.send({**req, "id": "r2", "audio": str(tmp_path / "missing.wav")})
        err = b.until("error")
        assert err["id"] == "r2" and "not found" in err["reason"]

        # cancel while generating: many steps, cancel sent right after
        b.send({**req, "id": "r3", "steps": 1000, "out": str(tmp_path / "r3.npz")})
        b.read()  # first progress: it is running
        b.send({"v": 1, "type": "cancel", "id": "r3"})
        t0 = time.time()
        assert b.until("cancelled")["id"] == "r3"
        assert time.time() - t0 < 20 and not (tmp_path / "r3.npz").exists()

        b.send({"v": 1, "type": "shutdown"})
        assert b.p.wait(timeout=20) == 0
    finally:
        if b.p.poll() is None:
            b.p.kill()
