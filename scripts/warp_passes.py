"""Which vocal-tract warps the "warped" recogniser should add phone recognition at (audio/phones.py WARPS):
on the Piper clips of a corpus (a tuning set: the real-speech set is kept for evaluation), bilabial recall
and precision of the "nbest" stream plus the bilabials of allphone recognition at each warp of a set.

    cafetalk data generate --out runs/piper-probe --hours 0.1 --seed 11 --piper-share 1
    python scripts/warp_passes.py runs/piper-probe [CLIPS]      # about 13 min for the 120 default clips

Frame rule and precision as scripts/nbest_depth.py. A warp w divides the front end's frequencies by w
(pocketsphinx's inverse_linear warp): below 1 the talker sounds as if their vocal tract were shorter.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cafetalk.audio.phones import WARPS, arpabet_class, merge_bilabials, recognize, recognize_with  # noqa: E402
from cafetalk.data.corpus import Corpus  # noqa: E402
from cafetalk.data.performer import phone_class  # noqa: E402
from nbest_depth import frames  # noqa: E402

GRID = (0.8, 0.85, 0.88, 0.94, 1.06, 1.12, 1.15, 1.2)
SETS = [(), *((w,) for w in GRID), (0.94, 1.06), (0.88, 1.12), (0.85, 1.15), (0.8, 1.2), tuple(WARPS), GRID]


def main() -> None:
    corpus = Corpus(sys.argv[1])
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    picks = [i for i, m in enumerate(corpus.clips) if m["voice"].startswith("piper:")][:limit]
    found, heard, right = ({s: 0 for s in SETS} for _ in range(3))
    tokens = 0
    for i in picks:
        clip = corpus[i]
        allphone = recognize(clip.audio)
        base = recognize_with(clip.audio, "nbest", allphone)
        passes = {w: recognize(clip.audio, w) for w in sorted(set(GRID) | set(WARPS))}
        truth = [frames(a, b) for p, a, b in clip.phones if phone_class(p) == "bilabial"]
        on_truth = set().union(*truth)
        tokens += len(truth)
        for warps in SETS:  # the stream recognize_with(..., "warped") builds with WARPS = warps
            stream = base
            for w in warps:
                stream = merge_bilabials(stream, passes[w])
            got = set().union(*(frames(a, b) for p, a, b in stream if arpabet_class(p) == "bilabial"))
            found[warps] += sum(bool(t & got) for t in truth)
            heard[warps] += len(got)
            right[warps] += len(got & on_truth)
    print(f"{len(picks)} clips, {tokens} bilabials")
    print("| warps | bilabial recall | precision |\n|---|---|---|")
    for warps in SETS:
        name = ", ".join(f"{w:g}" for w in warps) or "none (nbest)"
        print(f"| {name}{' (WARPS)' if warps == tuple(WARPS) else ''} | {found[warps] / tokens:.3f} | "
              f"{right[warps] / max(1, heard[warps]):.3f} |")


if __name__ == "__main__":
    main()
