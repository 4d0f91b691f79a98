"""YAML text -> plain Python values plus a map of where every value stood.

PyYAML's default resolvers follow YAML 1.1, whose surprises are traps in a file of money and
rates: ``no`` loads as ``False``, ``2024-01-01`` as a date, ``1e3`` as a *string*, ``.nan`` as
NaN, and a repeated key silently wins. This module composes the node tree with PyYAML (safe,
no object construction) and resolves scalars itself, by the YAML 1.2 core schema:

- ``null``, ``~`` and an empty value are ``None``; only ``true``/``false`` are booleans;
- integers and floats include exponent forms (``1e3`` is 1000.0); ``.nan``/``.inf`` are refused;
- anything else (including dates and ``yes``/``no``) stays a string, for the schema to judge;
- a key given twice is refused, naming both lines;
- control characters (ESC, NUL, C1 controls, bidirectional overrides) in text are refused, so
  nothing a terminal or a document writer would interpret reaches a report.

Hostile input is normal input, so parsing runs within budgets, each refusal a located problem:
the file's size (:data:`MAX_BYTES`), nesting depth (:data:`MAX_DEPTH`), the number of values
after aliases are expanded (:data:`MAX_VALUES`: a "billion laughs" alias bomb stops there), an
alias inside the value it names, and the digits of an integer (:data:`MAX_DIGITS`). libyaml
parses when it is installed (PyYAML's C extension), which is many times faster than pure Python;
the result is the same.

Positions are 1-based (line, column) and keyed by the path of keys and list indices.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Problem

Path = tuple[Any, ...]

_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_NONFINITE = re.compile(r"^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")
# C0 controls but tab, newline and carriage return; DEL; C1 controls; bidirectional overrides.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

#: Budgets. A scenario is a few kilobytes; the largest real ones (hundreds of interventions)
#: stay far below each of these.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 48
MAX_VALUES = 250_000
MAX_DIGITS = 24

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Document:
    """A parsed YAML document: the value, and where each part of it was written."""

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The position of ``path``, or of its nearest written ancestor (for a missing key)."""
        path = tuple(path)
        while True:
            if key and path in self.key_positions:
                return self.key_positions[path]
            if path in self.positions:
                return self.positions[path]
            if not path:
                return (1, 1)
            path = path[:-1]


class _Budget(Exception):
    """A budget was exceeded while building: stop at once, with this problem."""

    def __init__(self, problem: Problem):
        self.problem = problem


