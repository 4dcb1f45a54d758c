"""The dataset card of a corpus: counts, AU frequencies and a duration histogram (card.md + PNGs)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .. import aus


def _table(title: str, counts: Counter, total: int) -> list[str]:
    rows = [f"### {title}", "", "| value | clips | share |", "|---|---|---|"]
    rows += [f"| {k} | {v} | {v / total:.1%} |" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]
    return rows + [""]


def write_card(root: str | Path, manifest: dict, triplets_per_clip: list[list[str]]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    root = Path(root)
    clips = manifest["clips"]
    n = len(clips)
    durations = np.array([c["duration"] for c in clips])
    au_clips = Counter()
    for trips in triplets_per_clip:
        au_clips.update({aus.normalise(code) if code[:2] == "AU" else code for t in trips
                         for code in aus.parse_triplet(t).aus})
    fig, ax = plt.subplots(1, 2, figsize=(12, 3.5))
    ax[0].hist(durations, bins=30, color="tab:blue")
    ax[0].set_xlabel("clip duration (s)")
    ax[0].set_ylabel("clips")
    codes = sorted(au_clips)
    ax[1].bar(codes, [au_clips[c] / n for c in codes], color="tab:orange")
    ax[1].set_ylabel("share of clips with the AU in a triplet")
    ax[1].tick_params(axis="x", rotation=90, labelsize=7)
    fig.tight_layout()
    fig.savefig(root / "card.png", dpi=100)
    plt.close(fig)
    cfg = manifest.get("config", {})
    piper = sum(1 for c in clips if c["voice"].startswith("piper:"))
    lines = [
        "# Dataset card", "",
        f"{n} clips, {durations.sum() / 3600:.2f} hours of speech (mean {durations.mean():.1f} s, "
        f"min {durations.min():.1f} s, max {durations.max():.1f} s), seed {cfg.get('seed')}.", "",
        "Speech: espeak-ng voices (accents x voice variants), phoneme timings from espeak's own events"
        + (f"; {piper / n:.0%} of clips by the Piper voice en_US-joe-medium, phone timings from its alignments"
           " moved 30 ms earlier (data/piper.py)" if piper else "") + "; "
        f"{sum(1 for c in clips if c['augment']) / n:.0%} of clips augmented (noise, reverb, band-limit, gain, speed). "
        "Motion: the procedural performer (data/performer.py). AU triplets: Algorithm 1 (data/binarize.py).", "",
        "![durations and AU frequencies](card.png)", "",
    ]
    lines += _table("Emotion", Counter(c["emotion"] for c in clips), n)
    lines += _table("Emotion x intensity", Counter(f"{c['emotion']} {c['intensity']}" for c in clips), n)
    lines += _table("Language / accent", Counter(c["voice"].split("+")[0] for c in clips), n)
    lines += _table("Talking style", Counter(c["style"] for c in clips), n)
    lines += _table("AU in a triplet (share of clips)", au_clips, n)
    path = root / "card.md"
    path.write_text("\n".join(lines) + "\n")
    return path
