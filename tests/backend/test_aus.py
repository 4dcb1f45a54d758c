import numpy as np
import pytest

from cafetalk import arkit, aus


def test_every_au_drives_existing_channels():
    for code, (name, channels, sided) in aus.VOCABULARY.items():
        assert channels and all(c in arkit.PREDICTED for c in channels), code
        if sided:
            assert any(c.endswith("Left") for c in channels) and any(c.endswith("Right") for c in channels)


@pytest.mark.parametrize("text,expected", [
    ("AU01+AU02@1.0-2.5", aus.Triplet(("AU01", "AU02"), 1.0, 2.5)),
    ("au12 @ 50f-80f", aus.Triplet(("AU12",), 2.0, 3.2)),
    ("L12@2-3.5*1.5", aus.Triplet(("L12",), 2.0, 3.5, 1.5)),
    ("AU1+AU1@0-1", aus.Triplet(("AU01",), 0.0, 1.0)),
])
def test_parse(text, expected):
    assert aus.parse_triplet(text) == expected
    assert aus.parse_triplet(str(expected)) == expected  # printing round-trips


@pytest.mark.parametrize("text,needle", [
    ("AU99@1-2", "unknown AU"),
    ("AU12@2-1", "inverted"),
    ("AU12@1-1", "inverted"),
    ("L01@1-2", "no sides"),
    ("smile@1-2", "not an AU code"),
    ("AU12 1-2", "cannot read"),
    ("AU12@1-2*99", "outside"),
])
def test_parse_errors(text, needle):
    with pytest.raises(ValueError, match=needle):
        aus.parse_triplet(text)


def test_validate_against_duration():
    aus.validate([aus.Triplet(("AU12",), 1.0, 3.0)], duration=3.0)
    with pytest.raises(ValueError, match="past the end"):
        aus.validate([aus.Triplet(("AU12",), 1.0, 4.0)], duration=3.0)
    with pytest.raises(ValueError, match="after the audio ends"):
        aus.validate([aus.Triplet(("AU12",), 3.5, 4.0)], duration=3.0)


def test_frame_masks():
    trips = [aus.parse_triplet("AU12@0.4-0.8"), aus.parse_triplet("L02@0.6-1.0*2")]
    seq = aus.au_sequence(trips, 30)
    assert seq.shape == (30, aus.NUM_UNITS)
    assert seq[10:20, aus.UNIT_INDEX["L12"]].all() and seq[10:20, aus.UNIT_INDEX["R12"]].all()
    assert not seq[:10].any() and not seq[25:].any()
    assert seq[15:25, aus.UNIT_INDEX["L02"]].all() and not seq[:, aus.UNIT_INDEX["R02"]].any()

    z = aus.guidance_mask(trips, 30, beta=1.0)
    assert np.allclose(z[10:15], 1.0) and np.allclose(z[15:25], 2.0) and z[:10].sum() == 0 and z[25:].sum() == 0
    zc = aus.guidance_mask(trips, 30, beta=1.0, mask="channels")  # masked in space too: the AUs' channels
    assert zc.shape == (30, 51) and np.allclose(zc.max(1), z)
    assert {arkit.PREDICTED[c] for c in np.nonzero(zc[12])[0]} == {"mouthSmileLeft", "mouthSmileRight"}
    assert zc[22, arkit.PREDICTED.index("browOuterUpLeft")] == 2.0 and zc[22].sum() == 2.0

    zo = aus.guidance_mask(trips, 30, beta=1.0, mask="opposing")  # and the channels of opposing AUs, same side
    assert {arkit.PREDICTED[c] for c in np.nonzero(zo[12])[0]} == {"mouthSmileLeft", "mouthSmileRight",
                                                                   "mouthFrownLeft", "mouthFrownRight"}
    assert {arkit.PREDICTED[c] for c in np.nonzero(zo[22])[0]} == {"browOuterUpLeft", "browDownLeft"}
    assert np.allclose(zo * (zc > 0), zc)  # a superset of the channel mask, with the same betas
    with pytest.raises(ValueError, match="mask"):
        aus.guidance_mask(trips, 30, beta=1.0, mask="everywhere")

    ctrl = aus.control_mask(trips, 30)
    assert ctrl.shape == (30, 51)
    on = {arkit.PREDICTED[c] for c in np.nonzero(ctrl[12])[0]}
    assert on == {"mouthSmileLeft", "mouthSmileRight"}
    on = {arkit.PREDICTED[c] for c in np.nonzero(ctrl[22])[0]}
    assert on == {"browOuterUpLeft"}
