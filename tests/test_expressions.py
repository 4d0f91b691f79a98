"""Expressions: grammar, located errors, evaluation over draws, dependency order."""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prevcalc.expressions import (
    Expression,
    ExpressionError,
    evaluation_order,
    parse,
)


def value(text, **env):
    return parse(text).evaluate(env)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2 + 3 * 4 ** 2", 50.0),
        ("-2 ** 2", -4.0),  # as in Python: ** binds tighter than a leading minus
        ("(-2) ** 2", 4.0),
        ("2 ** 3 ** 2", 512.0),  # right-associative
        ("2 ** -1", 0.5),
        ("10 - 4 - 3", 3.0),  # left-associative
        ("24 / 4 / 3", 2.0),
        ("+3 - -2", 5.0),
        ("--3", 3.0),
        ("1e3", 1000.0),
        ("2.5E-1", 0.25),
        (".5 + 1.", 1.5),
        ("7 − 2", 5.0),  # typographic minus, as the format documents write it
        ("min(3, 1, 2) + max(3, 1, 2)", 4.0),
        ("max(min(5, 9), 2) * (1 + 1)", 10.0),
        ("  1 +\n 2\t", 3.0),
    ],
)
def test_arithmetic(text, expected):
    result = value(text)
    assert type(result) is float
    assert result == expected


def test_names_are_collected():
    e = parse("weekly_saving * 52 * effect + min(effect, cap2)")
    assert e.names == frozenset({"weekly_saving", "effect", "cap2"})
    assert e.text == "weekly_saving * 52 * effect + min(effect, cap2)"
    assert isinstance(e, Expression)
    assert e == parse("weekly_saving * 52 * effect + min(effect, cap2)")


def test_evaluation_over_arrays_of_draws():
    effect = np.array([0.8, 1.0, 1.2])
    result = parse("weekly_saving * 52 * effect").evaluate({"weekly_saving": 294, "effect": effect})
    np.testing.assert_array_equal(result, 294 * 52 * effect)
    assert result.shape == (3,)


def test_min_max_are_elementwise_over_arrays():
    a = np.array([1.0, 5.0, 3.0])
    b = np.array([4.0, 2.0, 3.0])
    np.testing.assert_array_equal(value("min(a, b)", a=a, b=b), [1, 2, 3])
    np.testing.assert_array_equal(value("max(a, b, 4.5)", a=a, b=b), [4.5, 5, 4.5])
    np.testing.assert_array_equal(value("min(a, 2)", a=a), [1, 2, 2])


def test_division_by_zero_is_inf_or_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert value("1 / x", x=0) == np.inf
        assert np.isnan(value("x / x", x=0))
        out = value("1 / x", x=np.array([0.0, 2.0]))
        assert out.tolist() == [np.inf, 0.5]
        assert np.isnan(value("x ** 0.5", x=-1))  # real arithmetic, never complex
        assert value("10 ** 400") == np.inf


def test_integer_inputs_use_real_division_and_powers():
    assert value("a / b", a=1, b=2) == 0.5
    assert value("a ** b", a=2, b=-1) == 0.5
    np.testing.assert_array_equal(value("a ** -1", a=np.array([1, 2, 4])), [1, 0.5, 0.25])


def test_unknown_name_with_did_you_mean():
    with pytest.raises(ExpressionError) as info:
        parse("weekly * 2 + efect").evaluate({"effect": 1.0, "weekly": 3.0})
    assert info.value.message == "unknown parameter 'efect'; did you mean 'effect'?"
    assert info.value.offset == 13
    assert info.value.names == ("efect",)
    assert str(info.value) == info.value.message


def test_unknown_name_without_close_match():
    with pytest.raises(ExpressionError, match=r"^unknown parameter 'zzz'$"):
        value("zzz", effect=1.0)


