"""A plot of the main blend-shape curves over time, with the fine-grained control slots shaded."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .animation import Animation

GROUPS = {
    "mouth": ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker"),
    "expression": ("mouthSmileLeft", "mouthFrownLeft", "mouthPressLeft", "noseSneerLeft", "cheekSquintLeft"),
    "eyes and brows": ("eyeBlinkLeft", "eyeSquintLeft", "browInnerUp", "browDownLeft", "browOuterUpLeft"),
}


def plot(anim: Animation, path: str | Path, title: str | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.arange(anim.num_frames) / anim.fps
    fig, axes = plt.subplots(len(GROUPS), 1, figsize=(12, 2.4 * len(GROUPS)), sharex=True)
    slots = anim.slots()
    for ax, (group, names) in zip(axes, GROUPS.items()):
        for s in slots:
            ax.axvspan(s.start, s.end, color="tab:orange", alpha=0.15, lw=0)
            ax.text(s.start, 1.02, "+".join(s.aus), fontsize=7, va="bottom", color="tab:orange")
        for name in names:
            ax.plot(t, anim.channel(name), lw=1.2, label=name)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel(group)
        ax.legend(loc="upper right", fontsize=7, ncol=len(names))
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    s = anim.settings
    fig.suptitle(title or f"emotion '{s.get('emotion', '?')}' (intensity {s.get('intensity', '?')}), "
                 f"alpha {s.get('alpha', '?')}, beta {s.get('beta', '?')}, {s.get('steps', '?')} steps", fontsize=10)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
