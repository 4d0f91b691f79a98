"""Arithmetic expressions over named parameters, parsed and never run as code.

Anywhere a scenario takes a number it may take a string such as ``"weekly_saving * 52 *
effect"``. This module parses such strings with a small recursive-descent parser into a tree,
and evaluates the tree with numpy so that each parameter may be a single value or a 1-d array
over draws. The grammar is deliberately tiny::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("+" | "-") unary | power
    power      := atom ("**" unary)?
    atom       := number | name | ("min" | "max") "(" expression ("," expression)+ ")"
                | "(" expression ")"

Precedence and associativity follow Python: ``**`` binds tighter than a unary minus on its left
and groups from the right (``-2 ** 2`` is −4, ``2 ** 3 ** 2`` is 512). Names are ASCII letters,
digits and ``_``, starting with a letter. Numbers are decimal (``12``, ``0.5``, ``.5``,
``1e3``). The minus sign may be typed as ``-`` or as the typographic ``−`` (U+2212). Anything
else is an :class:`ExpressionError` located at a character offset, with a message saying what was
expected.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Expression", "ExpressionError", "evaluation_order", "parse"]

FUNCTIONS = {"min": np.minimum, "max": np.maximum}
OPERATORS = "+ - * / **"

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDISH = re.compile(r"[\w.]*")

# Characters (or pairs) outside the language, each with the message a user sees.
_FORBIDDEN = {
    "//": "'//' (floor division) is not allowed; the operators are " + OPERATORS,
    "==": "comparisons ('==') are not allowed",
    "!=": "comparisons ('!=') are not allowed",
    "<=": "comparisons ('<=') are not allowed",
    ">=": "comparisons ('>=') are not allowed",
    "<": "comparisons ('<') are not allowed",
    ">": "comparisons ('>') are not allowed",
    "=": "'=' is not allowed: an expression computes a value; it cannot assign one or name "
    "an argument",
    ".": "attribute access ('.') is not allowed",
    "[": "subscripts and lists ('[ ]') are not allowed",
    "]": "subscripts and lists ('[ ]') are not allowed",
    "{": "braces ('{ }') are not allowed",
    "}": "braces ('{ }') are not allowed",
    '"': "strings are not allowed: an expression is arithmetic on numbers and parameter names",
    "'": "strings are not allowed: an expression is arithmetic on numbers and parameter names",
    "^": "'^' is not allowed; write ** for a power (2 ** 3 is 8)",
    "%": "'%' is not allowed; the operators are " + OPERATORS,
    "×": "'×' is not allowed; write * to multiply",
    "÷": "'÷' is not allowed; write / to divide",
}

# Python keywords a user might reach for, and why they are refused.
_KEYWORDS = {
    "if": "conditional expressions (if … else) are not allowed; min() and max() may help",
    "else": "conditional expressions (if … else) are not allowed; min() and max() may help",
    "and": "logical operators ('and') are not allowed",
    "or": "logical operators ('or') are not allowed",
    "not": "logical operators ('not') are not allowed",
    "in": "comparisons ('in') are not allowed",
    "is": "comparisons ('is') are not allowed",
    "for": "comprehensions ('for') are not allowed",
    "lambda": "functions ('lambda') are not allowed",
}

# Each nesting level costs several Python frames while parsing; this stays far below the limit.
_MAX_DEPTH = 100
#: The longest expression accepted, in characters: a formula a person writes is a line or two;
#: a longer one is a mistake or an attack, and parsing it would cost time for nothing.
MAX_LENGTH = 2_000


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated.

    Parameters
    ----------
    message : str
        What was expected and what was found, in plain words.
    offset : int
        0-based character offset in the expression text where the problem is; 0 if unknown.
    names : tuple of str
        The parameter names involved, if any (the unknown name, or the names in a cycle), so
        that a caller can point at where they are defined.

    Examples
    --------
    >>> try:
    ...     parse("2 +* 3")
    ... except ExpressionError as e:
    ...     print(e.offset, e.message)
    3 expected a number, a parameter name, or '(' (got '*')
    """

    def __init__(self, message: str, offset: int = 0, names: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.names = tuple(names)

    def __reduce__(self):
        return (type(self), (self.message, self.offset, self.names))


def _did_you_mean(name: str, candidates) -> str:
    """Return "; did you mean 'x'?" for the closest candidate, or ""."""
    close = difflib.get_close_matches(name, sorted(c for c in candidates if isinstance(c, str)), 1)
    return f"; did you mean '{close[0]}'?" if close else ""


# ---------------------------------------------------------------------------------------------
# Tokens: (kind, text, offset, value), kind one of "num", "name", "op", "end", "bad".


def _tokenize(text: str) -> list[tuple[str, str, int, Any]]:
    """Split text into tokens, ending with a "bad" token at the first character not allowed.

    A bad token carries its message as its value and is raised only when the parser reaches
    it, so that an earlier problem (such as ``lambda`` in ``lambda: 1``) is the one reported.
    """
    tokens: list[tuple[str, str, int, Any]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        m = _NUMBER.match(text, i)
        if m:
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] in "_."):
                word = _WORDISH.match(text, end)
                assert word is not None  # matches the empty string at worst
                bad = text[i : word.end()]
                hint = ""
                if m.group().isdigit() and text[end].isalpha() and text[end] not in "eE":
                    hint = f"; write {m.group()} * {text[end : i + len(bad)]} to multiply"
                return tokens + [("bad", bad, i, f"'{bad}' is not a valid number{hint}")]
            value = float(m.group())
            if not np.isfinite(value):
                return tokens + [("bad", m.group(), i, f"'{m.group()}' is too large a number")]
            tokens.append(("num", m.group(), i, np.float64(value)))
            i = end
            continue
        m = _NAME.match(text, i)
        if m:
            if c == "_":
                message = f"names may not start with '_' (got '{m.group()}')"
                return tokens + [("bad", m.group(), i, message)]
            tokens.append(("name", m.group(), i, None))
            i = m.end()
            continue
        two = text[i : i + 2]
        if two == "**":
            tokens.append(("op", "**", i, None))
            i += 2
            continue
        if two in _FORBIDDEN:
            return tokens + [("bad", two, i, _FORBIDDEN[two])]
        if c in "+-*/(),":
            tokens.append(("op", c, i, None))
        elif c == "\u2212":
            tokens.append(("op", "-", i, None))
        elif c in _FORBIDDEN:
            return tokens + [("bad", c, i, _FORBIDDEN[c])]
        else:
            message = (
                f"unexpected character {c!r}; expressions use numbers, parameter names, "
                f"{OPERATORS}, parentheses, min() and max()"
            )
            return tokens + [("bad", c, i, message)]
        i += 1
    tokens.append(("end", "", n, None))
    return tokens


