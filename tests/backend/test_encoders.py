import numpy as np
import pytest
import torch

from cafetalk.audio import build_audio_encoder
from cafetalk.errors import CafeTalkError
from cafetalk.model.config import AudioConfig, StyleConfig, TextConfig
from tests.conftest import speech_like


def test_mel_encoder_shape_and_alignment():
    enc = build_audio_encoder(AudioConfig())
    wave = np.zeros(16000, dtype=np.float32)
    wave[8000:8640] = np.sin(np.arange(640) * 0.3)  # a burst in motion frame 12 (8000 / 640 = 12.5)
    feats = enc.encode(wave, 25)
    assert feats.shape == (25, 320)
    energy = feats.reshape(25, 4, 80).mean(dim=(1, 2))
    assert int(energy.argmax()) in (12, 13)


def test_xlsr_encoder_from_local_folder(tmp_path):
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    cfg = Wav2Vec2Config(hidden_size=24, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                         conv_dim=(16, 16), conv_stride=(5, 64), conv_kernel=(10, 64),
                         num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2)
    torch.manual_seed(0)
    Wav2Vec2Model(cfg).save_pretrained(tmp_path / "xlsr", safe_serialization=True)
    enc = build_audio_encoder(AudioConfig(kind="xlsr", path=str(tmp_path / "xlsr"), dim=24))
    feats = enc.encode(speech_like(2.0), 50)
    assert feats.shape == (50, 24) and torch.isfinite(feats).all() and feats.std() > 0
    with pytest.raises(CafeTalkError, match="expects 99"):
        build_audio_encoder(AudioConfig(kind="xlsr", path=str(tmp_path / "xlsr"), dim=99))
    with pytest.raises(CafeTalkError, match="no Wav2Vec2 model"):
        build_audio_encoder(AudioConfig(kind="xlsr", path=str(tmp_path / "nothing"), dim=24))
    with pytest.raises(CafeTalkError, match="unknown audio encoder"):
        build_audio_encoder(AudioConfig(kind="hubert"))


def test_minilm_encoder(text_dir):
    from cafetalk.text import build_text_encoder

    enc = build_text_encoder(TextConfig(path=str(text_dir), dim=16))
    e = enc.encode(["happy", "very angry", "happy"])
    assert e.shape == (3, 16)
    assert torch.allclose(e.norm(dim=-1), torch.ones(3), atol=1e-5)
    assert torch.allclose(e[0], e[2]) and not torch.allclose(e[0], e[1])


def test_real_minilm_package_loads_offline():
    """The default text encoder ships inside a package: it must load with no network."""
    from cafetalk.text import build_text_encoder

    enc = build_text_encoder(TextConfig())
    e = enc.encode(["fearful", "scared", "happy"])
    assert e.shape == (3, 384)
    assert float(e[0] @ e[1]) > float(e[0] @ e[2])  # synonyms land closer than other emotions


TINY_CLIP = {"embed_dim": 16,
             "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
             "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    from safetensors.torch import save_file

    from cafetalk.clip import import_open_clip

    open_clip = import_open_clip()
    torch.manual_seed(0)
    model = open_clip.CLIP(**TINY_CLIP)
    path = tmp_path_factory.mktemp("clip") / "tiny_clip.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


def test_open_clip_text_tower(tiny_clip):
    from cafetalk.text import build_text_encoder

    enc = build_text_encoder(TextConfig(kind="open_clip", path=str(tiny_clip), clip_cfg=TINY_CLIP, dim=16))
    e = enc.encode(["a happy person", "a furious person"])
    assert e.shape == (2, 16) and torch.allclose(e.norm(dim=-1), torch.ones(2), atol=1e-5)
    assert not torch.allclose(e[0], e[1])


def test_open_clip_image_tower(tiny_clip, tmp_path):
    from PIL import Image

    from cafetalk.image import ImageStyleEncoder

    rng = np.random.default_rng(0)
    for name, size in (("a.png", (64, 48)), ("b.png", (40, 90))):
        Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(tmp_path / name)
    enc = ImageStyleEncoder(StyleConfig(kind="open_clip", path=str(tiny_clip), clip_cfg=TINY_CLIP, dim=16))
    a, b = enc.encode(tmp_path / "a.png"), enc.encode(tmp_path / "b.png")
    assert a.shape == (16,) and not torch.allclose(a, b)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(CafeTalkError, match="cannot read style image"):
        enc.encode(tmp_path / "bad.png")


def test_clip_refuses_pickles(tmp_path):
    from cafetalk.clip import load_clip

    (tmp_path / "model.pt").write_bytes(b"\x80\x04pickle")
    with pytest.raises(CafeTalkError, match="safetensors"):
        load_clip(str(tmp_path / "model.pt"), "ViT-B-32", TINY_CLIP)


def test_text_cache_encodes_new_texts_in_one_batch_and_forgets_old_ones():
    from cafetalk.text import CachedTextEncoder

    calls = []

    class Counting:
        dim = 2

        def encode(self, texts):
            calls.append(list(texts))
            return torch.tensor([[float(len(t)), 1.0] for t in texts])

    enc = CachedTextEncoder(Counting(), size=2)
    e = enc.encode(["a", "bb", "a"])
    assert calls == [["a", "bb"]] and e[:, 0].tolist() == [1.0, 2.0, 1.0]
    enc.encode(["bb", "ccc"])  # "a" is now the oldest and falls out
    assert calls[-1] == ["ccc"]
    enc.encode(["a"])
    assert calls[-1] == ["a"]
