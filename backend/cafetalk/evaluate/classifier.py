"""The emotion classifier of appendix E.2, used to score generated motion (Acc and Div of Table 2).

    cafetalk train-classifier --data CORPUS --out weights/classifier

Model (Fig. 12): ARKit motion (T frames x 51 predicted channels, 25 fps) -> a frame MLP into the
latent space, a learned <cls> token in front, learned positional embeddings, ONE transformer encoder
layer with 8 heads, a final LayerNorm, and a linear classifier head on the <cls> token; cross-entropy.

Training follows the paper's protocol on the project's own corpus instead of MEAD: clips are split
70/15/15 (train/validation/test, seeded, by clip); each sample is a random crop of at most 100
frames (4 s; shorter clips are padded and masked). Because the classifier scores *generated* motion,
the crops are augmented with small gaussian noise, slight temporal smoothing, a small gain and
occasional shorter crops. The checkpoint with the best validation accuracy is kept; the test split
is scored once at the end, overall, per intensity and per class.

Scoring (`accuracy_and_diversity`): a sequence of at most `max_frames` frames is classified whole; a
longer one by the mean of the logits (and cls features) over half-overlapping windows. Div is the
feature-level standard deviation: the std of the cls features across samples, averaged over the
feature dimensions.

Checkpoints are `model.safetensors` + `config.json` + `manifest.json` (sha256 of each file, checked
by `cafetalk.checkpoint.verify` before loading); nothing is ever unpickled.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .. import arkit
from ..data.performer import EMOTIONS
from ..errors import CafeTalkError

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
METRICS = "metrics.json"
CARD = "README.md"
PREDICTED = [arkit.INDEX[n] for n in arkit.PREDICTED]  # the 51 channels (same as train.batches.PREDICTED)


@dataclass
class ClassifierConfig:
    channels: int = arkit.NUM_PREDICTED  # 51
    d_model: int = 128
    heads: int = 8
    layers: int = 1
    ff: int = 256  # feed-forward width of the encoder layer
    max_frames: int = 100  # 4 s at 25 fps: the training crop and the scoring window
    dropout: float = 0.1
    labels: tuple[str, ...] = field(default_factory=lambda: tuple(EMOTIONS))


def config_from_dict(d: dict) -> ClassifierConfig:
    known = {f.name for f in fields(ClassifierConfig)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise CafeTalkError(f"classifier config has unknown keys {unknown}: retrain or restore the weights folder")
    d = dict(d)
    if "labels" in d:
        d["labels"] = tuple(d["labels"])
    return ClassifierConfig(**d)


class EmotionClassifier(nn.Module):
    """(B, T, 51) motion [+ (B, T) frame mask, 1 = real frame] -> (B, num_labels) logits."""

    def __init__(self, cfg: ClassifierConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or ClassifierConfig()
        if cfg.d_model % cfg.heads:
            raise ValueError(f"d_model {cfg.d_model} is not divisible by {cfg.heads} heads")
        self.embed = nn.Sequential(nn.Linear(cfg.channels, cfg.d_model), nn.GELU(), nn.Linear(cfg.d_model, cfg.d_model))
        self.cls = nn.Parameter(torch.zeros(1, 1, cfg.d_model))
        self.pos = nn.Parameter(torch.randn(1, cfg.max_frames + 1, cfg.d_model) * 0.02)
        self.encoder = nn.ModuleList(
            nn.TransformerEncoderLayer(cfg.d_model, cfg.heads, cfg.ff, cfg.dropout, activation="gelu",
                                       batch_first=True, norm_first=True)
            for _ in range(cfg.layers))
        self.norm = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, len(cfg.labels))
        nn.init.normal_(self.cls, std=0.02)

    def features(self, motion: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The <cls> feature (B, d_model) after the encoder and the final LayerNorm."""
        if motion.dim() != 3 or motion.shape[-1] != self.cfg.channels:
            raise ValueError(f"expected motion of shape (B, T, {self.cfg.channels}), got {tuple(motion.shape)}")
        B, T, _ = motion.shape
        if T > self.cfg.max_frames:
            raise ValueError(f"{T} frames is more than the classifier's max_frames={self.cfg.max_frames}: "
                             "score long sequences with accuracy_and_diversity (it averages windows)")
        x = torch.cat([self.cls.expand(B, -1, -1), self.embed(motion)], dim=1) + self.pos[:, :T + 1]
        pad = None
        if mask is not None:
            if mask.shape != (B, T):
                raise ValueError(f"mask must be (B, T) = {(B, T)}, got {tuple(mask.shape)}")
            pad = torch.cat([torch.zeros(B, 1, dtype=torch.bool, device=mask.device), ~mask.bool()], dim=1)
        for layer in self.encoder:
            x = layer(x, src_key_padding_mask=pad)
        return self.norm(x[:, 0])

    def forward(self, motion: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(motion, mask))