def test_first_unknown_name_in_text_order_is_reported():
    with pytest.raises(ExpressionError) as info:
        value("b + a")
    assert info.value.message.startswith("unknown parameter 'b'")
    assert info.value.offset == 0


@pytest.mark.parametrize(
    "text, offset, message",
    [
        ("__import__('os')", 0, "names may not start with '_' (got '__import__')"),
        ("a.b", 1, "attribute access ('.') is not allowed"),
        ("a[0]", 1, "subscripts and lists ('[ ]') are not allowed"),
        ("abs(x)", 0, "only min() and max() may be called (got abs())"),
        ("x if y else z", 2, "conditional expressions (if … else) are not allowed"),
        ('"s"', 0, "strings are not allowed"),
        ("'s'", 0, "strings are not allowed"),
        ("a < b", 2, "comparisons ('<') are not allowed"),
        ("a == b", 2, "comparisons ('==') are not allowed"),
        ("a and b", 2, "logical operators ('and') are not allowed"),
        ("not a", 0, "logical operators ('not') are not allowed"),
        ("lambda: 1", 0, "functions ('lambda') are not allowed"),
        ("a ^ 2", 2, "'^' is not allowed; write ** for a power"),
        ("a // 2", 2, "'//' (floor division) is not allowed"),
        ("a % 2", 2, "'%' is not allowed"),
        ("x = 3", 2, "'=' is not allowed"),
        ("min(a, key=b)", 10, "'=' is not allowed"),
        ("min(**a)", 4, "expected a number, a parameter name, or '(' (got '**')"),
        ("min(*a, 2)", 4, "expected a number, a parameter name, or '(' (got '*')"),
        ("(x := 1)", 3, "unexpected character ':'"),
        ("a @ b", 2, "unexpected character '@'"),
        ("a; b", 1, "unexpected character ';'"),
        ("min(2)", 0, "min() needs 2 or more arguments (got 1)"),
        ("max", 0, "max is a function: write max(a, b, …)"),
        ("", 0, "the expression is empty"),
        ("   ", 0, "the expression is empty"),
        ("2 +", 3, "the expression ends too early"),
        ("2 +* 3", 3, "expected a number, a parameter name, or '(' (got '*')"),
        ("(2 + 3", 0, "'(' is never closed"),
        ("min(1, 2", 3, "'(' of min() is never closed"),
        ("2 + 3)", 5, "unmatched ')'"),
        ("()", 1, "expected a number, a parameter name, or '(' (got ')')"),
        ("1, 2", 1, "a comma may only separate the arguments of min() or max()"),
        ("a b", 2, "expected an operator (+ - * / **) or the end of the expression (got 'b')"),
        ("2x", 0, "'2x' is not a valid number; write 2 * x to multiply"),
        ("1e", 0, "'1e' is not a valid number"),
        ("0x10", 0, "'0x10' is not a valid number"),
        ("1.2.3", 0, "'1.2.3' is not a valid number"),
        ("1_000", 0, "'1_000' is not a valid number"),
        ("1e400", 0, "'1e400' is too large a number"),
        ("café", 3, "unexpected character 'é'"),
        ("2 × 3", 2, "'×' is not allowed; write * to multiply"),
        ("(" * 150 + "1" + ")" * 150, 100, "the expression is nested too deeply"),
        ("2 ** " * 150 + "2", 500, "the expression is nested too deeply"),
        ("a b.c", 2, "expected an operator"),  # the first problem in reading order
    ],
)
def test_forbidden_and_malformed_expressions_are_located(text, offset, message):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.message.startswith(message)
    assert info.value.offset == offset
    assert isinstance(info.value, ValueError)


def test_long_flat_sums_parse_and_evaluate():
    # 999 terms: just under the length budget (2,000 characters), and flat, so no recursion.
    assert value("+".join(["1"] * 1000)) == 1000.0


