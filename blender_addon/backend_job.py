"""The backend process, seen from Blender (bpy-free, tested outside Blender).

`Backend` starts `python -m cafetalk serve --stdio` in the backend's own interpreter (never Blender's:
torch must not load into Blender), with PYTHONPATH/PYTHONHOME stripped from its environment. Daemon
threads drain stdout and stderr into queues (an unread pipe can block the child), so the UI thread
only ever calls the non-blocking `poll()`, from a modal timer in Blender or a loop in background mode.
The JSON-lines protocol mirrors backend/cafetalk/protocol.py (version checked by the tests).
"""
from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field

PROTOCOL_VERSION = 1


@dataclass
class JobState:
    """What the UI shows: state is running, done, failed or cancelled."""

    state: str = "running"
    fraction: float = 0.0
    message: str = "starting the backend"
    result: dict = field(default_factory=dict)  # the backend's result message (path, frames, fps, ...)
    reason: str = ""


def serve_command(python: str, weights: str | None = None, device: str = "auto") -> list[str]:
    """The command line of the backend server in interpreter `python`."""
    cmd = [python, "-m", "cafetalk", "serve", "--stdio", "--device", device]
    return cmd + (["--weights", weights] if weights else [])


class Backend:
    def __init__(self, command: list[str], env: dict[str, str] | None = None):
        self.cmd = list(command)
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.stderr: deque = deque(maxlen=30)
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ process
    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, bufsize=1, env=env)
        except OSError as exc:
            raise RuntimeError(f"cannot start the backend ({self.cmd[0]}): {exc.strerror}. Set the backend "
                               "Python in the add-on preferences, or press Install backend") from None
        threading.Thread(target=self._drain, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr, None), daemon=True).start()

    def _drain(self, stream, into: queue.Queue | None) -> None:
        for line in stream:
            if into is not None:
                into.put(line)
            else:
                self.stderr.append(line.rstrip())
        if into is not None:
            into.put(None)  # end of output: the process is gone

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send(self, kind: str, **fields) -> None:
        if not self.alive:
            raise RuntimeError("the backend is not running")
        try:
            self.proc.stdin.write(json.dumps({"v": PROTOCOL_VERSION, "type": kind, **fields}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise RuntimeError(f"the backend stopped: {self.last_words()}") from None

    def last_words(self) -> str:
        tail = [l for l in self.stderr if l.strip()][-3:]
        code = self.proc.poll() if self.proc else None
        return (f"exit code {code}" if code is not None else "still running") + (": " + " | ".join(tail) if tail else "")

    def stop(self, timeout: float = 3.0) -> None:
        if self.proc is None:
            return
        if self.alive:
            try:
                self.send("shutdown")
                self.proc.wait(timeout=timeout)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        if self.alive:
            self.proc.kill()
            self.proc.wait(timeout=timeout)

    def hello(self, timeout: float = 60.0) -> dict:
        """Ask for the backend's hello (version, device, weights); it loads the weights first."""
        self.send("hello")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"the backend stopped: {self.last_words()}")
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                raise RuntimeError(f"the backend sent something that is not the protocol: {line.strip()[:120]!r}") from None
            if msg.get("type") == "hello":
                return msg
            if msg.get("type") == "error":
                raise RuntimeError(str(msg.get("reason")))
        raise RuntimeError(f"no answer from the backend in {timeout:.0f} s")

    # ------------------------------------------------------------------ one generation
    def generate(self, request: dict) -> "Generation":
        rid = f"r{next(self._ids)}"
        self.send("generate", id=rid, **request)
        return Generation(self, rid)


class Generation:
    """Follows one generate request; `poll()` never blocks."""

    def __init__(self, backend: Backend, request_id: str):
        self.backend, self.id = backend, request_id
        self.status = JobState()

    def cancel(self) -> None:
        if self.status.state == "running" and self.backend.alive:
            self.backend.send("cancel", id=self.id)

    def poll(self) -> JobState:
        s = self.status
        while s.state == "running":
            try:
                line = self.backend.lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self.backend.proc.wait(timeout=5)
                s.state, s.reason = "failed", f"the backend process ended unexpectedly ({self.backend.last_words()})"
                break
            try:
                msg = json.loads(line)
                assert isinstance(msg, dict)
            except (json.JSONDecodeError, AssertionError):
                s.state, s.reason = "failed", f"the backend sent something that is not the protocol: {line.strip()[:120]!r}"
                break
            if msg.get("id") not in (self.id, None):
                continue  # an answer to another request
            kind = msg.get("type")
            if kind == "progress":
                s.fraction, s.message = float(msg.get("fraction", 0.0)), str(msg.get("message", ""))
            elif kind == "result":
                s.state, s.fraction, s.result, s.message = "done", 1.0, msg, "done"
            elif kind == "cancelled":
                s.state, s.message = "cancelled", "cancelled"
            elif kind == "error":
                s.state, s.reason = "failed", str(msg.get("reason", "unknown error"))
        return s

    def wait(self, timeout: float = 3600.0, on_progress=None) -> JobState:
        """Blocking loop for background mode (no timers there): poll until the request ends."""
        end = time.monotonic() + timeout
        while self.poll().state == "running":
            if on_progress:
                on_progress(self.status)
            if time.monotonic() > end:
                self.cancel()
                self.status.state, self.status.reason = "failed", f"no answer from the backend in {timeout:.0f} s"
                break
            time.sleep(0.02)
        return self.status
