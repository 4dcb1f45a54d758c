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

from cafetalk.audio.phones import WARPS, merge_bilabials, recognize, recognize_with  # noqa: E402
from nbest_depth import piper_clips, rates, tally  # noqa: E402

GRID = (0.8, 0.85, 0.88, 0.94, 1.06, 1.12, 1.15, 1.2)
SETS = [(), *((w,) for w in GRID), (0.94, 1.06), (0.88, 1.12), (0.85, 1.15), (0.8, 1.2), tuple(WARPS), GRID]


def main() -> None:
    totals: dict = {}
    clips = tokens = 0
    for clip, truth in piper_clips(sys.argv):
        allphone = recognize(clip.audio)
        base = recognize_with(clip.audio, "nbest", allphone)
        passes = {w: recognize(clip.audio, w) for w in sorted(set(GRID) | set(WARPS))}
        clips += 1
        tokens += len(truth)
        for warps in SETS:  # the stream recognize_with(..., "warped") builds with WARPS = warps
            stream = base
            for w in warps:
                stream = merge_bilabials(stream, passes[w])
            tally(totals, warps, stream, truth)
    print(f"{clips} clips, {tokens} bilabials")
    print("| warps | bilabial recall | precision |\n|---|---|---|")
    for warps in SETS:
        name = ", ".join(f"{w:g}" for w in warps) or "none (nbest)"
        print(f"| {name}{' (WARPS)' if warps == tuple(WARPS) else ''} | {rates(totals[warps], tokens)} |")


if __name__ == "__main__":
    main()