# ---------------------------------------------------------------------------------------- scoring


def _channels(motion: np.ndarray) -> np.ndarray:
    m = np.asarray(motion, dtype=np.float32)
    if m.ndim != 2 or m.shape[1] not in (arkit.NUM_PREDICTED, len(arkit.NAMES)):
        raise ValueError(f"motion must be (T, 52) or (T, 51), got {m.shape}")
    if m.shape[0] == 0:
        raise ValueError("motion has no frames")
    if not np.isfinite(m).all():
        raise ValueError("motion holds NaN/inf values: cannot score it")
    return m[:, PREDICTED] if m.shape[1] == len(arkit.NAMES) else m


def _windows(T: int, size: int) -> list[tuple[int, int]]:
    """Half-overlapping windows covering [0, T); the last one ends at T."""
    if T <= size:
        return [(0, T)]
    hop = max(1, size // 2)
    starts = list(range(0, T - size + 1, hop))
    if starts[-1] != T - size:
        starts.append(T - size)
    return [(s, s + size) for s in starts]


@torch.no_grad()
def embed_sequences(classifier: EmotionClassifier, motions: Sequence[np.ndarray],
                    batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, C) and cls features (N, d) of whole sequences (window means for long ones)."""
    classifier.eval()
    size = classifier.cfg.max_frames
    device = next(classifier.parameters()).device
    pieces: list[tuple[int, np.ndarray]] = []
    for i, motion in enumerate(motions):
        m = _channels(motion)
        pieces.extend((i, m[a:b]) for a, b in _windows(len(m), size))
    n = len(motions)
    logits = np.zeros((n, len(classifier.cfg.labels)), np.float64)
    feats = np.zeros((n, classifier.cfg.d_model), np.float64)
    counts = np.zeros(n, np.float64)
    for k in range(0, len(pieces), batch):
        chunk = pieces[k:k + batch]
        T = max(len(p) for _, p in chunk)
        x = np.zeros((len(chunk), T, classifier.cfg.channels), np.float32)
        mask = np.zeros((len(chunk), T), bool)
        for j, (_, p) in enumerate(chunk):
            x[j, :len(p)], mask[j, :len(p)] = p, True
        xt, mt = torch.from_numpy(x).to(device), torch.from_numpy(mask).to(device)
        f = classifier.features(xt, mt)
        lg = classifier.head(f)
        for j, (i, _) in enumerate(chunk):
            logits[i] += lg[j].double().cpu().numpy()
            feats[i] += f[j].double().cpu().numpy()
            counts[i] += 1
    return logits / counts[:, None], feats / counts[:, None]


def accuracy_and_diversity(classifier: EmotionClassifier, motions: Sequence[np.ndarray],
                           labels: Sequence[str], batch: int = 128) -> dict:
    """Acc and Div of appendix E over generated motions ((T, 52) or (T, 51) each) and their target labels.

    Returns acc (fraction classified as their label), div (mean over feature dimensions of the std of
    the cls features across samples), per_class (label -> accuracy, None for absent labels),
    confusion (rows: true label, columns: prediction, in `labels_order`), predicted (one label each).
    """
    if len(motions) != len(labels):
        raise ValueError(f"{len(motions)} motions but {len(labels)} labels")
    if not motions:
        raise ValueError("nothing to score")
    names = list(classifier.cfg.labels)
    bad = sorted({lb for lb in labels if lb not in names})
    if bad:
        raise ValueError(f"unknown emotion label(s) {bad}: use one of {', '.join(names)}")
    logits, feats = embed_sequences(classifier, motions, batch)
    truth = np.array([names.index(lb) for lb in labels])
    pred = logits.argmax(1)
    confusion = np.zeros((len(names), len(names)), np.int64)
    np.add.at(confusion, (truth, pred), 1)
    per_class = {name: (float(confusion[c, c] / confusion[c].sum()) if confusion[c].sum() else None)
                 for c, name in enumerate(names)}
    return dict(acc=float((pred == truth).mean()), div=float(feats.std(axis=0).mean()), per_class=per_class,
                confusion=confusion.tolist(), labels_order=names, predicted=[names[p] for p in pred])


# --------------------------------------------------------------------------------------- training


def load_motions(corpus) -> list[np.ndarray]:
    """The 51 predicted channels of every clip of a `cafetalk.data.corpus.Corpus`, as float32 (T, 51)."""
    out = []
    for i in range(len(corpus)):
        out.append(np.ascontiguousarray(corpus[i].motion[:, PREDICTED], dtype=np.float32))
    return out


def split(n: int, seed: int = 0, fractions: tuple[float, float] = (0.70, 0.15)) -> dict[str, np.ndarray]:
    """A seeded random 70/15/15 split of clip indices into train / val / test."""
    order = np.random.default_rng(seed).permutation(n)
    a = int(round(fractions[0] * n))
    b = a + int(round(fractions[1] * n))
    return {"train": np.sort(order[:a]), "val": np.sort(order[a:b]), "test": np.sort(order[b:])}


@dataclass
class AugmentConfig:
    noise: float = 0.02  # max std of additive gaussian noise (per sample, uniform in [0, noise])
    smooth_prob: float = 0.5  # chance of a 3-tap temporal smoothing [a, 1 - 2a, a], a in [0, 0.3]
    gain: float = 0.1  # motion scaled by U(1 - gain, 1 + gain)
    short_prob: float = 0.2  # chance of a crop shorter than the window (25 frames at least)
    min_frames: int = 25


def augment(m: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    m = m * rng.uniform(1 - cfg.gain, 1 + cfg.gain)
    if len(m) > 2 and rng.random() < cfg.smooth_prob:
        a = rng.uniform(0.0, 0.3)
        padded = np.concatenate([m[:1], m, m[-1:]])
        m = a * padded[:-2] + (1 - 2 * a) * padded[1:-1] + a * padded[2:]
    if cfg.noise > 0:
        m = m + rng.standard_normal(m.shape).astype(np.float32) * rng.uniform(0, cfg.noise)
    return np.clip(m, 0.0, 1.0).astype(np.float32)


def sample_batch(motions: Sequence[np.ndarray], targets: np.ndarray, pool: np.ndarray, batch: int, window: int,
                 rng: np.random.Generator,
                 aug: AugmentConfig | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random crops (B, window, 51), their frame mask (B, window) and labels (B,)."""
    picks = rng.choice(pool, size=batch)
    x = np.zeros((batch, window, motions[0].shape[1]), np.float32)
    mask = np.zeros((batch, window), bool)
    for b, i in enumerate(picks):
        m = motions[i]
        length = min(window, len(m))
        if aug is not None and rng.random() < aug.short_prob and length > aug.min_frames:
            length = int(rng.integers(aug.min_frames, length + 1))
        start = int(rng.integers(0, len(m) - length + 1))
        crop = m[start:start + length]
        x[b, :length] = augment(crop, rng, aug) if aug is not None else crop
        mask[b, :length] = True
    return torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(targets[picks].astype(np.int64))


def _score(model: EmotionClassifier, motions, labels, idx: np.ndarray) -> dict:
    return accuracy_and_diversity(model, [motions[i] for i in idx], [labels[i] for i in idx])


def _validate(model: EmotionClassifier, motions, labels, idx: np.ndarray) -> tuple[float, float]:
    """(accuracy, mean negative log-likelihood) on whole clips."""
    logits, _ = embed_sequences(model, [motions[i] for i in idx])
    truth = np.array([model.cfg.labels.index(labels[i]) for i in idx])
    z = logits - logits.max(1, keepdims=True)
    nll = -(z[np.arange(len(z)), truth] - np.log(np.exp(z).sum(1)))
    return float((logits.argmax(1) == truth).mean()), float(nll.mean())


def _perturbed(motions: Sequence[np.ndarray], kind: str, seed: int = 0) -> list[np.ndarray]:
    """Test clips with generated-motion-like artefacts (robustness figures of the card)."""
    rng = np.random.default_rng(seed)
    out = []
    for m in motions:
        if kind == "noise":  # jitter, beyond the training augmentation's 0.02
            m = m + 0.03 * rng.standard_normal(m.shape).astype(np.float32)
        elif kind == "smooth":  # over-smoothed: 5-frame moving average
            padded = np.concatenate([m[:1].repeat(2, 0), m, m[-1:].repeat(2, 0)])
            m = np.mean([padded[k:k + len(m)] for k in range(5)], axis=0)
        elif kind == "damped":  # under-articulated: every channel pulled halfway to its clip mean
            m = 0.5 * m + 0.5 * m.mean(0, keepdims=True)
        out.append(np.clip(m, 0.0, 1.0).astype(np.float32))
    return out


def train(data: str | Path, out: str | Path | None = None, steps: int = 3000, batch: int = 64, seed: int = 0,
          lr: float = 1e-3, weight_decay: float = 0.01, warmup: int = 100, eval_every: int = 250,
          cfg: ClassifierConfig | None = None, aug: AugmentConfig | None = None,
          progress: Callable[[int, float], None] | None = None) -> tuple[EmotionClassifier, dict]:
    """Train on a corpus folder; keep the best-validation model; score the test split; save to `out`.

    Returns (model, metrics). `progress(step, loss)` is called after every step.
    """
    from ..data.corpus import Corpus

    t0 = time.time()
    cfg = cfg or ClassifierConfig()
    aug = aug or AugmentConfig()
    corpus = Corpus(data)
    if len(corpus) < 3:
        raise CafeTalkError(f"{data} has {len(corpus)} clips: the classifier needs at least 3 (train/val/test)")
    unknown = sorted({c["emotion"] for c in corpus.clips} - set(cfg.labels))
    if unknown:
        raise CafeTalkError(f"{data} has emotions {unknown} the classifier does not know ({', '.join(cfg.labels)})")
    labels = [c["emotion"] for c in corpus.clips]
    clip_ids = [str(c.get("id", i)) for i, c in enumerate(corpus.clips)]
    corpus_cfg = corpus.manifest.get("config")
    intensity = np.array([int(c.get("intensity", 1)) for c in corpus.clips])
    targets = np.array([cfg.labels.index(lb) for lb in labels])
    motions = load_motions(corpus)
    del corpus
    # The split is by clip over the whole manifest (so it does not depend on the checks below); clips
    # whose motion holds NaN/inf (a corpus bug) are left out of every part and listed in the metrics.
    broken = [i for i, m in enumerate(motions) if not np.isfinite(m).all()]
    parts = {k: np.setdiff1d(v, broken) for k, v in split(len(motions), seed).items()}
    if not len(parts["train"]):
        raise CafeTalkError(f"{data}: no usable training clips")
    t_load = time.time() - t0

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = EmotionClassifier(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    def schedule(s: int) -> float:  # linear warm-up, cosine decay to 0
        return min(1.0, (s + 1) / max(1, warmup)) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / max(1, steps))))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    best = ((-1.0, -math.inf), 0, {k: v.detach().clone() for k, v in model.state_dict().items()})
    history = []
    ema = None
    for step in range(1, steps + 1):
        model.train()
        x, mask, y = sample_batch(motions, targets, parts["train"], batch, cfg.max_frames, rng, aug)
        loss = nn.functional.cross_entropy(model(x, mask), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        if progress:
            progress(step, loss.item())
        if (step % eval_every == 0 or step == steps) and len(parts["val"]):
            acc, nll = _validate(model, motions, labels, parts["val"])
            history.append(dict(step=step, loss=round(ema, 4), val_acc=round(acc, 4), val_nll=round(nll, 4)))
            if (acc, -nll) >= best[0]:  # the best accuracy; among equals, the lowest validation loss
                best = ((acc, -nll), step, {k: v.detach().clone() for k, v in model.state_dict().items()})
    if best[1] == 0:  # no validation clips: keep the last weights
        best = ((float("nan"), float("nan")), steps, model.state_dict())
    model.load_state_dict(best[2])
    model.eval()

    test = parts["test"]
    if not len(test):
        raise CafeTalkError(f"{data}: the test split is empty (too few clips)")
    scored = _score(model, motions, labels, test)
    by_intensity = {}
    for level in (1, 2, 3):
        idx = test[intensity[test] == level]
        if len(idx):
            by_intensity[str(level)] = round(_score(model, motions, labels, idx)["acc"], 4)
    test_motions, test_labels = [motions[i] for i in test], [labels[i] for i in test]
    robustness = {kind: accuracy_and_diversity(model, _perturbed(test_motions, kind, seed), test_labels)["acc"]
                  for kind in ("noise", "smooth", "damped")}
    i3 = test[intensity[test] == 3]
    i3_scored = _score(model, motions, labels, i3) if len(i3) else None
    r4 = lambda v: None if v is None or math.isnan(v) else round(v, 4)  # noqa: E731
    metrics = dict(
        data=str(data), corpus_config=corpus_cfg, out=None if out is None else str(out), clips=len(motions),
        skipped_nonfinite=[clip_ids[i] for i in broken], frames=int(sum(len(m) for m in motions)),
        split={k: int(len(v)) for k, v in parts.items()}, seed=seed, steps=steps, batch=batch, lr=lr,
        weight_decay=weight_decay, warmup=warmup, eval_every=eval_every, augment=asdict(aug),
        torch_threads=torch.get_num_threads(), best_step=best[1], val_acc=r4(best[0][0]),
        test_acc=r4(scored["acc"]), test_acc_intensity=by_intensity,
        test_acc_intensity3=r4(i3_scored["acc"]) if i3_scored else None,
        test_per_class={k: r4(v) for k, v in scored["per_class"].items()},
        test_per_class_intensity3={k: r4(v) for k, v in i3_scored["per_class"].items()} if i3_scored else None,
        test_acc_perturbed={k: r4(v) for k, v in robustness.items()}, test_confusion=scored["confusion"],
        test_div=r4(scored["div"]),
        labels=list(cfg.labels), config=dict(asdict(cfg), labels=list(cfg.labels)), history=history,
        load_seconds=round(t_load, 1), seconds=round(time.time() - t0, 1),
        parameters=sum(p.numel() for p in model.parameters()))
    if out is not None:
        save(model, out, metrics)
    return model, metrics


# ------------------------------------------------------------------------------------ checkpoints


def save(model: EmotionClassifier, folder: str | Path, metrics: dict | None = None) -> Path:
    """model.safetensors + config.json (+ metrics.json and a README.md card) + manifest.json (sha256)."""
    from safetensors.torch import save_file

    from ..checkpoint import write_manifest

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    tmp = root / (WEIGHTS + ".tmp")
    save_file(state, str(tmp), metadata={"format": "cafetalk-emotion-classifier"})
    os.replace(tmp, root / WEIGHTS)
    cfg = asdict(model.cfg)
    cfg["labels"] = list(model.cfg.labels)
    (root / CONFIG).write_text(json.dumps(cfg, indent=2) + "\n")
    files = [WEIGHTS, CONFIG]
    if metrics is not None:
        (root / METRICS).write_text(json.dumps(metrics, indent=1) + "\n")
        (root / CARD).write_text(card(metrics))
        files += [METRICS, CARD]
    return write_manifest(root, files)


def load(folder: str | Path, device: torch.device | str = "cpu") -> EmotionClassifier:
    """Verify every hash in manifest.json, then rebuild the classifier (eval mode)."""
    from safetensors.torch import load_file

    from ..checkpoint import verify

    verify(folder)
    root = Path(folder)
    try:
        cfg = config_from_dict(json.loads((root / CONFIG).read_text()))
        model = EmotionClassifier(cfg)
    except CafeTalkError:
        raise
    except Exception as exc:
        raise CafeTalkError(f"cannot use {root / CONFIG}: {exc}") from None
    state = load_file(str(root / WEIGHTS))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1].strip()
        raise CafeTalkError(f"{root / WEIGHTS} does not match its config: {reason}") from None
    for name, tensor in state.items():
        if not torch.isfinite(tensor).all():
            raise CafeTalkError(f"{root / WEIGHTS}: tensor {name} holds NaN/inf - retrain the classifier")
    return model.to(device).eval()