# ---------------------------------------------------------------------------------------------
# Tree nodes are tuples whose first two items are the kind and the offset:
#   ("num", offset, value)  ("name", offset, name)  ("neg" | "pos", offset, operand)
#   ("chain", offset, first, [(op, op_offset, operand), ...])  for left-associative + - and * /
#   ("pow", offset, base, exponent)  ("call", offset, function, args)
# Sums and products are flat chains rather than nested pairs, so the tree is only as deep as
# the nesting of parentheses, signs, powers and calls, which the parser bounds.


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self):
        tok = self.tokens[self.i]
        if tok[0] == "bad":
            raise ExpressionError(tok[3], tok[2])
        return tok

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def at_op(self, *ops):
        tok = self.peek()
        return tok[0] == "op" and tok[1] in ops

    def parse(self):
        if self.peek()[0] == "end":
            raise ExpressionError("the expression is empty", 0)
        node = self.expression()
        tok = self.peek()
        if tok[0] != "end":
            self.unexpected_after_operand(tok)
        return node

    def unexpected_after_operand(self, tok):
        kind, text, offset, _ = tok
        if kind == "name" and text in _KEYWORDS:
            raise ExpressionError(_KEYWORDS[text], offset)
        if text == ")":
            raise ExpressionError("unmatched ')'", offset)
        if text == ",":
            raise ExpressionError(
                "a comma may only separate the arguments of min() or max()", offset
            )
        raise ExpressionError(
            f"expected an operator ({OPERATORS}) or the end of the expression (got '{text}')",
            offset,
        )

    def chain(self, ops, operand):
        first = operand()
        rest = []
        while self.at_op(*ops):
            op = self.take()
            rest.append((op[1], op[2], operand()))
        return ("chain", first[1], first, rest) if rest else first

    def expression(self):
        return self.chain(("+", "-"), self.term)

    def term(self):
        return self.chain(("*", "/"), self.unary)

    def unary(self):
        # Every path of recursion passes through here, so this one guard bounds the depth.
        tok = self.peek()
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError("the expression is nested too deeply", tok[2])
        if self.at_op("+", "-"):
            self.take()
            node = ("neg" if tok[1] == "-" else "pos", tok[2], self.unary())
        else:
            node = self.power()
        self.depth -= 1
        return node

    def power(self):
        base = self.atom()
        if self.at_op("**"):
            tok = self.take()
            # Right-associative, and the exponent may carry its own sign: 2 ** -1.
            return ("pow", tok[2], base, self.unary())
        return base

    def atom(self):
        tok = self.take()
        kind, text, offset, value = tok
        if kind == "num":
            return ("num", offset, value)
        if kind == "name":
            if text in _KEYWORDS:
                raise ExpressionError(_KEYWORDS[text], offset)
            if self.at_op("("):
                return self.call(tok)
            if text in FUNCTIONS:
                raise ExpressionError(f"{text} is a function: write {text}(a, b, …)", offset)
            return ("name", offset, text)
        if text == "(":
            node = self.expression()
            close = self.take()
            if close[1] != ")":
                if close[0] == "end":
                    raise ExpressionError("'(' is never closed", offset)
                self.unexpected_after_operand(close)
            return node
        if kind == "end":
            raise ExpressionError(
                "the expression ends too early: expected a number, a parameter name, or '('",
                offset,
            )
        raise ExpressionError(f"expected a number, a parameter name, or '(' (got '{text}')", offset)

    def call(self, name_tok):
        name, offset = name_tok[1], name_tok[2]
        if name not in FUNCTIONS:
            raise ExpressionError(f"only min() and max() may be called (got {name}())", offset)
        self.take()  # "("
        args = [self.expression()]
        while self.at_op(","):
            self.take()
            args.append(self.expression())
        close = self.take()
        if close[1] != ")":
            if close[0] == "end":
                raise ExpressionError(f"'(' of {name}() is never closed", offset + len(name))
            self.unexpected_after_operand(close)
        if len(args) < 2:
            raise ExpressionError(f"{name}() needs 2 or more arguments (got 1)", offset)
        return ("call", offset, name, args)


