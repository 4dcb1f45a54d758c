"""What each ingredient of the phonetic front end adds (issue 8; docs/lip-sync.md): real-speech lip-sync of
several checkpoints, all given the same phones per clip, found once (the transcript's forced alignment, or
recognition where it does not fit; and the default recogniser's without the transcript).

    python scripts/ablation_ingredients.py REAL_SPEECH_SET WEIGHTS [WEIGHTS ...] [--phones CACHE.json]
        [--recognizer NAME]

(--phones: keep the phones found in that file and take them from it next time; --recognizer: how phones
are found without the transcript, audio.phones.RECOGNIZERS, the default recogniser's when not given.)

For each checkpoint: bilabial closure, open-vowel / silence opening and per-phone openness r of the learned
output (no lip sealing) with and without the transcript, and of the default output without it (sealed).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from cafetalk.audio.phones import DEFAULT_RECOGNIZER, recognize_with  # noqa: E402
from cafetalk.audio.phonetic import arpabet_class  # noqa: E402
from cafetalk.data.corpus import Corpus  # noqa: E402
from cafetalk.data.performer import seal_lips  # noqa: E402
from cafetalk.evaluate.lipsync import lipsync  # noqa: E402
from cafetalk.evaluate.run import _clip_stream, _motion  # noqa: E402
from cafetalk.pipeline import CafeTalk  # noqa: E402


def main() -> None:
    args = sys.argv[1:]
    cache = Path(args.pop(args.index("--phones") + 1)) if "--phones" in args else None
    recognizer = args.pop(args.index("--recognizer") + 1) if "--recognizer" in args else DEFAULT_RECOGNIZER
    args = [a for a in args if a not in ("--phones", "--recognizer")]
    real, weights = args[0], args[1:]
    corpus = Corpus(real)
    clips = [corpus[i] for i in range(len(corpus))]
    if cache is not None and cache.exists():
        found = json.loads(cache.read_text())
        aligned, recognised = found["aligned"], found["recognised"]
    else:
        aligned = [_clip_stream(c).phones for c in clips]  # what generate() uses with the transcript
        recognised = [recognize_with(c.audio, recognizer) for c in clips]  # ... and without it
        if cache is not None:
            cache.write_text(json.dumps({"aligned": aligned, "recognised": recognised}))
    aligned = [[tuple(p) for p in a] for a in aligned]
    recognised = [[tuple(p) for p in r] for r in recognised]
    refs = [c.phones for c in clips]
    for w in weights:
        talk = CafeTalk.load(w, "cpu")
        rows = {"transcript_raw": [], "recognition_raw": [], "recognition_sealed": []}
        for clip, a, r in zip(clips, aligned, recognised):
            gen = dict(seal_lips=False, steps=10, seed=0)
            rows["transcript_raw"].append(_motion(talk.generate((clip.audio, 16000), phones=a, **gen)))
            raw = _motion(talk.generate((clip.audio, 16000), phones=r, **gen))
            rows["recognition_raw"].append(raw)
            rows["recognition_sealed"].append(seal_lips(raw.copy(), [(arpabet_class(p), s, e) for p, s, e in r]))
        for key, motions in rows.items():
            m = lipsync(motions, refs).as_dict()
            print(f"{w} {key}: closed {m['closure_rate']:.3f} open {m['open_vowel_mm']:.1f} mm silence "
                  f"{m['silence_mm']:.1f} mm r {m['openness_r']:.2f}", flush=True)


if __name__ == "__main__":
    main()
