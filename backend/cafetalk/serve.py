"""`cafetalk serve --stdio`: answer protocol requests on stdin/stdout, weights loaded once.

A reader thread drains stdin continuously (a cancel must arrive while a generation runs, and an
unread pipe can block the client). Cancels set a flag that the generation checks between denoising
steps; other requests wait in a queue and run in order. stdout carries only protocol lines; logs
go to stderr.
"""
from __future__ import annotations

import queue
import sys
import threading
import time
from typing import Any, TextIO

from . import __version__, protocol
from .errors import CafeTalkError


class Server:
    def __init__(self, weights: str | None, device: str, stdin: TextIO, stdout: TextIO):
        self.weights, self.device_name = weights, device
        self.stdin, self.stdout = stdin, stdout
        self.requests: queue.Queue = queue.Queue()
        self.cancelled: set[str] = set()
        self.lock = threading.Lock()
        self.talk = None

    def send(self, kind: str, **fields: Any) -> None:
        with self.lock:
            self.stdout.write(protocol.encode(kind, **fields) + "\n")
            self.stdout.flush()

    def read_loop(self) -> None:
        for line in self.stdin:
            if not line.strip():
                continue
            try:
                kind, payload = protocol.parse_request(line)
            except protocol.ProtocolError as exc:
                self.send("error", id=exc.request_id, reason=str(exc))
                continue
            if kind == "cancel":
                self.cancelled.add(payload)
            else:
                self.requests.put((kind, payload))
        self.requests.put(("shutdown", None))  # stdin closed: the client is gone

    def model(self):
        if self.talk is None:
            from .pipeline import CafeTalk

            self.talk = CafeTalk.load(self.weights, self.device_name)
        return self.talk

    def run(self) -> int:
        threading.Thread(target=self.read_loop, daemon=True, name="stdin-reader").start()
        while True:
            kind, payload = self.requests.get()
            if kind == "shutdown":
                return 0
            try:
                if kind == "hello":
                    talk = self.model()
                    self.send("hello", version=__version__, protocol=protocol.VERSION, device=str(talk.device),
                              weights=str(talk.weights))
                elif kind == "generate":
                    self.generate(payload)
            except CafeTalkError as exc:
                self.send("error", id=getattr(payload, "id", None), reason=str(exc))
            except Exception as exc:  # a bug must not kill the server: report it and go on
                self.send("error", id=getattr(payload, "id", None), reason=f"internal error: {type(exc).__name__}: {exc}")

    def generate(self, req: protocol.GenerateRequest) -> None:
        from .sampler import Cancelled

        if req.id in self.cancelled:
            self.cancelled.discard(req.id)
            self.send("cancelled", id=req.id)
            return
        talk = self.model()
        t0 = time.perf_counter()
        last = [0.0]

        def progress(fraction: float, message: str) -> None:
            now = time.perf_counter()
            if now - last[0] > 0.1 or fraction >= 1.0:  # at most ~10 messages a second
                last[0] = now
                self.send("progress", id=req.id, fraction=round(fraction, 4), message=message)

        try:
            anim = talk.generate(req.audio, emotion=req.emotion, intensity=req.intensity, style=req.style,
                                 style_image=req.style_image, controls=req.controls, transcript=req.transcript,
                                 recognizer=req.recognizer, cfg_mask=req.cfg_mask, cfg_reference=req.cfg_reference,
                                 seal_lips=req.seal_lips,
                                 alpha=req.alpha,
                                 beta=req.beta, steps=req.steps, sampler=req.sampler, seed=req.seed, fps=req.fps,
                                 progress=progress, cancel=lambda: req.id in self.cancelled)
        except Cancelled:
            self.cancelled.discard(req.id)
            self.send("cancelled", id=req.id)
            return
        path = anim.save(req.out)
        self.send("result", id=req.id, path=str(path), frames=anim.num_frames, fps=anim.fps,
                  controls=anim.controls, phones=anim.settings.get("phones"), notes=anim.settings.get("notes", []),
                  seconds=round(time.perf_counter() - t0, 3))


def serve_stdio(weights: str | None, device: str) -> int:
    # Protocol lines only on stdout: anything else that prints goes to stderr.
    out = sys.stdout
    sys.stdout = sys.stderr
    return Server(weights, device, sys.stdin, out).run()