def _children(node):
    """The operand nodes of a node, in text order."""
    kind = node[0]
    if kind in ("neg", "pos"):
        return [node[2]]
    if kind == "chain":
        return [node[2]] + [operand for _, _, operand in node[3]]
    if kind == "pow":
        return [node[2], node[3]]
    if kind == "call":
        return node[3]
    return []


def _name_offsets(node, out: dict[str, int]) -> dict[str, int]:
    """Collect each name's first offset in the text."""
    if node[0] == "name":
        out[node[2]] = min(out.get(node[2], node[1]), node[1])
    for child in _children(node):
        _name_offsets(child, out)
    return out


_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}


def _evaluate(node, env):
    kind = node[0]
    if kind == "num":
        return node[2]
    if kind == "name":
        return env[node[2]]
    if kind == "neg":
        return np.negative(_evaluate(node[2], env))
    if kind == "pos":
        return _evaluate(node[2], env)
    if kind == "chain":
        value = _evaluate(node[2], env)
        for op, _, operand in node[3]:
            value = _BINARY[op](value, _evaluate(operand, env))
        return value
    if kind == "pow":
        return np.power(_evaluate(node[2], env), _evaluate(node[3], env))
    return functools.reduce(FUNCTIONS[node[2]], [_evaluate(a, env) for a in node[3]])


