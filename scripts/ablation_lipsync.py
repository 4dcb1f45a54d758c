"""Real-speech lip-sync of one checkpoint's learned output (no lip sealing), with the transcript, and with
an AU12 slot in the middle of each clip of 1.5 s or more (for ablation rows; docs/evaluation.md).

    python scripts/ablation_lipsync.py WEIGHTS REAL_SPEECH_SET
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from cafetalk.data.corpus import Corpus  # noqa: E402
from cafetalk.evaluate.lipsync import lipsync  # noqa: E402
from cafetalk.pipeline import CafeTalk  # noqa: E402


def main() -> None:
    weights, real = sys.argv[1], sys.argv[2]
    talk = CafeTalk.load(weights, "cpu")
    corpus = Corpus(real)
    plain, controlled, phones = [], [], []
    for i in range(len(corpus)):
        clip = corpus[i]
        gen = dict(transcript=clip.meta["text"], seal_lips=False, steps=10, seed=0)
        a = talk.generate((clip.audio, 16000), **gen).blendshapes
        dur = len(clip.audio) / 16000
        b = talk.generate((clip.audio, 16000), controls=[f"AU12@{dur / 2 - 0.5:.2f}-{dur / 2 + 0.5:.2f}"],
                          **gen).blendshapes if dur >= 1.5 and talk.model.adapter is not None else a
        plain.append(a)
        controlled.append(b)
        phones.append(clip.phones)
    print(weights, "learned, transcript:", lipsync(plain, phones).as_dict())
    print(weights, "learned, transcript, AU12 slot:", lipsync(controlled, phones).as_dict())


if __name__ == "__main__":
    main()
