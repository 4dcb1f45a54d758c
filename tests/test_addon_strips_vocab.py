from blender_addon.strips import AUS, UNSIDED, check_aus
from cafetalk import aus


def test_add_on_knows_the_backends_aus():
    assert tuple(AUS) == aus.AUS
    assert {a: n for a, (n, _, _) in aus.VOCABULARY.items()} == AUS
    assert UNSIDED == {a for a, (_, _, sided) in aus.VOCABULARY.items() if not sided}
    assert check_aus("au01+L12") == ["AU01", "L12"]
