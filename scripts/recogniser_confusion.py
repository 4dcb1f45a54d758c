"""How the default recogniser hears each viseme class (audio/phonetic.py RECOGNISER_CONFUSION): on the Piper
clips of a corpus, each exact phone token against the recognised class covering most of it.

    python scripts/recogniser_confusion.py CORPUS [CLIPS] [--recognizer NAME]   # prints the _COUNTS rows

The table in phonetic.py was measured with `--recognizer both` (the default recogniser then, and here).
Piper clips are not bit-reproducible (data/piper.py), so a regenerated corpus gives counts within a few
tokens of it.
"""
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from cafetalk.audio.phones import CLASSES, arpabet_class, recognize_with  # noqa: E402
from cafetalk.data.corpus import Corpus  # noqa: E402
from cafetalk.data.performer import phone_class  # noqa: E402


def main() -> None:
    args = sys.argv[1:]
    recognizer = args.pop(args.index("--recognizer") + 1) if "--recognizer" in args else "both"
    args = [a for a in args if a != "--recognizer"]
    corpus = Corpus(args[0])
    limit = int(args[1]) if len(args) > 1 else 120
    picks = [i for i, m in enumerate(corpus.clips) if m["voice"].startswith("piper:")][:limit]
    counts: dict[str, Counter] = defaultdict(Counter)
    for i in picks:
        clip = corpus[i]
        heard = [(arpabet_class(p), a, b) for p, a, b in recognize_with(clip.audio, recognizer)]
        for symbol, a, b in clip.phones:
            overlap = {}
            for cls, x, y in heard:
                overlap[cls] = max(overlap.get(cls, 0.0), min(b, y) - max(a, x))
            best = max(overlap, key=overlap.get) if overlap and max(overlap.values()) > 0 else "silence"
            counts[phone_class(symbol)][best] += 1
    print(f"# {len(picks)} clips, {sum(sum(c.values()) for c in counts.values())} tokens")
    for true in CLASSES:
        print(f'    "{true}": ({", ".join(str(counts[true][c]) for c in CLASSES)}),')


if __name__ == "__main__":
    main()
