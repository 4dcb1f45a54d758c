"""How many further word hypotheses the "nbest" recogniser should align (audio/phones.py NBEST_EXTRA): on the
Piper clips of a corpus (a tuning set: the real-speech set is kept for evaluation), bilabial recall and
precision of the recognised stream against the clips' exact phones, for several depths.

    cafetalk data generate --out runs/piper-probe --hours 0.1 --seed 11 --piper-share 1
    python scripts/nbest_depth.py runs/piper-probe [CLIPS]

Frame rule, as the closure metric: a bilabial token is found when a recognised bilabial covers one of its
25 fps frames; precision is the share of recognised bilabial frames that lie on a true bilabial. Piper clips
are not bit-reproducible (data/piper.py), so a regenerated probe gives figures within a few tokens.
"""
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from cafetalk.audio.phones import (arpabet_class, force_align, merge_bilabials, recognize,  # noqa: E402
                                   recognize_words, word_hypotheses)
from cafetalk.data.corpus import Corpus  # noqa: E402
from cafetalk.data.performer import phone_class  # noqa: E402
from cafetalk.errors import CafeTalkError  # noqa: E402

DEPTHS = (0, 1, 2, 3, 5, 7, 10)


def frames(a: float, b: float) -> set[int]:
    first = int(math.floor(a * 25))
    return set(range(first, max(first + 1, int(math.ceil(b * 25)))))


def tally(totals: dict, key, stream, truth: list[set[int]]) -> None:
    """Add to totals[key] = [true bilabials found, recognised bilabial frames, those on a true bilabial]
    for a recognised stream and the frames of each true bilabial token of its clip."""
    got = set().union(*(frames(a, b) for p, a, b in stream if arpabet_class(p) == "bilabial"))
    t = totals.setdefault(key, [0, 0, 0])
    t[0] += sum(bool(x & got) for x in truth)
    t[1] += len(got)
    t[2] += len(got & set().union(*truth))


def rates(total: list[int], tokens: int) -> str:
    """'recall | precision' table cells of a tally."""
    return f"{total[0] / tokens:.3f} | {total[2] / max(1, total[1]):.3f}"


def piper_clips(argv: list[str]):
    """-> (clip, frames of each of its true bilabial tokens) for the Piper clips of the corpus folder
    argv[1], at most argv[2] of them (120)."""
    corpus = Corpus(argv[1])
    limit = int(argv[2]) if len(argv) > 2 else 120
    for i in [i for i, m in enumerate(corpus.clips) if m["voice"].startswith("piper:")][:limit]:
        clip = corpus[i]
        yield clip, [frames(a, b) for p, a, b in clip.phones if phone_class(p) == "bilabial"]


def main() -> None:
    totals: dict = {}
    clips = tokens = 0
    for clip, truth in piper_clips(sys.argv):
        allphone = recognize(clip.audio)
        texts = word_hypotheses(clip.audio, max(DEPTHS))
        base = merge_bilabials(recognize_words(clip.audio, texts[0] if texts else "", allphone), allphone)
        alternatives = []
        for text in texts[1:]:
            try:
                alternatives.append(force_align(clip.audio, text))
            except CafeTalkError:
                alternatives.append(None)
        clips += 1
        tokens += len(truth)
        for depth in DEPTHS:  # the stream recognize_with(..., "nbest") builds with NBEST_EXTRA = depth
            stream = base
            for alt in alternatives[:depth]:
                if alt is not None:
                    stream = merge_bilabials(stream, alt)
            tally(totals, depth, stream, truth)
    print(f"{clips} clips, {tokens} bilabials")
    print("| further hypotheses | bilabial recall | precision |\n|---|---|---|")
    for depth in DEPTHS:
        print(f"| {depth} | {rates(totals[depth], tokens)} |")


if __name__ == "__main__":
    main()
