"""Named parameters in the hand-written search SQL, and their positional form for the ORM."""

from briefings.search.postgres import named, positional, required_phrases


def test_positional_orders_the_values_as_the_names_appear():
    sql, params = positional("f(%(a)s, %(b)s, %(a)s) LIKE '%%x'", {"a": 1, "b": 2, "unused": 3})
    assert sql == "f(%s, %s, %s) LIKE '%%x'"
    assert params == (1, 2, 1)


def test_named_gives_each_positional_parameter_a_name():
    sql, values = named("a = %s AND b LIKE '%%' AND c = %s", [10, 20], "q_")
    assert sql == "a = %(q_0)s AND b LIKE '%%' AND c = %(q_1)s"
    assert values == {"q_0": 10, "q_1": 20}


def test_named_then_positional_gives_back_the_query():
    original, params = "x = %s OR y = %s", ["a", "b"]
    assert positional(*named(original, params, "p")) == (original, tuple(params))


def test_only_phrases_every_match_needs_narrow_a_search():
    assert required_phrases('"export control" chips') == ["export control"]
    assert required_phrases('"export control" "grid power"') == ["export control", "grid power"]
    assert required_phrases('"export control" OR chips') == []
    assert required_phrases('"export control" or chips') == []
    assert required_phrases('chips -"export control"') == []
    assert required_phrases('"export"') == []
    assert required_phrases('"export control') == []
