"""Real-time factor and peak memory of `generate`, for the model presets, audio lengths and step counts.

    python bench/realtime.py                       # cpu + paper presets, 5 s / 60 s / 10 min, 10 and 25 steps
    python bench/realtime.py --presets cpu --seconds 5 60 --steps 10 25 50

RTF = seconds of compute per second of audio (below 1 is faster than real time). Each run happens in
a fresh process so that its peak resident memory (ru_maxrss) is its own. Weights are random
(speed does not depend on their values); the emotion encoder is the real MiniLM; one AU control is
active so every denoising step evaluates all three guidance branches of Eq. 7 (the costliest case).

Runs whose estimated time exceeds --budget seconds are measured at 2 steps (time and memory), and
their RTF at the requested step counts is extrapolated from the per-step cost; the table marks them.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "backend" / "cafetalk" / "assets" / "demo.wav"


def child(preset: str, seconds: float, steps: int, threads: int) -> dict:
    import numpy as np
    import soundfile as sf
    import torch

    from cafetalk.model import CafeTalkDiT, preset as make_preset
    from cafetalk.pipeline import CafeTalk

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    talk = CafeTalk(CafeTalkDiT(make_preset(preset, adapter=True)), torch.device("cpu"))
    clip, rate = sf.read(DEMO, dtype="float32")
    reps = int(np.ceil(seconds * rate / len(clip)))
    audio = np.tile(clip, reps)[: int(seconds * rate)]
    talk.generate((audio[: rate], rate), steps=1)  # warm-up: encoders loaded, kernels chosen
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    talk.generate((audio, rate), emotion="happy", controls=["AU12@0.5-1.5"], steps=steps, seed=0)
    wall = time.perf_counter() - t0
    return dict(preset=preset, seconds=seconds, steps=steps, wall=wall, rtf=wall / seconds,
                rss_after_load_mb=rss_before, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                windows=len(__import__("cafetalk.windows", fromlist=["plan_windows"]).plan_windows(
                    int(np.ceil(seconds * 25)), talk.cfg.model.window, talk.cfg.model.window // 4)))


def run_child(preset: str, seconds: float, steps: int, threads: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", preset, str(seconds), str(steps), str(threads)],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "backend")})
    if out.returncode != 0:
        raise SystemExit(f"benchmark run failed ({preset}, {seconds} s, {steps} steps):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", nargs="+", default=["cpu", "paper"])
    ap.add_argument("--seconds", nargs="+", type=float, default=[5, 60, 600])
    ap.add_argument("--steps", nargs="+", type=int, default=[10, 25])
    ap.add_argument("--budget", type=float, default=120, help="longest single run to measure in full (s)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", help="also write the rows here")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        p, s, n, t = args.child
        print(json.dumps(child(p, float(s), int(n), int(t))))
        return

    import torch

    print(f"torch {torch.__version__}, {args.threads} threads, CPU: {os.cpu_count()} cores")
    print(f"{'preset':<7}{'audio':>8}{'steps':>7}{'windows':>9}{'wall s':>9}{'RTF':>8}"
          f"{'RSS load MB':>13}{'peak MB':>9}  how")
    rows = []
    for preset in args.presets:
        probe = run_child(preset, min(args.seconds), 2, args.threads)  # per-step cost per window
        per_step_window = probe["wall"] / (2 * probe["windows"])
        for seconds in args.seconds:
            for steps in args.steps:
                windows_est = probe["windows"] * max(1.0, seconds / min(args.seconds))
                if per_step_window * steps * windows_est <= args.budget:
                    r = run_child(preset, seconds, steps, args.threads)
                    r["how"] = "measured"
                else:
                    r = run_child(preset, seconds, 2, args.threads)
                    step_cost = r["wall"] / (2 * r["windows"])
                    r.update(steps=steps, wall=step_cost * steps * r["windows"], how="2-step run, extrapolated")
                    r["rtf"] = r["wall"] / seconds
                rows.append(r)
                print(f"{preset:<7}{seconds:>7g}s{steps:>7}{r['windows']:>9}{r['wall']:>9.1f}{r['rtf']:>8.2f}"
                      f"{r['rss_after_load_mb']:>13.0f}{r['peak_rss_mb']:>9.0f}  {r['how']}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
