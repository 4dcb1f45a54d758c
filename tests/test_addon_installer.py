"""The add-on's backend installer (bpy-free): steps, log, failure reasons, interpreter discovery."""
import sys
from pathlib import Path

from blender_addon.installer import Installer, find_backend_python, install_steps, venv_python


def test_steps_create_a_venv_and_install_torch_and_the_backend(tmp_path):
    steps = install_steps("/usr/bin/python3", tmp_path / "venv", Path("/addon/backend"))
    assert [c[1] for _, c in steps] == ["-m"] * 4
    assert steps[0][1] == ["/usr/bin/python3", "-m", "venv", str(tmp_path / "venv")]
    assert "torch==2.13.0" in steps[2][1] and steps[3][1][-1] == "/addon/backend"
    assert all(c[0] == str(venv_python(tmp_path / "venv")) for _, c in steps[1:])


def test_runs_steps_in_order_and_stops_at_a_failure(tmp_path):
    ok = [sys.executable, "-c", "print('step ok')"]
    bad = [sys.executable, "-c", "import sys; print('no space left'); sys.exit(4)"]
    done = Installer([("one", ok), ("two", ok)], tmp_path / "log.txt").start().wait(30)
    assert done.state == "done" and done.step == 2
    assert (tmp_path / "log.txt").read_text().count("\nstep ok\n") == 2  # each step's own output
    failed = Installer([("one", ok), ("two", bad), ("three", ok)], tmp_path / "log2.txt").start().wait(30)
    assert failed.state == "failed" and failed.step == 1 and "two failed (exit code 4)" in failed.reason
    assert "log2.txt" in failed.reason and "no space left" in (tmp_path / "log2.txt").read_text()
    missing = Installer([("one", ["/nonexistent/python", "-V"])], tmp_path / "log3.txt").start().wait(30)
    assert missing.state == "failed" and "cannot run" in missing.reason


def test_find_backend_python(tmp_path, monkeypatch):
    monkeypatch.delenv("CAFETALK_BACKEND_PYTHON", raising=False)
    assert find_backend_python("/my/python", None) == "/my/python"
    monkeypatch.setenv("CAFETALK_BACKEND_PYTHON", "/env/python")
    assert find_backend_python("", None) == "/env/python"
    monkeypatch.delenv("CAFETALK_BACKEND_PYTHON")
    venv = tmp_path / "venv"
    venv_python(venv).parent.mkdir(parents=True)
    venv_python(venv).write_text("")
    assert find_backend_python("", venv) == str(venv_python(venv))
