"""The add-on's backend job (bpy-free) against the real backend and against broken fake ones."""
import sys
import textwrap
import time

import pytest

from blender_addon.backend_job import PROTOCOL_VERSION, Backend, serve_command
from cafetalk import protocol


def test_protocol_versions_match():
    assert PROTOCOL_VERSION == protocol.VERSION


@pytest.fixture()
def real(weights_dir):
    b = Backend(serve_command(sys.executable, str(weights_dir), "cpu"))
    b.start()
    yield b
    b.stop()


def test_hello(real, tmp_path):
    hello = real.hello(timeout=60)
    assert hello["protocol"] == PROTOCOL_VERSION and hello["device"] == "cpu"
    broken = Backend(serve_command(sys.executable, str(tmp_path / "no-weights"), "cpu"))
    broken.start()
    with pytest.raises(RuntimeError, match="weights folder not found"):
        broken.hello(timeout=60)
    broken.stop()


def test_generate_and_cancel_with_the_real_backend(real, speech_wav, tmp_path):
    gen = real.generate({"audio": str(speech_wav), "out": str(tmp_path / "a.npz"), "emotion": "happy",
                         "controls": [{"aus": ["AU12"], "start": 0.5, "end": 1.5}], "steps": 3})
    seen = []
    state = gen.wait(timeout=120, on_progress=lambda s: seen.append(s.fraction))
    assert state.state == "done", state.reason
    assert state.result["frames"] == 75 and (tmp_path / "a.npz").exists()
    slow = real.generate({"audio": str(speech_wav), "out": str(tmp_path / "b.npz"), "steps": 1000})
    while slow.poll().fraction == 0.0 and slow.status.state == "running":
        time.sleep(0.01)
    slow.cancel()
    assert slow.wait(timeout=60).state == "cancelled" and not (tmp_path / "b.npz").exists()
    bad = real.generate({"audio": str(tmp_path / "missing.wav"), "out": str(tmp_path / "c.npz")})
    state = bad.wait(timeout=60)
    assert state.state == "failed" and "not found" in state.reason


def fake(tmp_path, body):
    script = tmp_path / "fake_backend.py"
    script.write_text(textwrap.dedent(body))
    b = Backend([sys.executable, str(script)])
    b.start()
    return b


def test_crashed_backend_is_reported(tmp_path):
    b = fake(tmp_path, """
        import sys
        sys.stdin.readline()
        print("Traceback: boom", file=sys.stderr, flush=True)
        sys.exit(3)
    """)
    state = b.generate({"audio": "a.wav", "out": "o.npz"}).wait(timeout=20)
    assert state.state == "failed" and "exit code 3" in state.reason and "boom" in state.reason


def test_garbage_output_is_reported(tmp_path):
    b = fake(tmp_path, """
        import sys
        sys.stdin.readline()
        print("Loading weights... 100%", flush=True)
        sys.stdin.readline()
    """)
    state = b.generate({"audio": "a.wav", "out": "o.npz"}).wait(timeout=20)
    assert state.state == "failed" and "not the protocol" in state.reason
    b.stop()
    assert not b.alive


def test_missing_interpreter():
    with pytest.raises(RuntimeError, match="cannot start the backend"):
        Backend(["/nonexistent/python", "-m", "cafetalk"]).start()
