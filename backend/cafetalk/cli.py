"""`cafetalk` command line: a thin shell over pipeline.py, serve.py and checkpoint.py."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import CafeTalkError

DEMO_CLIP = Path(__file__).resolve().parent / "assets" / "demo.wav"


def _generate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--emotion", default="neutral", help="emotion in words: happy, furious, shy, ... (default neutral)")
    p.add_argument("--intensity", type=float, default=1.0, help="emotion intensity 0..1 (default 1)")
    p.add_argument("--style", type=int, default=0, help="talking-style id of a style-table checkpoint (default 0)")
    p.add_argument("--style-image", help="face image for the talking style (checkpoints with an image encoder)")
    p.add_argument("--control", action="append", default=[], metavar="AUS@START-END",
                   help="fine-grained control, repeatable: AU01+AU02@1.0-2.5 (seconds), AU12@50f-80f (frames), "
                        "L12@2-3*1.5 (one side, own beta)")
    words = p.add_mutually_exclusive_group()
    words.add_argument("--transcript", help="the words spoken: aligned to the audio for exact lip-sync (English)")
    words.add_argument("--transcript-file", help="a text file holding the words spoken")
    p.add_argument("--recognizer", choices=("warped", "nbest", "both", "words", "phones"), default="warped",
                   help="without a transcript: word recognition then alignment, plus the bilabials phone "
                        "recognition, the next 7 word hypotheses and phone recognition at 4 vocal-tract warps "
                        "hear (default: most lip closures), the same without the warps (nbest), without the "
                        "N-best too (both: in half the time), the words alone, or phone recognition alone "
                        "(~6x faster); English")
    p.add_argument("--no-seal-lips", dest="seal_lips", action="store_false",
                   help="keep the model's lips as generated (default: sealed on p/b/m and f/v of the phone stream)")
    p.add_argument("--alpha", type=float, default=1.0, help="overall guidance scale of Eq. 7 (default 1)")
    p.add_argument("--beta", type=float, default=1.0, help="AU intensity: guidance inside control slots (default 1)")
    p.add_argument("--cfg-mask", choices=("channels", "opposing", "frames", "none"),
                   help="where the AU guidance term of Eq. 7 acts: the slots' frames on the AUs' channels, "
                        "also on the channels of opposing AUs, the slots' frames (the paper), everywhere "
                        "(default: the weights' choice)")
    p.add_argument("--cfg-reference", choices=("null", "coarse"),
                   help="what the AU guidance term is measured from: the unconditional prediction (Eq. 7 as "
                        "printed) or the audio+coarse one (the adapter's own change) (default: the weights' choice)")
    p.add_argument("--steps", type=int, default=25, help="denoising steps (default 25)")
    p.add_argument("--sampler", choices=("ddim", "ddpm"), default="ddim")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fps", type=float, default=25.0, help="output frame rate; the model runs at 25 (default 25)")
    p.add_argument("--weights", help="checkpoint folder (default: weights/default or $CAFETALK_WEIGHTS)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    p.add_argument("--max-minutes", type=float, default=180.0, help="refuse audio longer than this (default 180)")


def _run_generate(args: argparse.Namespace, audio: str, outputs: list[Path], plot: Path | None,
                  preview: Path | None = None, video: Path | None = None) -> int:
    from tqdm import tqdm

    from .pipeline import CafeTalk

    for out in outputs:  # refuse bad output names before the work
        if out.suffix.lower() not in (".npz", ".csv", ".json"):
            raise CafeTalkError(f"output '{out}': the extension picks the format, use .npz, .csv or .json")
    transcript = args.transcript
    if args.transcript_file:
        try:
            transcript = Path(args.transcript_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CafeTalkError(f"cannot read the transcript file {args.transcript_file}: {exc}; "
                                "pass a UTF-8 text file with the words spoken") from None
    talk = CafeTalk.load(args.weights, args.device)
    with tqdm(total=100, unit="%", desc="generating", file=sys.stderr, leave=False,
              bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}") as bar:
        def progress(fraction: float, message: str) -> None:
            bar.set_description(message)
            bar.update(round(fraction * 100) - bar.n)

        anim = talk.generate(audio, emotion=args.emotion, intensity=args.intensity, style=args.style,
                             style_image=args.style_image, controls=args.control, transcript=transcript,
                             recognizer=args.recognizer,
                             seal_lips=args.seal_lips,
                             alpha=args.alpha, beta=args.beta, cfg_mask=args.cfg_mask,
                             cfg_reference=args.cfg_reference,
                             steps=args.steps, sampler=args.sampler, seed=args.seed, fps=args.fps,
                             max_seconds=args.max_minutes * 60, progress=progress)
    for note in anim.settings.get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    for out in outputs:
        anim.save(out)
        print(f"wrote {out} ({anim.num_frames} frames at {anim.fps:g} fps)", file=sys.stderr)
    if plot:
        from .plot import plot as draw

        draw(anim, plot)
        print(f"wrote {plot}", file=sys.stderr)
    if preview:
        from .head.render import preview_animation

        preview_animation(anim, preview)
        print(f"wrote {preview}", file=sys.stderr)
    if video:
        from tqdm import tqdm

        from .head.video import write_video

        with tqdm(total=100, unit="%", desc="rendering video", file=sys.stderr, leave=False,
                  bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}") as bar:
            write_video(anim, audio, video, progress=lambda f: bar.update(round(f * 100) - bar.n))
        print(f"wrote {video}", file=sys.stderr)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    return _run_generate(args, args.audio, [Path(args.output)], Path(args.plot) if args.plot else None,
                         Path(args.preview) if args.preview else None, Path(args.video) if args.video else None)


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    args.control = args.control or ["AU01+AU02@1.2-2.0", "AU12@2.4-3.2"]
    if not args.weights:
        from .pipeline import default_weights

        try:
            default_weights()
        except CafeTalkError:
            # No trained default in this checkout yet: show the whole flow on an untrained model.
            args.weights = str(out / "untrained-weights")
            print("cafetalk: warning: no trained default weights in weights/default yet; the demo runs an "
                  "UNTRAINED model (flat curves) to show the flow", file=sys.stderr)
            cmd_checkpoint_new(argparse.Namespace(preset="cpu", adapter=True, seed=0, out=args.weights,
                                                  audio="phonetic"))
    stem = out / "demo"
    return _run_generate(args, str(args.audio or DEMO_CLIP),
                         [stem.with_suffix(".npz"), stem.with_suffix(".csv"), stem.with_suffix(".json")],
                         stem.with_suffix(".png"), out / "demo_preview.png", stem.with_suffix(".mp4"))


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve_stdio

    if not args.stdio:
        raise CafeTalkError("serve speaks over standard input/output only: add --stdio")
    return serve_stdio(args.weights, args.device)


def cmd_checkpoint_new(args: argparse.Namespace) -> int:
    import torch

    from . import checkpoint
    from .model import CafeTalkDiT

    cfg = _train_preset(args.preset, getattr(args, "audio", "mel"))
    cfg.model.adapter = args.adapter
    cfg.notes = f"untrained: random initialisation (preset {args.preset}, seed {args.seed})"
    torch.manual_seed(args.seed)
    model = CafeTalkDiT(cfg)
    checkpoint.save(model, args.out)
    n = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out}: untrained {args.preset} model, {n / 1e6:.2f} M parameters", file=sys.stderr)
    return 0


def cmd_checkpoint_export(args: argparse.Namespace) -> int:
    from . import checkpoint

    model = checkpoint.load(args.src)
    if args.notes:
        model.cfg.notes = args.notes
    if args.guidance_mask:
        model.cfg.guidance.mask = args.guidance_mask
    if args.guidance_reference:
        model.cfg.guidance.reference = args.guidance_reference
    checkpoint.save(model, args.out, half=args.half)
    size = sum(f.stat().st_size for f in Path(args.out).iterdir())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB{', float16' if args.half else ''})", file=sys.stderr)
    return 0


def cmd_checkpoint_verify(args: argparse.Namespace) -> int:
    from . import checkpoint

    checkpoint.load(args.folder)
    print(f"{args.folder}: OK", file=sys.stderr)
    return 0


def cmd_data_generate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .data.card import write_card
    from .data.corpus import CorpusConfig, generate

    if args.hours <= 0:
        raise CafeTalkError("--hours must be above 0")
    if not 0 <= args.piper_share <= 1:
        raise CafeTalkError("--piper-share is a share of the English clips: give a number from 0 to 1")
    cfg = CorpusConfig(hours=args.hours, seed=args.seed, shard_clips=args.shard_clips, piper_share=args.piper_share)
    with tqdm(total=100, unit="%", desc=f"generating {args.hours:g} h", file=sys.stderr,
              bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}") as bar:
        manifest = generate(args.out, cfg, workers=args.workers,
                            progress=lambda f: bar.update(round(f * 100) - bar.n))
    card = write_card(args.out, manifest, [c["triplets"] for c in manifest["clips"]])
    print(f"wrote {len(manifest['clips'])} clips ({manifest['hours']:.2f} h) to {args.out}; card: {card}",
          file=sys.stderr)
    return 0


def cmd_data_import(args: argparse.Namespace) -> int:
    from .data.importer import import_take

    meta = import_take(args.take, args.audio, args.out, emotion=args.emotion, intensity=args.intensity,
                       style=args.style, csv_fps=args.csv_fps)
    print(f"imported {args.take} as {meta['id']} ({meta['duration']:.2f} s, {len(meta['triplets'])} AU triplets) "
          f"into {args.out}", file=sys.stderr)
    return 0


def cmd_data_real_speech(args: argparse.Namespace) -> int:
    from .data.realspeech import build, build_all, summarise

    if args.source:
        manifest = build(args.out, args.source)
    else:
        manifest = build_all(args.out, args.cache, log=lambda m: print(m, file=sys.stderr))
    for name, n in summarise(manifest["clips"]).items():
        print(f"{name}: {n['clips']} clips, {n['seconds']:.1f} s, {n['talkers']} talkers, "
              f"{n['bilabials']} bilabial and {n['open_vowels']} open-vowel phones", file=sys.stderr)
    skipped = manifest["config"].get("skipped", [])
    print(f"aligned {len(manifest['clips'])} recordings into {args.out}"
          + (f"; skipped {len(skipped)} (reasons in its manifest.json)" if skipped else ""), file=sys.stderr)
    return 0


def cmd_head_export(args: argparse.Namespace) -> int:
    from .head.rig import export

    print(f"wrote {export(args.out)}", file=sys.stderr)
    return 0


def cmd_head_preview(args: argparse.Namespace) -> int:
    import numpy as np

    from . import arkit
    from .head.render import contact_sheet
    from .head.rig import reference_head

    head = reference_head()
    names = args.keys or ["jawOpen", "jawOpen+mouthClose", "mouthSmileLeft", "mouthPucker", "eyeBlinkLeft",
                          "browInnerUp", "browDownLeft", "noseSneerLeft"]
    frames = []
    for name in names:
        w = np.zeros(arkit.NUM_CHANNELS, dtype=np.float32)
        try:
            for key in name.split("+"):
                w[arkit.index_of(key)] = 1.0
        except KeyError as exc:
            raise CafeTalkError(exc.args[0]) from None
        frames.append(head.pose(w))
    print(f"wrote {contact_sheet(head.mesh, frames, names, args.out)}", file=sys.stderr)
    return 0


def cmd_detect_aus(args: argparse.Namespace) -> int:
    from .detector.detect import TextAUDetector

    found = TextAUDetector.load(args.weights).detect(args.text)
    if args.json:
        print(found.to_json())
    elif found.aus:
        from .aus import VOCABULARY, units_of

        for code in found.aus:
            p = max(found.probabilities[u] for u in units_of(code))
            side = {"L": " (left)", "R": " (right)"}.get(code[0], "")
            print(f"{code:5s} {VOCABULARY['AU' + code[-2:]][0]}{side}  p={p:.2f}")
    else:
        print(f"no AU detected: {found.reason}")
    return 0 if found.aus else 3


def cmd_train_detector(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .detector.train import train

    with tqdm(total=100, unit="%", file=sys.stderr, bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}") as bar:
        def progress(stage: str, fraction: float) -> None:
            bar.set_description(stage)
            bar.update(round(fraction * 100) - bar.n)

        from .model.config import TextConfig

        text_cfg = TextConfig(kind="open_clip", path=args.clip_weights, dim=512) if args.clip_weights else None
        metrics = train(args.out, text_cfg, epochs=args.epochs, infonce=not args.no_infonce, seed=args.seed,
                        progress=progress)
    print(f"held-out F1 {metrics['test_f1']:.3f} (train {metrics['train_f1']:.3f}), probes "
          f"{metrics['probes_ok']}/{len(metrics['probes'])}, {metrics['seconds']} s; wrote {args.out}", file=sys.stderr)
    for p in metrics["probes"]:
        print(f"  {'ok ' if p['ok'] else 'NO '} {p['text']!r}: {' '.join(p['detected']) or '-'}", file=sys.stderr)
    return 0


def cmd_train_classifier(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .evaluate.classifier import train

    with tqdm(total=args.steps, desc="emotion classifier", file=sys.stderr) as bar:
        def progress(step: int, loss: float) -> None:
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            bar.update(step - bar.n)

        _, m = train(args.data, args.out, steps=args.steps, batch=args.batch, seed=args.seed, lr=args.lr,
                     progress=progress)
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    print(f"test accuracy {pct(m['test_acc'])} (intensity 3: {pct(m['test_acc_intensity3'])}, validation "
          f"{pct(m['val_acc'])} at step {m['best_step']}), {m['seconds']:.0f} s; wrote {args.out}", file=sys.stderr)
    print("  " + ", ".join(f"{k} {pct(v)}" for k, v in m["test_per_class"].items()), file=sys.stderr)
    return 0

def _train_preset(name: str, audio: str, window: int | None = None, acoustic: bool = True):
    from .audio.phonetic import DIM
    from .model import preset

    cfg = preset(name, **({"window": window} if window else {}))
    if audio == "phonetic":
        cfg.audio.kind, cfg.audio.dim, cfg.audio.acoustic = "phonetic", DIM, acoustic
    return cfg


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .train.loop import TrainConfig, train

    tcfg = TrainConfig(stage=args.stage, steps=args.steps, batch=args.batch, lr=args.lr, seed=args.seed,
                       save_every=args.save_every, warmup=args.warmup, amp=not args.no_amp,
                       swap_prob=args.swap_prob, joint=args.joint,
                       adapter_layers=args.adapter_layers, shorten=args.shorten,
                       symbol_noise=args.symbol_noise, schedule=args.schedule)
    if args.joint and (args.stage != 2 or args.init):
        raise CafeTalkError("--joint trains base and adapter together from scratch: use it with --stage 2 and no --init")
    if args.resume and args.init:
        raise CafeTalkError("--resume continues a run from its own folder (its optimiser too); --init starts a new run "
                            "from a checkpoint's weights: pass one of them")
    if args.resume and not (Path(args.resume) / "trainer.json").exists():
        raise CafeTalkError(f"{args.resume} is not a training output folder (no trainer.json): nothing to resume")
    rank0 = os.environ.get("RANK", "0") == "0"
    with tqdm(total=args.steps, desc=f"stage {args.stage}", file=sys.stderr, disable=not rank0) as bar:
        def progress(step: int, row: dict) -> None:
            bar.set_postfix(loss=f"{row['loss']:.4f}")
            bar.update(step - bar.n)

        fresh = args.stage == 1 or args.joint
        last = train(args.data, args.out, tcfg,
                     _train_preset(args.preset, args.audio, args.window, not args.no_acoustic_cues) if fresh else None,
                     init=args.init, resume=args.resume,
                     progress=progress)
    if rank0:
        print(f"stage {args.stage}: {last.get('step', 0)} steps, last loss {last.get('loss', float('nan')):.4f}; "
              f"wrote {args.out}", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate.run import EvalConfig, evaluate

    if args.real and not (Path(args.real) / "manifest.json").exists():
        raise CafeTalkError(f"{args.real} is not a real-speech set: build one with `cafetalk data real-speech --out DIR`")
    cfg = EvalConfig(out=args.out, weights=args.weights, heldout=args.heldout, real=args.real,
                     classifier=args.classifier, clips=args.clips, steps=args.steps, seed=args.seed,
                     device=args.device, sections=args.sections.split(","))
    report = evaluate(cfg, progress=lambda m: print(m, file=sys.stderr))
    for key, value in report["verdict"]["values"].items():
        met = report["verdict"]["met"].get(key)
        print(f"{key}: {value}" + ("" if met is None else f" ({'met' if met else 'short of'} target)"), file=sys.stderr)
    print(f"wrote {Path(args.out) / 'report.json'} and report.md", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cafetalk", description="Speech-driven ARKit face animation (Cafe-Talk).")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="turn a voice clip into ARKit animation")
    g.add_argument("audio", help="speech audio (WAV, FLAC, OGG, MP3)")
    g.add_argument("-o", "--output", required=True, help="output file: .npz, .csv (Live Link Face) or .json")
    g.add_argument("--plot", help="also write a PNG plot of the main curves with control slots shaded")
    g.add_argument("--preview", help="also write a PNG contact sheet of the reference head at 8 times")
    g.add_argument("--video", help="also write an MP4 of the reference head speaking, with the audio")
    _generate_args(g)
    g.set_defaults(func=cmd_generate)

    d = sub.add_parser("demo", help="animate the bundled voice clip: npz, Live Link CSV, json and a plot")
    d.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    d.add_argument("--audio", help="use this clip instead of the bundled one")
    _generate_args(d)
    d.set_defaults(func=cmd_demo, emotion="happy")

    s = sub.add_parser("serve", help="serve the add-on over JSON lines on stdin/stdout")
    s.add_argument("--stdio", action="store_true", help="talk on stdin/stdout (the only transport)")
    s.add_argument("--weights")
    s.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    s.set_defaults(func=cmd_serve)

    data = sub.add_parser("data", help="training data: generate a corpus")
    dsub = data.add_subparsers(dest="action", required=True)
    dg = dsub.add_parser("generate", help="synthetic speech + procedural performer -> corpus shards + card")
    dg.add_argument("--out", required=True, help="corpus folder")
    dg.add_argument("--hours", type=float, default=10.0)
    dg.add_argument("--seed", type=int, default=0)
    dg.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    dg.add_argument("--piper-share", type=float, default=0.0,
                    help="share of the English clips voiced by the offline Piper voice (needs cafetalk[piper]; default 0)")
    dg.add_argument("--shard-clips", type=int, default=200, help="clips per shard (default 200)")
    dg.set_defaults(func=cmd_data_generate)
    di = dsub.add_parser("import-livelink", help="add a captured take (Live Link Face CSV, or .npz/.json) + its audio")
    di.add_argument("take", help="Live Link Face CSV (or an .npz/.json animation with ARKit names)")
    di.add_argument("audio", help="the take's audio (WAV, FLAC, ...)")
    di.add_argument("--out", required=True, help="corpus folder (created or extended)")
    di.add_argument("--emotion", default="neutral")
    di.add_argument("--intensity", type=int, default=1)
    di.add_argument("--style", type=int, default=0, help="talking-style id of the performer")
    di.add_argument("--csv-fps", type=float, help="the CSV's frame rate (default: read from its timecodes)")
    di.set_defaults(func=cmd_data_import)
    dr = dsub.add_parser("real-speech", help="force-align real recordings (from pinned sdists) for lip-sync checks")
    dr.add_argument("--out", required=True)
    dr.add_argument("--source", help="only pocketsphinx's test/data folder (default: every source, fetched into --cache)")
    dr.add_argument("--cache", default="build/real-speech-src", help="where the sdists are kept (default build/)")
    dr.set_defaults(func=cmd_data_real_speech)

    da = sub.add_parser("detect-aus", help="turn a description into Action Units (text-to-AU detector)")
    da.add_argument("text")
    da.add_argument("--json", action="store_true", help='print {"aus": [...], "probabilities": {...}}')
    da.add_argument("--weights", help="detector folder (default: weights/detector or $CAFETALK_DETECTOR)")
    da.set_defaults(func=cmd_detect_aus)
    td = sub.add_parser("train-detector", help="train the text-to-AU detector on the built-in corpus")
    td.add_argument("--out", required=True)
    td.add_argument("--epochs", type=int, default=200)
    td.add_argument("--no-infonce", action="store_true", help="BCE only (the ablation)")
    td.add_argument("--seed", type=int, default=0)
    td.add_argument("--clip-weights", help="use the CLIP ViT-B/32 text tower from this local .safetensors file "
                                           "instead of the offline MiniLM")
    td.set_defaults(func=cmd_train_detector)
    tc = sub.add_parser("train-classifier", help="train the emotion classifier that scores generated motion "
                                                 "(Acc / Div, appendix E.2) on a corpus")
    tc.add_argument("--data", required=True, help="corpus folder (cafetalk data generate)")
    tc.add_argument("--out", required=True, help="folder to write (model.safetensors, config.json, card)")
    tc.add_argument("--steps", type=int, default=1000)
    tc.add_argument("--batch", type=int, default=64)
    tc.add_argument("--lr", type=float, default=1e-3)
    tc.add_argument("--seed", type=int, default=0, help="initialisation, crops and the 70/15/15 split")
    tc.set_defaults(func=cmd_train_classifier)

    tr = sub.add_parser("train", help="train stage 1 (base) or stage 2 (AU adapter, swap-label) on a corpus")
    tr.add_argument("--stage", type=int, choices=(1, 2), required=True)
    tr.add_argument("--data", required=True, help="corpus folder (cafetalk data generate / import-livelink)")
    tr.add_argument("--out", required=True, help="checkpoint folder to write")
    tr.add_argument("--init", help="stage 2: the stage-1 checkpoint; stage 1: a base to train on from its weights "
                                   "with a fresh optimiser (its architecture and audio kept, --preset/--audio ignored)")
    tr.add_argument("--preset", default="cpu", choices=("paper", "cpu", "tiny"))
    tr.add_argument("--audio", default="phonetic", choices=("phonetic", "mel"),
                    help="stage 1: how the model hears speech (phonetic: phone stream + acoustic cues; mel: log-mel)")
    tr.add_argument("--steps", type=int, default=1000)
    tr.add_argument("--batch", type=int, default=16)
    tr.add_argument("--lr", type=float, default=1e-4)
    tr.add_argument("--save-every", type=int, default=500)
    tr.add_argument("--window", type=int, help="stage 1: frames per training crop and generation window "
                    "(default: the preset's, 200 = 8 s)")
    tr.add_argument("--swap-prob", type=float, default=0.5,
                    help="stage 2: share of swap-label batches (0: the w/o-swap-label ablation; default 0.5)")
    tr.add_argument("--adapter-layers", type=int,
                    help="stage 2: FiLM self-attention layers in the AU adapter (default: the preset's)")
    tr.add_argument("--shorten", type=float, default=0.0,
                    help="stage 2: share of long AU triplets cut to short user-like slots (default 0)")
    tr.add_argument("--joint", action="store_true",
                    help="stage 2 from scratch, base and adapter trained together (the w/o-two-stage ablation)")
    tr.add_argument("--symbol-noise", default="confusable", choices=("confusable", "recogniser", "none"),
                    help="phonetic: errors put on the exact training phones: place/manner neighbours (default), "
                         "the recogniser's measured confusions, or none (an ablation)")
    tr.add_argument("--no-acoustic-cues", action="store_true",
                    help="stage 1, phonetic: zero the acoustic cues, phones alone (an ablation)")
    tr.add_argument("--warmup", type=int, default=100, help="linear learning-rate warm-up steps")
    tr.add_argument("--schedule", default="constant", choices=("constant", "cosine"),
                    help="learning rate after the warm-up: constant (default) or a cosine decay to lr/10 at --steps")
    tr.add_argument("--resume", help="continue a run from its output folder (weights, optimiser state, step)")
    tr.add_argument("--no-amp", action="store_true", help="CUDA: train in float32 instead of bfloat16 autocast")
    tr.add_argument("--seed", type=int, default=0)
    tr.set_defaults(func=cmd_train)

    ev = sub.add_parser("evaluate", help="LVE, emotion Acc/Div, Control Rate and real-speech lip-sync -> report")
    ev.add_argument("--out", required=True, help="folder for report.json, report.md and the held-out set")
    ev.add_argument("--weights", help="checkpoint folder (default: weights/default)")
    ev.add_argument("--heldout", help="held-out corpus (default: drawn into OUT/heldout with an unused seed)")
    ev.add_argument("--real", help="real-speech set from `cafetalk data real-speech` (default: skip that part)")
    ev.add_argument("--classifier", help="emotion classifier folder (default: weights/classifier)")
    ev.add_argument("--clips", type=int, default=16, help="held-out clips per measurement (default 16)")
    ev.add_argument("--steps", type=int, default=10, help="denoising steps (default 10)")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda", "mps"))
    ev.add_argument("--sections", default="synthetic,emotion,control,real",
                    help="comma-separated parts to run (default: all)")
    ev.set_defaults(func=cmd_evaluate)

    hd = sub.add_parser("head", help="the reference ARKit head")
    hsub = hd.add_subparsers(dest="action", required=True)
    he = hsub.add_parser("export", help="write vertices, faces, 52 shape-key deltas and lip vertex ids (.npz)")
    he.add_argument("--out", required=True)
    he.set_defaults(func=cmd_head_export)
    hp = hsub.add_parser("preview", help="a contact sheet of shape keys at full weight")
    hp.add_argument("--out", required=True)
    hp.add_argument("keys", nargs="*", help="ARKit names, or combinations like jawOpen+mouthClose (default: a selection)")
    hp.set_defaults(func=cmd_head_preview)

    c = sub.add_parser("checkpoint", help="make or check checkpoint folders")
    csub = c.add_subparsers(dest="action", required=True)
    n = csub.add_parser("new", help="write an untrained checkpoint of a preset (for training or tests)")
    n.add_argument("--preset", default="cpu", choices=("paper", "cpu", "tiny"))
    n.add_argument("--adapter", action="store_true", help="include the stage-2 AU adapter")
    n.add_argument("--audio", default="mel", choices=("phonetic", "mel"), help="audio encoder (default mel)")
    n.add_argument("--seed", type=int, default=0)
    n.add_argument("--out", required=True)
    n.set_defaults(func=cmd_checkpoint_new)
    x = csub.add_parser("export", help="copy a trained checkpoint without its training state (for shipping)")
    x.add_argument("src", help="checkpoint folder (e.g. a training run's output)")
    x.add_argument("--out", required=True)
    x.add_argument("--half", action="store_true", help="store parameters as float16 (half the size)")
    x.add_argument("--notes", help="replace the config's notes (how these weights were made)")
    x.add_argument("--guidance-mask", choices=("channels", "opposing", "frames", "none"),
                   help="set the weights' default Eq. 7 mask (generate's --cfg-mask when not given)")
    x.add_argument("--guidance-reference", choices=("null", "coarse"),
                   help="set the weights' default Eq. 7 reference (generate's --cfg-reference when not given)")
    x.set_defaults(func=cmd_checkpoint_export)
    v = csub.add_parser("verify", help="check a checkpoint's hashes and that the model rebuilds")
    v.add_argument("folder")
    v.set_defaults(func=cmd_checkpoint_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CafeTalkError as exc:
        print(f"cafetalk: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cafetalk: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