def card(m: dict) -> str:
    """The model card (README.md) written beside the weights."""
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    rows = "\n".join(f"| {k} | {pct(v)} | {pct((m.get('test_per_class_intensity3') or {}).get(k))} |"
                     for k, v in m["test_per_class"].items())
    inten = ", ".join(f"intensity {k}: {pct(v)}" for k, v in m["test_acc_intensity"].items())
    names = m["labels"]
    c = m["config"]
    p = m.get("test_acc_perturbed") or {}
    retrain = (f"cafetalk train-classifier --data {m['data']} --out {m.get('out') or 'DIR'} --steps {m['steps']} "
               f"--batch {m['batch']} --seed {m['seed']}" + (f" --lr {m['lr']:g}" if m["lr"] != 1e-3 else ""))
    cc = m.get("corpus_config") or {}
    made_by = (f"\nThe corpus is `cafetalk data generate --hours {cc['hours']:g} --seed {cc['seed']} "
               f"--out {m['data']}`\n(deterministic in its seed).\n" if {"hours", "seed"} <= set(cc) else "")
    skipped = (f" ({len(m['skipped_nonfinite'])} clip(s) left out because their motion holds NaN/inf: "
               f"{', '.join(m['skipped_nonfinite'])})") if m["skipped_nonfinite"] else ""
    conf = "\n".join(f"| {names[i]} | " + " | ".join(str(c) for c in row) + " |"
                     for i, row in enumerate(m["test_confusion"]))
    return f"""# Emotion classifier (appendix E.2: the Acc / Div metrics)

Scores generated facial motion: `cafetalk.evaluate.classifier.load(...)` then
`accuracy_and_diversity(classifier, motions, labels)`.

- **Model**: {c['channels']} ARKit channels at 25 fps -> frame MLP ({c['channels']} -> {c['d_model']} ->
  {c['d_model']}) + `<cls>` token + learned positional embedding, {c['layers']} transformer encoder layer
  ({c['heads']} heads, feed-forward {c['ff']}, dropout {c['dropout']}), LayerNorm, linear head over the
  {len(names)} MEAD emotions; {m['parameters']:,} parameters. Crops/windows of at most {c['max_frames']} frames
  ({c['max_frames'] / 25:g} s); longer sequences are scored by the mean of the logits over half-overlapping windows.
- **Data**: the generated corpus `{m['data']}` ({m['clips']:,} clips, {m['frames']:,} frames =
  {m['frames'] / 25 / 3600:.1f} h; emotion and intensity labels of the procedural performer).
- **Split**: by clip, seeded random 70/15/15 (seed {m['seed']}): train {m['split']['train']}, validation
  {m['split']['val']}, test {m['split']['test']} clips{skipped}. Validation every {m['eval_every']} steps; the
  checkpoint with the best validation accuracy (ties: lowest validation loss) is kept (step
  {m['best_step']}); the test split is scored once, on whole clips.
- **Training**: {m['steps']} steps, batch {m['batch']} random 100-frame crops (shorter clips padded and
  masked), AdamW lr {m['lr']} (warm-up {m['warmup']}, cosine), weight decay {m['weight_decay']},
  cross-entropy; augmentation against generated-motion artefacts: gaussian noise (std up to
  {m['augment']['noise']}), 3-tap temporal smoothing (p {m['augment']['smooth_prob']}), gain
  ±{m['augment']['gain']}, shorter crops (p {m['augment']['short_prob']}). {m['seconds']:.0f} s on CPU with
  {m['torch_threads']} torch thread(s), data loading included ({m['load_seconds']:.0f} s).

## Test accuracy

- **overall: {pct(m['test_acc'])}** (validation {pct(m['val_acc'])}); {inten}
- **intensity 3: {pct(m['test_acc_intensity3'])}** (neutral clips only exist at intensity 1)
- Div of the test clips (std of cls features): {m['test_div']}
- robustness (whole test split, artefacts of generated motion): gaussian jitter std 0.03
  {pct(p.get('noise'))}, 5-frame moving average {pct(p.get('smooth'))}, every channel pulled halfway
  to its clip mean (under-articulation) {pct(p.get('damped'))}

| emotion | test | test, intensity 3 |
|---|---|---|
{rows}

Confusion (test split; rows: true, columns: predicted)

| | {' | '.join(names)} |
|---|{'---|' * len(names)}
{conf}

## Retrain

    {retrain}
{made_by}
`metrics.json` holds these numbers and the validation history; `manifest.json` the sha256 of every
file, checked on load.
"""
