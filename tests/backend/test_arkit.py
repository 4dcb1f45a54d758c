from cafetalk import arkit


def test_vocabulary_sizes_and_order():
    assert len(arkit.NAMES) == 52 and len(set(arkit.NAMES)) == 52
    assert arkit.PREDICTED == arkit.NAMES[:51]  # tongueOut is last, so the 51 predicted are a prefix
    assert "tongueOut" not in arkit.PREDICTED
    assert arkit.NAMES[arkit.index_of("JawOpen")] == "jawOpen"


def test_livelink_columns():
    cols = arkit.LIVELINK_COLUMNS
    assert cols[:2] == ("Timecode", "BlendShapeCount")
    assert cols[2] == "EyeBlinkLeft" and cols[2 + 51] == "TongueOut"
    assert len(cols) == 2 + 52 + 9 and arkit.LIVELINK_BLENDSHAPE_COUNT == 61


def test_left_right_pairs_mirror():
    assert len(arkit.LR_PAIRS) == 20  # 7 eye, jaw, mouth direction, 7 mouth, 2 brow, cheek, nose
    assert ("eyeBlinkLeft", "eyeBlinkRight") in arkit.LR_PAIRS
    perm = arkit.mirror_index()
    assert sorted(perm) == list(range(52))
    assert all(perm[perm[i]] == i for i in range(52))  # an involution
    assert arkit.NAMES[perm[arkit.INDEX["mouthSmileLeft"]]] == "mouthSmileRight"
    assert perm[arkit.INDEX["jawOpen"]] == arkit.INDEX["jawOpen"]