def _as_result(value):
    value = np.asarray(value, dtype=float)
    return float(value) if value.ndim == 0 else value


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic expression over named parameters.

    Build one with :func:`parse`. ``text`` is the expression as written and ``names`` the
    parameter names it refers to.

    Examples
    --------
    >>> e = parse("weekly_saving * 52 * effect")
    >>> sorted(e.names)
    ['effect', 'weekly_saving']
    >>> e.evaluate({"weekly_saving": 294, "effect": 1.0})
    15288.0
    """

    text: str
    names: frozenset[str]
    _tree: Any = field(default=None, repr=False, compare=False)
    _offsets: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self._tree is None:
            tree = _Parser(self.text).parse()
            object.__setattr__(self, "_tree", tree)
            object.__setattr__(self, "_offsets", _name_offsets(tree, {}))

    def evaluate(self, env: Mapping[str, float | np.ndarray]) -> float | np.ndarray:
        """Compute the expression's value.

        Parameters
        ----------
        env : Mapping[str, float or ndarray]
            Parameter name → value: a number, or a 1-d array over draws, shape (draw,).
            Arrays broadcast against each other and against numbers as numpy does.

        Returns
        -------
        float or ndarray
            A float if every value used is a number, else an array of the broadcast shape.
            Division by zero and overflow give ``inf`` or ``nan`` without warnings; the caller
            checks finiteness.

        Raises
        ------
        ExpressionError
            If the expression names a parameter not in ``env`` (at the name's first offset,
            with the closest defined name suggested).

        Examples
        --------
        >>> parse("min(a, 2) * 10").evaluate({"a": np.array([1.0, 3.0])})
        array([10., 20.])
        >>> parse("1 / x").evaluate({"x": 0})
        inf
        """
        values = {}
        for name, offset in sorted(self._offsets.items(), key=lambda item: item[1]):
            if name not in env:
                raise ExpressionError(
                    f"unknown parameter '{name}'" + _did_you_mean(name, env), offset, (name,)
                )
            values[name] = np.asarray(env[name], dtype=float)
        with np.errstate(all="ignore"):
            return _as_result(_evaluate(self._tree, values))

    def __str__(self) -> str:
        return self.text


def parse(text: str) -> Expression:
    """Parse an arithmetic expression.

    Parameters
    ----------
    text : str
        The expression: numbers, parameter names, ``+ - * / **``, parentheses, unary minus and
        plus, ``min(…)`` and ``max(…)`` with two or more arguments.

    Returns
    -------
    Expression
        The parsed expression, with the set of names it refers to.

    Raises
    ------
    ExpressionError
        For a syntax error or anything outside the grammar (calls other than min and max,
        attribute access, subscripts, comparisons, strings, …), located at a character offset.

    Notes
    -----
    The text is never evaluated as Python: it is tokenised and parsed by this module's own
    grammar (see the module docstring), so nothing but arithmetic can happen.

    Examples
    --------
    >>> parse("2 + 3 * 4 ** 2").evaluate({})
    50.0
    >>> parse("-2 ** 2").evaluate({})
    -4.0
    >>> parse("1e3").evaluate({})
    1000.0
    >>> parse("abs(x)")
    Traceback (most recent call last):
    ...
    prevcalc.expressions.ExpressionError: only min() and max() may be called (got abs())
    """
    if not isinstance(text, str):
        raise TypeError(f"expression text must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; at most {MAX_LENGTH:,} are allowed "
            "(name its parts as parameters)",
            MAX_LENGTH,
        )
    tree = _Parser(text).parse()
    offsets = _name_offsets(tree, {})
    return Expression(text, frozenset(offsets), tree, offsets)


def evaluation_order(dependencies: Mapping[str, frozenset[str]]) -> list[str]:
    """Order named parameters so that each comes after every parameter it refers to.

    Parameters
    ----------
    dependencies : Mapping[str, frozenset[str]]
        Parameter name → the names its definition refers to (empty for a plain number or a
        distribution).

    Returns
    -------
    list of str
        Every parameter once, each after all of its dependencies. Parameters are visited in the
        order of ``dependencies`` (their references in sorted order), so the result is
        deterministic, and a mapping already in a valid order is returned in that order.

    Raises
    ------
    ExpressionError
        If a parameter refers to a name that is not defined (the first such, in the order of
        ``dependencies``, with a suggestion), or if parameters refer to each other in a cycle.
        ``names`` holds the parameters involved.

    Examples
    --------
    >>> evaluation_order({"total": frozenset({"unit", "n"}), "unit": frozenset({"base"}),
    ...                   "n": frozenset(), "base": frozenset()})
    ['n', 'base', 'unit', 'total']
    >>> evaluation_order({"a": frozenset({"b"}), "b": frozenset({"a"})})
    Traceback (most recent call last):
    ...
    prevcalc.expressions.ExpressionError: parameters refer to each other in a cycle: a → b → a
    """
    for name, refs in dependencies.items():
        for ref in sorted(refs):
            if ref not in dependencies:
                raise ExpressionError(
                    f"parameter '{name}' refers to unknown parameter '{ref}'"
                    + _did_you_mean(ref, dependencies),
                    0,
                    (name, ref),
                )

    order: list[str] = []
    done: set[str] = set()
    # Iterative depth-first search, so a long chain of parameters cannot hit the recursion limit.
    for root in dependencies:
        if root in done:
            continue
        path = [root]
        on_path = {root}
        stack = [iter(sorted(dependencies[root]))]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                order.append(finished)
            elif child in on_path:
                cycle = path[path.index(child) :] + [child]
                if len(cycle) == 2:
                    raise ExpressionError(f"parameter '{child}' refers to itself", 0, (child,))
                raise ExpressionError(
                    "parameters refer to each other in a cycle: " + " → ".join(cycle),
                    0,
                    tuple(cycle[:-1]),
                )
            elif child not in done:
                path.append(child)
                on_path.add(child)
                stack.append(iter(sorted(dependencies[child])))
    return order