class _Composer:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.doc = Document(None)
        self.values = 0
        self.open: set[int] = set()  # ids of the collection nodes being built (alias loops)

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _problem(self, node: yaml.Node, path: Path, message: str) -> None:
        line, col = self._mark(node)
        self.problems.append(Problem(line, col, ".".join(map(str, path)), message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            line, col = self._mark(node)
            raise _Budget(
                Problem(
                    line,
                    col,
                    "",
                    f"the file expands to more than {MAX_VALUES:,} "
                    "values (through aliases?); a scenario needs far fewer",
                )
            )
        if len(path) > MAX_DEPTH:
            line, col = self._mark(node)
            raise _Budget(Problem(line, col, "", f"values are nested more than {MAX_DEPTH} deep"))
        if id(node) in self.open:
            line, col = self._mark(node)
            raise _Budget(Problem(line, col, "", "an alias refers to the value that contains it"))
        self.doc.positions[path] = self._mark(node)
        if not node.tag.startswith("tag:yaml.org,2002:") or "python/" in node.tag:
            self._problem(node, path, f"the YAML tag {node.tag!r} is not allowed")
            return None
        if isinstance(node, yaml.CollectionNode):
            self.open.add(id(node))
            try:
                return self._collection(node, path)
            finally:
                self.open.discard(id(node))
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _collection(self, node: yaml.CollectionNode, path: Path) -> Any:
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            seen: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._problem(key_node, path, "a key must be a plain word, not a list or map")
                    continue
                key = self._scalar(key_node, path, as_key=True)
                if key in seen:
                    first = self._mark(seen[key])[0]
                    self._problem(
                        key_node,
                        path + (key,),
                        f"key {key!r} is given twice (first on line {first})",
                    )
                    continue
                seen[key] = key_node
                self.doc.key_positions[path + (key,)] = self._mark(key_node)
                out[key] = self.build(value_node, path + (key,))
            return out
        return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]

    def _scalar(self, node: yaml.ScalarNode, path: Path, *, as_key: bool = False) -> Any:
        text = node.value
        bad = _CONTROL.search(text)
        if bad:
            self._problem(
                node,
                path,
                f"contains the control character U+{ord(bad.group()):04X}, "
                "which is not allowed in a scenario",
            )
            return _CONTROL.sub("", text)
        if node.style:  # quoted or block scalars are always text (plain: None, or "" in libyaml)
            return text
        if as_key:
            return text
        if text in ("", "~", "null", "Null", "NULL"):
            return None
        if text in ("true", "True", "TRUE"):
            return True
        if text in ("false", "False", "FALSE"):
            return False
        if _INT.match(text):
            digits = sum(c.isdigit() for c in text)
            if digits > MAX_DIGITS:
                self._problem(
                    node,
                    path,
                    f"a number of {digits:,} digits is too long "
                    f"(at most {MAX_DIGITS}; write large numbers as e.g. 1.5e21)",
                )
                return None
            return int(text.replace("_", ""))
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            number = float(text.replace("_", ""))
            if not math.isfinite(number):
                self._problem(
                    node, path, f"{text} is too large a number (it overflows to infinity)"
                )
                return None
            return number
        if _NONFINITE.match(text):
            self._problem(
                node, path, f"{text} is not a finite number (NaN and infinity are refused)"
            )
            return None
        return text


def parse(text: str, source: str = "<string>") -> tuple[Document, list[Problem]]:
    """Parse YAML ``text`` into a :class:`Document` and the problems found (empty if none).

    Problems are returned, not raised, so the loader can add schema problems to them.
    """
    composer = _Composer()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return Document(None), [
            Problem(
                1,
                1,
                "",
                f"the file is {size:,} bytes; a scenario may be at most {MAX_BYTES:,} bytes",
            )
        ]
    try:
        deep = _too_deep(text)
        if deep:
            return Document(None), [deep]
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or str(exc)
        if "maximum nesting depth" in what:  # libyaml's own limit, met before ours in a flow
            return Document(None), [
                Problem(line, col, "", f"values are nested more than {MAX_DEPTH} deep")
            ]
        if exc.context:
            what = f"{what} ({exc.context})"
        return Document(None), [Problem(line, col, "", f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        return Document(None), [Problem(1, 1, "", f"invalid YAML: {exc}")]
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return Document(None), [
            Problem(
                1,
                1,
                "",
                "the file is empty (expected a scenario: a map with prevcalc, name, horizon, "
                "interventions)",
            )
        ]
    if len(nodes) > 1:
        line, col = composer._mark(nodes[1])
        return Document(None), [
            Problem(
                line, col, "", "the file holds more than one YAML document (expected one scenario)"
            )
        ]
    try:
        composer.doc.data = composer.build(nodes[0], ())
    except _Budget as exc:
        return Document(None), [exc.problem]
    return composer.doc, composer.problems


def _too_deep(text: str) -> Problem | None:
    """The first place where collections nest deeper than :data:`MAX_DEPTH`, from the event
    stream (flat, so no recursion), before anything is composed; None if nowhere."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                return Problem(line, col, "", f"values are nested more than {MAX_DEPTH} deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def parse_value(text: str) -> Any:
    """Parse the value of a ``--set path=value`` option as a YAML value (``200``, ``[1, 2]``)."""
    doc, problems = parse(text if text.strip() else "''")
    if problems:
        raise ValueError(problems[0].message)
    return doc.data
