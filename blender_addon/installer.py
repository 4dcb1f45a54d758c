"""Installing the backend from inside Blender (bpy-free): a virtual environment with torch and the
bundled `cafetalk` package, run step by step in the background with a log and progress.

Blender's own Python can create virtual environments (it ships the standard library), so the steps
are: `python -m venv DIR`, upgrade pip, `pip install torch==2.13.0` (the pin the project tests;
PyPI gives the CUDA build on Linux/Windows with an NVIDIA GPU, MPS-capable on Apple silicon), then
`pip install BUNDLED_BACKEND`. Each step's output goes to the log; a failed step stops the job and its
reason points at the log.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

TORCH = "torch==2.13.0"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def install_steps(base_python: str, venv: Path, backend_src: Path) -> list[tuple[str, list[str]]]:
    py = str(venv_python(venv))
    return [
        ("creating the virtual environment", [base_python, "-m", "venv", str(venv)]),
        ("upgrading pip", [py, "-m", "pip", "install", "--upgrade", "pip"]),
        ("installing PyTorch (large download)", [py, "-m", "pip", "install", TORCH]),
        ("installing the Cafe-Talk backend", [py, "-m", "pip", "install", str(backend_src)]),
    ]


def find_backend_python(configured: str, venv: Path | None) -> str | None:
    """The configured interpreter, else $CAFETALK_BACKEND_PYTHON, else the add-on's own venv, else the
    interpreter behind a `cafetalk` command on PATH."""
    for candidate in (configured, os.environ.get("CAFETALK_BACKEND_PYTHON", "")):
        if candidate:
            return candidate
    if venv is not None and venv_python(venv).exists():
        return str(venv_python(venv))
    script = shutil.which("cafetalk")
    if script:
        try:
            first = Path(script).read_text(errors="replace").splitlines()[0]
        except (OSError, IndexError):
            return None
        if first.startswith("#!") and Path(first[2:].strip()).exists():
            return first[2:].strip()
    return None


@dataclass
class InstallState:
    state: str = "running"  # running, done, failed
    step: int = 0
    total: int = 0
    message: str = ""
    reason: str = ""


class Installer:
    """Runs the steps one after another on a thread; `poll()` is safe to call from a timer."""

    def __init__(self, steps: list[tuple[str, list[str]]], log_path: Path):
        self.steps, self.log_path = steps, Path(log_path)
        self.status = InstallState(total=len(steps), message=steps[0][0] if steps else "")
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Installer":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def _run(self) -> None:
        s = self.status
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        with open(self.log_path, "w") as log:
            for i, (label, cmd) in enumerate(self.steps):
                s.step, s.message = i, label
                log.write(f"$ {' '.join(cmd)}\n")
                log.flush()
                try:
                    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
                except OSError as exc:
                    s.state, s.reason = "failed", f"{label}: cannot run {cmd[0]} ({exc.strerror}); log: {self.log_path}"
                    return
                while proc.poll() is None:
                    if self._cancel.wait(0.2):
                        proc.kill()
                        s.state, s.reason = "failed", f"cancelled while {label}"
                        return
                if proc.returncode != 0:
                    s.state, s.reason = "failed", f"{label} failed (exit code {proc.returncode}); see {self.log_path}"
                    return
        s.step, s.state, s.message = len(self.steps), "done", "backend installed"

    def poll(self) -> InstallState:
        return self.status

    def wait(self, timeout: float | None = None) -> InstallState:
        self._thread.join(timeout)
        return self.status