def test_an_expression_over_the_length_budget_is_refused_with_its_size():
    # Issue 8: a 1,000,000-term expression was accepted after 17 s.
    text = "+".join(["1"] * 500_000)
    with pytest.raises(ExpressionError, match="999,999 characters long; at most 2,000"):
        parse(text)


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError):
        parse(3.0)


def test_expression_error_pickles_with_its_position():
    e = pickle.loads(pickle.dumps(ExpressionError("bad", 4, ("a",))))
    assert (e.message, e.offset, e.names) == ("bad", 4, ("a",))


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(a=finite, b=finite, x=finite)
def test_affine_expression_matches_python(a, b, x):
    assert parse("a * x + b").evaluate({"a": a, "b": b, "x": x}) == a * x + b


@given(
    a=finite,
    b=finite,
    x=st.lists(finite, min_size=1, max_size=20).map(np.array),
)
def test_affine_expression_over_draws(a, b, x):
    np.testing.assert_array_equal(parse("a * x + b").evaluate({"a": a, "b": b, "x": x}), a * x + b)


@given(a=finite, b=finite, c=finite.filter(lambda v: abs(v) > 1e-6))  # no overflow to inf * 0
def test_precedence_matches_python(a, b, c):
    env = {"a": a, "b": b, "c": c}
    assert value("a - b / c * a + -b", **env) == a - b / c * a + -b
    assert value("(a - b) / c", **env) == (a - b) / c
    assert value("max(a, b) - min(a, b, c)", **env) == max(a, b) - min(a, b, c)


def test_evaluation_order_is_topological():
    deps = {
        "total": frozenset({"unit", "n"}),
        "unit": frozenset({"base", "uplift"}),
        "n": frozenset(),
        "base": frozenset(),
        "uplift": frozenset({"base"}),
    }
    order = evaluation_order(deps)
    assert sorted(order) == sorted(deps)
    for name, refs in deps.items():
        assert all(order.index(ref) < order.index(name) for ref in refs)
    assert order == evaluation_order(dict(deps))  # deterministic


def test_evaluation_order_keeps_an_already_valid_order():
    deps = {"a": frozenset(), "b": frozenset({"a"}), "c": frozenset({"a", "b"}), "d": frozenset()}
    assert evaluation_order(deps) == ["a", "b", "c", "d"]


def test_evaluation_order_handles_long_chains():
    deps = {f"p{i}": frozenset({f"p{i + 1}"}) for i in range(3000)}
    deps["p3000"] = frozenset()
    assert evaluation_order(deps)[:2] == ["p3000", "p2999"]


def test_cycle_is_reported_with_its_path():
    deps = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    with pytest.raises(ExpressionError) as info:
        evaluation_order(deps)
    assert info.value.message == "parameters refer to each other in a cycle: a → b → c → a"
    assert info.value.names == ("a", "b", "c")


def test_two_cycle_message():
    message = "^parameters refer to each other in a cycle: a → b → a$"
    with pytest.raises(ExpressionError, match=message):
        evaluation_order({"a": frozenset({"b"}), "b": frozenset({"a"})})


def test_self_reference():
    with pytest.raises(ExpressionError, match="^parameter 'a' refers to itself$"):
        evaluation_order({"a": frozenset({"a"})})


def test_undefined_reference_with_did_you_mean():
    deps = {"total": frozenset({"efect"}), "effect": frozenset(), "x": frozenset({"zz"})}
    with pytest.raises(ExpressionError) as info:
        evaluation_order(deps)
    assert info.value.message == (
        "parameter 'total' refers to unknown parameter 'efect'; did you mean 'effect'?"
    )
    assert info.value.names == ("total", "efect")


def test_dependencies_from_parsed_expressions():
    texts = {"a": "b * 2", "b": "c + 1", "c": "3"}
    deps = {name: parse(text).names for name, text in texts.items()}
    env = {}
    for name in evaluation_order(deps):
        env[name] = parse(texts[name]).evaluate(env)
    assert env == {"c": 3.0, "b": 4.0, "a": 8.0}
