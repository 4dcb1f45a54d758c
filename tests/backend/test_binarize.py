import numpy as np

from cafetalk import arkit, aus
from cafetalk.data.binarize import (BinarizeConfig, SparsifyConfig, binarize, max_pool, merge_gaps, runs,
                                    sparsify, to_triplets)


def motion_with(channels_spans, frames=100):
    m = np.zeros((frames, 52), dtype=np.float32)
    for name, s, e, v in channels_spans:
        m[s:e, arkit.INDEX[name]] = v
    return m


def col(unit):
    return aus.UNIT_INDEX[unit]


def test_runs_and_pooling():
    a = np.array([0, 1, 1, 0, 0, 1, 0], dtype=bool)
    assert runs(a) == [(1, 3), (5, 6)]
    pooled = max_pool(a[:, None], 3)[:, 0]
    assert pooled.tolist() == [1, 1, 1, 1, 1, 1, 1]
    assert max_pool(a[:, None], 1)[:, 0].tolist() == a.tolist()


def test_merge_is_random_but_seeded():
    a = np.zeros((40, 1), dtype=bool)
    a[0:5] = a[8:12] = a[30:35] = True  # gap of 3 frames, then a gap of 18
    always = merge_gaps(a, spacing=6, prob=1.0, rng=np.random.default_rng(0))
    assert runs(always[:, 0]) == [(0, 12), (30, 35)]
    never = merge_gaps(a, spacing=6, prob=0.0, rng=np.random.default_rng(0))
    assert runs(never[:, 0]) == [(0, 5), (8, 12), (30, 35)]
    draws = {tuple(merge_gaps(a, 6, 0.5, np.random.default_rng(s))[:, 0]) for s in range(20)}
    assert len(draws) == 2  # merged in some seeds, not in others
    assert np.array_equal(merge_gaps(a, 6, 0.5, np.random.default_rng(3)),
                          merge_gaps(a, 6, 0.5, np.random.default_rng(3)))


def test_binarize_thresholds_and_sides():
    m = motion_with([("mouthSmileLeft", 20, 40, 0.8), ("mouthSmileRight", 20, 40, 0.7),
                     ("browOuterUpLeft", 60, 70, 0.6), ("browInnerUp", 10, 90, 0.2),  # below threshold
                     ("eyeBlinkLeft", 50, 52, 0.9), ("eyeBlinkRight", 50, 52, 0.9)])
    cfg = BinarizeConfig(max_kernel=1, merge_prob=1.0)
    active = binarize(m, cfg, np.random.default_rng(0))
    assert active[20:40, col("L12")].all() and active[20:40, col("R12")].all() and not active[:20, col("L12")].any()
    assert active[60:70, col("L02")].all() and not active[:, col("R02")].any()
    assert not active[:, col("AU01")].any()
    assert active[50:52, col("L45")].all()
    trips = to_triplets(active)
    assert aus.Triplet(("AU12",), 0.8, 1.6) in trips
    assert aus.Triplet(("L02",), 2.4, 2.8) in trips
    assert aus.Triplet(("AU45",), 2.0, 2.08) in trips


def test_pooling_widens_runs():
    m = motion_with([("browDownLeft", 40, 50, 0.9), ("browDownRight", 40, 50, 0.9)])
    widths = set()
    for seed in range(12):
        active = binarize(m, BinarizeConfig(max_kernel=5, merge_prob=0.0), np.random.default_rng(seed))
        (s, e), = runs(active[:, col("L04")])
        assert s <= 40 and e >= 50 and (40 - s) == (e - 50)
        widths.add(e - s)
    assert widths == {10, 12, 14}  # kernels 1, 3, 5


def test_sparsify():
    trips = [aus.Triplet(("AU01", "AU02"), i, i + 0.5) for i in range(200)]
    kept = sparsify(trips, SparsifyConfig(drop_triplet=0.5, drop_au=0.0), np.random.default_rng(0))
    assert 80 < len(kept) < 120 and all(t.aus == ("AU01", "AU02") for t in kept)
    thinned = sparsify(trips, SparsifyConfig(drop_triplet=0.0, drop_au=0.5), np.random.default_rng(0))
    sizes = [len(t.aus) for t in thinned]
    assert 1 in sizes and 2 in sizes and len(thinned) < 200  # triplets that lost every AU are gone
    assert sparsify(trips, SparsifyConfig(1.0, 0.0), np.random.default_rng(0)) == []


def test_sparsify_shortens_long_triplets_to_user_like_slots():
    long = [aus.Triplet(("AU04",), 0.0, 4.0) for _ in range(200)]
    short = [aus.Triplet(("AU12",), 1.0, 1.5) for _ in range(50)]
    cfg = SparsifyConfig(drop_triplet=0.0, drop_au=0.0, shorten=0.5)
    out = sparsify(long + short, cfg, np.random.default_rng(0))
    cut = [t for t in out if t.aus == ("AU04",) and t.end - t.start < 4.0]
    assert 70 < len(cut) < 130  # about half of the long ones
    for t in cut:
        assert 0.0 <= t.start < t.end <= 4.0 + 1e-9 and 0.39 <= t.end - t.start <= 1.52
        assert abs(t.start * aus.FPS - round(t.start * aus.FPS)) < 1e-6  # on the frame grid
    assert all((t.start, t.end) == (1.0, 1.5) for t in out if t.aus == ("AU12",))  # short ones untouched
    assert sparsify(long, SparsifyConfig(0.0, 0.0), np.random.default_rng(0)) == long  # off by default
