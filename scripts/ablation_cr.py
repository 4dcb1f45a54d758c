"""Control Rate (Eq. 8) of one checkpoint on `cafetalk evaluate`'s conflicting pairs, with more clips per
pair than the full evaluation uses (for ablation rows; docs/evaluation.md).

    python scripts/ablation_cr.py WEIGHTS HELDOUT_CORPUS [--clips 8] [--beta 1]

HELDOUT_CORPUS: the folder `cafetalk evaluate` draws (OUT/heldout). Clips of 2 s or more, English only;
the slot is 1 s in the middle of each clip; 10 DDIM steps, seed 0, the clip's transcript.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from cafetalk import aus  # noqa: E402
from cafetalk.data.corpus import Corpus  # noqa: E402
from cafetalk.evaluate.control import control_rate  # noqa: E402
from cafetalk.evaluate.run import CONFLICTS  # noqa: E402
from cafetalk.pipeline import CafeTalk  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("heldout")
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--beta", type=float, default=1.0)
    args = ap.parse_args()
    talk = CafeTalk.load(args.weights, "cpu")
    corpus = Corpus(args.heldout)
    picks = [i for i, c in enumerate(corpus.clips) if c["language"] == "en" and c["duration"] >= 2.0][: args.clips]
    rates: dict[str, list[float]] = {}
    for emotion, code in CONFLICTS:
        for i in picks:
            clip = corpus[i]
            start = round(len(clip.audio) / 16000 / 2 - 0.5, 2)
            trip = aus.parse_triplet(f"{code}@{start}-{start + 1.0}")
            motion = talk.generate((clip.audio, 16000), emotion=emotion, intensity=1.0, transcript=clip.meta["text"],
                                   controls=[trip], beta=args.beta, steps=10, seed=0).blendshapes
            for au, v in control_rate(motion, trip).items():
                rates.setdefault(f"{emotion}+{au}", []).append(v)
    means = {k: round(float(np.mean(v)), 3) for k, v in rates.items()}
    print(f"{args.weights}: CR mean {np.mean(list(means.values())):.3f} (beta {args.beta:g}, {len(picks)} clips per pair)")
    for k, v in means.items():
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
