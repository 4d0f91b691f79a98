"""Seeded mutation fuzzing of the command line, over the bundled scenarios.

A :class:`Mutator` turns a seed and a case number into a hostile scenario file: structural
mutations on the parsed YAML (keys dropped, duplicated or renamed, types swapped, numbers replaced
by extremes and overflowing expressions, values nested deep, text full of control characters,
escape sequences, spreadsheet formula starters and unusual unicode, uncertain parameters with
overflowing spreads) and text mutations on the file itself (flipped bytes, truncation, deep
nesting, alias bombs, self-referencing aliases, repeated keys, tabs, other encodings, tags).
Each case is reproducible on its own: case ``i`` of seed ``s`` is always the same bytes.

A :class:`Runner` runs ``prevcalc ARGS`` through ``prevcalc.cli.main`` (the console script's
entry point, so exit status 3, "internal error", is observable) inside click's ``CliRunner``
isolation, in a long-lived worker process: fast as in-process calls, yet a case that hangs or
eats memory is killed (and reported with the stack it hung in) without taking the fuzzer down.
The worker has a memory limit, and a single BLAS thread.

:func:`judge` turns each outcome into failures:

- ``crash``: exit 3, an exception escaping ``main``, a traceback printed, or the worker dying;
- ``exit``: any status other than 0 (accepted) or 1 (refused);
- ``hang``: no answer within the time budget;
- ``unlocated``: a refusal whose message gives neither ``FILE:LINE:COL`` nor the ``--set`` option;
- ``nonfinite``: an accepted ``run --format json`` whose PV costs, PV benefits, NPV (summary,
  interventions, layers, agencies, and for ``--draws`` every statistic of them), participants or
  yearly cash flows are not finite numbers (JSON null stands for NaN or infinity), or whose
  output is not JSON;
- ``control``: control characters (ESC and other C0/C1 codes) from the file reaching the terminal;
- ``disagree``: ``validate`` accepts a file that a plain ``run`` refuses.

:func:`campaign` runs N cases and gathers a :class:`Report`. Used by ``tests/test_fuzz.py`` (a
small fixed budget) and ``benchmarks/fuzz.py`` (a deep run that saves every failing case).
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

# ---------------------------------------------------------------------------------------------
# Hostile values

HUGE_INT = int("9" * 400)
EXTREME_NUMBERS: list[Any] = [
    0,
    -1,
    1,
    0.0,
    -0.0,
    1e308,
    -1e308,
    1.7976931348623157e308,
    1e-320,
    5e-324,
    -5e-324,
    2**63,
    -(2**63),
    2**64 + 1,
    HUGE_INT,
    -HUGE_INT,
    10**20,
    1e20,
    1e-9,
    0.9999999999999999,
    1.0000000000000002,
    0.25,
    0.2500001,
    -0.05,
    -0.0500001,
    500,
    501,
    10_000,
    10_001,
    1e15,
]
EXPRESSIONS = [
    "0/0",
    "1/0",
    "-1/0",
    "1e308*10",
    "-1e308*10",
    "1e308+1e308",
    "1e308-1e308",
    "0*1e400",
    "1e400",
    "-1e400",
    "1e-400",
    "10**400",
    "10**308*10",
    "2**1024",
    "(-8)**(1/3)",
    "(-1)**0.5",
    "0**-1",
    "1e308/1e-308",
    "min(1e308*10, 1)",
    "max(0/0, 1)",
    "min(1, 2)",
    "max()",
    "min(1)",
    "1+",
    "*1",
    "()",
    "(1",
    "1)",
    "1 2",
    "a",
    "x_undefined * 2",
    "1 // 2",
    "1 == 1",
    "1; 2",
    "__import__('os')",
    "1.5.2",
    "1e",
    "1e+",
    "−1",
    "1 ** 2 ** 3 ** 4 ** 5",
    "9" * 400 + ".0",
    "9" * 5000,
    "((" * 3 + "1" + "))" * 3,
    "-" * 50 + "1",
    "+" * 500 + "1",
]
HOSTILE_STRINGS = [
    "",
    " ",
    "\t",
    "\n",
    "\r",
    "x\x00y",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://e.x\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[2J\x1b[H",
    "\x07\x08\x7f",
    "\x85\u2028\u2029",
    "=1+1",
    '=HYPERLINK("http://e.x","click")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\tleading tab",
    "\rleading cr",
    "=cmd|' /C calc'!A0",
    "$5 and $10",
    "$\\undefinedcmd$",
    "[bold]markup[/bold]",
    ":smile:",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%s%n%x",
    "../../etc/passwd",
    "C:\\con\\nul",
    "\u202egnp.exe",
    "e\u0301\u0301\u0301",
    "\U0001f4a9 pile",
    "漢字テスト",
    "ﷺ" * 20,
    "\ufeffbom",
    "\ud7ff\ue000",
    "x" * 5000,
    "yes",
    "no",
    "null",
    "~",
    "true",
    "2024-01-01",
    "0x1F",
    "1_000",
    ".inf",
    ".nan",
    "0/0",
    "1e308*10",
]
KEY_TYPOS = [
    "",
    " ",
    "<<",
    "?",
    "-",
    "amount ",
    "Amount",
    "amuont",
    "id\x00",
    "ïd",
    "__class__",
    "interventions.0",
    "1",
    "true",
    "null",
    "\x1b[31m",
    "x" * 300,
]


def _hostile_value(rng: random.Random, depth: int = 0) -> Any:
    """Any value: a number, an expression, text, a list, a map, a bool or null."""
    r = rng.random()
    if r < 0.30:
        return rng.choice(EXTREME_NUMBERS)
    if r < 0.50:
        return rng.choice(EXPRESSIONS)
    if r < 0.72:
        return rng.choice(HOSTILE_STRINGS)
    if r < 0.80 and depth < 3:
        return [_hostile_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if r < 0.88 and depth < 3:
        return {
            rng.choice(
                ["x", "amount", "dist", "mean", "sd", "low", "high", "curve"]
            ): _hostile_value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))
        }
    return rng.choice([True, False, None, [], {}, [[]], {"": None}])


# ---------------------------------------------------------------------------------------------
# Walking parsed YAML


def _nodes(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    yield path, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _nodes(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _nodes(v, path + (i,))


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def _put(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(data, path[:-1])[path[-1]] = value
    return data


def _dotted(data: Any, path: tuple) -> str:
    """A path as ``--set`` takes it: interventions by id, other list items by index."""
    out = []
    for i, p in enumerate(path):
        if i == 1 and path[0] == "interventions" and isinstance(p, int):
            try:
                iv = data["interventions"][p]
            except (LookupError, TypeError):
                iv = None
            out.append(str(iv.get("id", p)) if isinstance(iv, dict) else str(p))
        else:
            out.append(str(p))
    return ".".join(out)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ---------------------------------------------------------------------------------------------
# The mutator


@dataclass
class Case:
    """One fuzz case: a file's bytes, how it was made, and the commands to run on it."""

    seed: int
    index: int
    base: str
    ops: list[str]
    data: bytes
    commands: list[list[str]]  # "{file}" stands for the case's path

    @property
    def name(self) -> str:
        return f"case-{self.seed}-{self.index:05d}"


class Mutator:
    """Seeded hostile scenario files; case ``i`` depends only on (seed, i)."""

    def __init__(self, seed: int, scenarios: list[Path] | None = None, max_bytes: int = 2_000_000):
        self.seed = seed
        self.max_bytes = max_bytes
        self.bases: list[tuple[str, str, Any]] = []
        for p in scenarios or SCENARIOS:
            text = p.read_text(encoding="utf-8")
            self.bases.append((p.stem, text, yaml.safe_load(text)))

    def case(self, index: int) -> Case:
        rng = random.Random(f"{self.seed}:{index}")
        stem, text, parsed = rng.choice(self.bases)
        data = copy.deepcopy(parsed)
        ops: list[str] = []
        mode = rng.random()
        if mode < 0.65:  # structural, then dumped
            if (
                rng.random() < 0.35
                and isinstance(data.get("interventions"), list)
                and len(data["interventions"]) > 1
            ):
                keep = rng.randrange(len(data["interventions"]))
                data["interventions"] = [data["interventions"][keep]]
                data.pop("variants", None)
                ops.append(f"keep only intervention {keep}")
            for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
                data = self._structural(rng, data, ops)
            out = self._dump(data, ops)
            if rng.random() < 0.15:
                out = self._textual(rng, out, ops)
        elif mode < 0.97:  # textual on the original file (comments, block scalars and all)
            out = text.encode("utf-8")
            for _ in range(rng.choice([1, 1, 1, 2])):
                out = self._textual(rng, out, ops)
        else:  # untouched: the baseline must pass too
            out = text.encode("utf-8")
            ops.append("unmodified")
        out = out[: self.max_bytes]
        commands = [["validate", "{file}"], ["run", "{file}", "--format", "json"]]
        if rng.random() < 0.2:
            commands.append(["run", "{file}", "--format", "json", "--draws", "50", "--seed", "1"])
        if rng.random() < 0.12:
            paths = [
                p
                for p, v in _nodes(parsed)
                if not isinstance(v, (dict, list)) and p and p[0] != "variants"
            ]
            if paths:
                p = rng.choice(paths)
                value = self._set_text(rng)
                commands.append(
                    ["run", "{file}", "--format", "json", "--set", f"{_dotted(parsed, p)}={value}"]
                )
        if rng.random() < 0.08 and isinstance(parsed.get("variants"), list) and parsed["variants"]:
            v = rng.choice(parsed["variants"])
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                commands.append(["run", "{file}", "--format", "json", "--variant", v["name"]])
        return Case(self.seed, index, stem, ops, out, commands)

    def _set_text(self, rng: random.Random) -> str:
        v = _hostile_value(rng)
        if isinstance(v, str) and rng.random() < 0.6:
            return json.dumps(v)  # quoted: an expression or text
        try:
            return (
                yaml.safe_dump(v, default_flow_style=True, width=10**9)
                .strip()
                .removesuffix("...")
                .strip()
            )
        except yaml.YAMLError:
            return str(v)

    # -- structural ------------------------------------------------------------------------

    def _structural(self, rng: random.Random, data: Any, ops: list[str]) -> Any:
        nodes = list(_nodes(data))
        maps = [(p, v) for p, v in nodes if isinstance(v, dict) and v]
        lists = [(p, v) for p, v in nodes if isinstance(v, list) and v]
        leaves = [(p, v) for p, v in nodes if p and not isinstance(v, (dict, list))]
        numbers = [(p, v) for p, v in leaves if _is_number(v)]
        strings = [(p, v) for p, v in leaves if isinstance(v, str)]
        kind = rng.choices(
            [
                "drop",
                "rename",
                "dupkey",
                "swap",
                "extreme",
                "expr",
                "nest",
                "text",
                "duplist",
                "droplist",
                "cross",
                "unknown",
                "uncertain",
                "variant",
                "sibling",
            ],
            weights=[8, 6, 3, 8, 16, 14, 5, 10, 4, 4, 4, 3, 8, 4, 3],
        )[0]
        if kind == "drop" and maps:
            p, m = rng.choice(maps)
            k = rng.choice(list(m))
            del m[k]
            ops.append(f"drop {_dotted(data, p + (k,))}")
        elif kind == "rename" and maps:
            p, m = rng.choice(maps)
            k = rng.choice(list(m))
            new = rng.choice(
                KEY_TYPOS + [str(k)[:-1], str(k).upper(), str(k) + "s", str(k) + "\u200b"]
            )
            items = [(new if kk == k else kk, vv) for kk, vv in m.items()]
            m.clear()
            m.update(items)
            ops.append(f"rename {_dotted(data, p + (k,))} -> {new!r}")
        elif kind == "dupkey" and maps:  # the dump repeats a key: see _dump
            p, m = rng.choice(maps)
            k = rng.choice(list(m))
            m[_DupKey(k)] = _hostile_value(rng) if rng.random() < 0.5 else copy.deepcopy(m[k])
            ops.append(f"repeat key {_dotted(data, p + (k,))}")
        elif kind == "swap" and nodes[1:]:
            p, v = rng.choice(nodes[1:])
            new = _hostile_value(rng)
            data = _put(data, p, new)
            ops.append(f"swap {_dotted(data, p)} ({type(v).__name__}) -> {new!r:.60}")
        elif kind == "extreme" and (numbers or leaves):
            p, _ = rng.choice(numbers or leaves)
            new = rng.choice(EXTREME_NUMBERS)
            data = _put(data, p, new)
            ops.append(f"extreme {_dotted(data, p)} = {str(new)[:40]}")
        elif kind == "expr" and (numbers or leaves):
            p, _ = rng.choice(numbers or leaves)
            new = self._expression(rng, data)
            data = _put(data, p, new)
            ops.append(f"expression {_dotted(data, p)} = {new[:60]!r}")
        elif kind == "nest" and nodes[1:]:
            p, v = rng.choice(nodes[1:])
            depth = rng.choice([1, 2, 5, 30, 90])
            for _ in range(depth):
                v = [v] if rng.random() < 0.5 else {"x": v}
            data = _put(data, p, v)
            ops.append(f"nest {_dotted(data, p)} {depth} deep")
        elif kind == "text" and (strings or leaves):
            p, _ = rng.choice(strings or leaves)
            new = rng.choice(HOSTILE_STRINGS)
            if rng.random() < 0.3:
                new = rng.choice(HOSTILE_STRINGS) + new
            data = _put(data, p, new)
            ops.append(f"text {_dotted(data, p)} = {new[:40]!r}")
        elif kind == "duplist" and lists:
            p, lst = rng.choice(lists)
            i = rng.randrange(len(lst))
            lst.insert(i, copy.deepcopy(lst[i]))
            ops.append(f"duplicate item {_dotted(data, p + (i,))}")
        elif kind == "droplist" and lists:
            p, lst = rng.choice(lists)
            if rng.random() < 0.3:
                lst.clear()
                ops.append(f"empty list {_dotted(data, p)}")
            else:
                i = rng.randrange(len(lst))
                del lst[i]
                ops.append(f"drop item {_dotted(data, p + (i,))}")
        elif kind == "cross" and maps:
            _, _, other = rng.choice(self.bases)
            onodes = [(p, v) for p, v in _nodes(other) if p]
            op, ov = rng.choice(onodes)
            p, m = rng.choice(maps)
            k = op[-1] if isinstance(op[-1], str) else "x"
            m[k] = copy.deepcopy(ov)
            ops.append(f"graft {'.'.join(map(str, op))} at {_dotted(data, p + (k,))}")
        elif kind == "unknown" and maps:
            p, m = rng.choice(maps)
            k = rng.choice(KEY_TYPOS + ["extra", "amount", "dist", "rate", "parameters"])
            m[k] = _hostile_value(rng)
            ops.append(f"add key {_dotted(data, p)}.{k}")
        elif kind == "uncertain" and isinstance(data, dict):
            data = self._uncertain(rng, data, ops)
        elif kind == "variant" and isinstance(data, dict):
            leaf_paths = [p for p, v in leaves if p[0] not in ("variants",)]
            if leaf_paths:
                p = rng.choice(leaf_paths)
                value = _hostile_value(rng)
                variants = data.get("variants")
                if not isinstance(variants, list):
                    variants = data["variants"] = []
                variants.append(
                    {
                        "name": rng.choice(["v", "", "\x1b[31mv", "=v"]),
                        "set": {_dotted(data, p): value},
                    }
                )
                ops.append(f"variant sets {_dotted(data, p)} = {value!r:.60}")
        elif kind == "sibling" and maps:
            p, m = rng.choice(maps)
            if len(m) >= 2:
                a, b = rng.sample(list(m), 2)
                m[a], m[b] = m[b], m[a]
                ops.append(f"swap values of {_dotted(data, p + (a,))} and {b}")
        else:
            ops.append(f"({kind}: nothing to mutate)")
        return data

    def _expression(self, rng: random.Random, data: Any) -> str:
        names = []
        if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
            names = [str(k) for k in data["parameters"]]
        r = rng.random()
        if r < 0.55:
            return rng.choice(EXPRESSIONS)
        if r < 0.70:
            n = rng.choice([10, 200, 2000, 20000])
            return "+".join(["1"] * n)
        if r < 0.80:
            n = rng.choice([10, 100, 400, 1000, 5000])
            return "(" * n + "1" + ")" * n
        if r < 0.86:
            n = rng.choice([10, 100, 1000])
            return "-" * n + "1"
        if r < 0.92:
            n = rng.choice([3, 10, 50, 300])
            return "**".join(["2"] * n)
        atoms = names + ["1e308", "0", "-1", "1e-320", "3"]
        ops = ["+", "-", "*", "/", "**"]
        out = rng.choice(atoms)
        for _ in range(rng.randint(1, 6)):
            out += f" {rng.choice(ops)} {rng.choice(atoms)}"
        return out

    def _uncertain(self, rng: random.Random, data: dict, ops: list[str]) -> dict:
        """An uncertain parameter with an extreme spread, used by some amount."""
        dist = rng.choice(
            ["normal", "lognormal", "uniform", "triangular", "pert", "beta", "gamma", "fixed"]
        )

        def big() -> float:
            return rng.choice([1e308, -1e308, 1e154, 1e200, 0, -1, 1e-320, HUGE_INT, 1, 0.5, 1e6])

        fields = {
            "normal": ["mean", "sd"],
            "lognormal": ["mean", "sd"],
            "beta": ["mean", "sd"],
            "gamma": ["mean", "sd"],
            "uniform": ["low", "high"],
            "fixed": [],
            "triangular": ["low", "mode", "high"],
            "pert": ["low", "mode", "high"],
        }[dist]
        spec: dict[str, Any] = {"dist": dist}
        for f in fields:
            spec[f] = big()
        if rng.random() < 0.3 and dist in ("uniform", "triangular", "pert"):
            spec = (
                {"dist": dist, "low": -1e308, "mode": 0, "high": 1e308}
                if dist != "uniform"
                else {"dist": dist, "low": -1e308, "high": 1e308}
            )
        if rng.random() < 0.2:
            spec[rng.choice(["mean", "sd", "low", "high", "dist"])] = _hostile_value(rng)
        params = data.get("parameters")
        if not isinstance(params, dict):
            params = data["parameters"] = {}
        name = "fz_" + str(rng.randrange(1000))
        params[name] = spec
        targets = [
            (p, v)
            for p, v in _nodes(data)
            if p
            and p[0] == "interventions"
            and p[-1]
            in (
                "amount",
                "baseline",
                "reduction",
                "deadweight",
                "participants",
                "eligible",
                "uptake",
                "unit_cost",
                "probability_change",
                "ramp",
                0,
            )
        ]
        if targets:
            p, _ = rng.choice(targets)
            expr = rng.choice(
                [name, f"{name} * 52", f"{name} * {name}", f"1 / {name}", f"{name} ** 2"]
            )
            _put(data, p, expr)
            ops.append(f"parameter {name} = {spec!r:.90} used at {_dotted(data, p)} as {expr!r}")
        else:
            ops.append(f"parameter {name} = {spec!r:.90} (unused)")
        return data

    def _dump(self, data: Any, ops: list[str]) -> bytes:
        try:
            text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            ops.append(f"(dump failed: {type(exc).__name__}; empty map instead)")
            text = "{}\n"
        return text.encode("utf-8", "surrogatepass")

    # -- textual ---------------------------------------------------------------------------

    def _textual(self, rng: random.Random, data: bytes, ops: list[str]) -> bytes:
        kind = rng.choices(
            [
                "flip",
                "truncate",
                "deep",
                "bomb",
                "selfref",
                "dupline",
                "tab",
                "encoding",
                "bom",
                "newlines",
                "hugeint",
                "longexpr",
                "bigfile",
                "documents",
                "tag",
                "merge",
                "control",
                "insert",
                "anchor",
            ],
            weights=[10, 6, 6, 5, 3, 6, 5, 5, 2, 3, 5, 4, 1, 2, 4, 2, 6, 4, 2],
        )[0]
        lines = data.split(b"\n")
        keyed = [i for i, ln in enumerate(lines) if re.match(rb"^\s*(- )?[A-Za-z_]+:", ln)]
        if kind == "flip" and data:
            n = rng.choice([1, 1, 2, 4, 16])
            b = bytearray(data)
            for _ in range(n):
                i = rng.randrange(len(b))
                b[i] = b[i] ^ (1 << rng.randrange(8)) if rng.random() < 0.7 else rng.randrange(256)
            ops.append(f"flip {n} byte(s)")
            return bytes(b)
        if kind == "truncate" and data:
            i = rng.randrange(len(data))
            ops.append(f"truncate at byte {i}")
            return data[:i]
        if kind == "deep":
            n = rng.choice([50, 200, 600, 1500, 5000, 20000])
            shape = rng.choice(["list", "map", "mixed"])
            if shape == "list":
                value = b"[" * n + b"1" + b"]" * n
            elif shape == "map":
                value = b"{a: " * n + b"1" + b"}" * n
            else:
                value = b"[{a: " * (n // 2) + b"1" + b"}]" * (n // 2)
            where = rng.choice(["notes", "deep", "horizon", "parameters"])
            ops.append(f"nest {where} {n} deep ({shape}, flow style)")
            return _set_top(data, where, value)
        if kind == "bomb":
            levels = rng.choice([4, 5, 6, 7, 9])
            width = rng.choice([5, 9, 10])
            out = [b'a0: &a0 ["lol"]']
            for i in range(1, levels + 1):
                out.append(
                    f"a{i}: &a{i} [".encode() + b", ".join([f"*a{i - 1}".encode()] * width) + b"]"
                )
            ops.append(f"alias bomb {width}**{levels} under x_bomb (and notes)")
            bomb = b"x_bomb:\n" + b"\n".join(b"  " + ln for ln in out) + b"\n"
            # the last level is also used where a list of text is expected
            return (
                _set_top(data + b"\n" + bomb, "notes", f"*a{levels}".encode())
                if rng.random() < 0.5
                else data + b"\n" + bomb
            )
        if kind == "selfref":
            shape = rng.choice([b"&r [1, *r]", b"&r {a: *r}", b"&r [[*r]]"])
            where = rng.choice(["notes", "x_loop", "parameters"])
            ops.append(f"self-referencing alias {shape.decode()} at {where}")
            return _set_top(data, where, shape)
        if kind == "dupline" and keyed:
            i = rng.choice(keyed)
            lines.insert(i + 1, lines[i])
            ops.append(f"repeat line {i + 1}")
            return b"\n".join(lines)
        if kind == "tab" and lines:
            i = rng.randrange(len(lines))
            ln = lines[i]
            stripped = ln.lstrip(b" ")
            lines[i] = (
                b"\t" * max(1, (len(ln) - len(stripped)) // 2) + stripped
                if rng.random() < 0.7
                else ln.replace(b": ", b":\t", 1)
            )
            ops.append(f"tab on line {i + 1}")
            return b"\n".join(lines)
        if kind == "encoding":
            enc = rng.choice(["latin-1", "utf-16", "utf-16-le", "utf-32", "cp1252", "raw"])
            text = data.decode("utf-8", "replace")
            if enc == "raw":
                i = rng.randrange(len(data) + 1)
                junk = rng.choice(
                    [
                        b"\xff",
                        b"\xc3\x28",
                        b"\xed\xa0\x80",
                        b"\xf4\x90\x80\x80",
                        b"\x80\x80",
                        b"\xe2\x82",
                    ]
                )
                ops.append(f"invalid UTF-8 {junk!r} at byte {i}")
                return data[:i] + junk + data[i:]
            ops.append(f"encoded as {enc}")
            return text.encode(enc, "replace")
        if kind == "bom":
            ops.append("byte-order mark")
            return b"\xef\xbb\xbf" + data
        if kind == "newlines":
            nl = rng.choice([b"\r\n", b"\r", b"\x85", "\u2028".encode()])
            ops.append(f"line ends {nl!r}")
            return data.replace(b"\n", nl)
        if kind == "hugeint":
            digits = rng.choice([400, 5000, 50000, 4300, 4301])
            value = rng.choice(
                [
                    b"9" * digits,
                    b"-" + b"9" * digits,
                    b"1" + b"0" * digits + b".5",
                    b"1e" + str(digits).encode(),
                    b"1e-" + str(digits).encode(),
                ]
            )
            nums = list(re.finditer(rb"(?<=: )-?[0-9][0-9_.eE+-]*(?=\s*$)", data, re.M))
            if nums:
                m = rng.choice(nums)
                ops.append(f"number at byte {m.start()} -> {value[:12]!r}... ({len(value)} chars)")
                return data[: m.start()] + value + data[m.end() :]
            ops.append(f"horizon -> {len(value)}-char number")
            return _set_top(data, "horizon", value)
        if kind == "longexpr":
            n = rng.choice([1000, 20000, 200000])
            value = rng.choice([b"+".join([b"1"] * n), b"(" * n + b"1" + b")" * n, b"-" * n + b"1"])
            nums = list(re.finditer(rb"(?<=amount: )-?[0-9][0-9_.]*", data))
            q = b"'" + value + b"'"
            if nums:
                m = rng.choice(nums)
                ops.append(f"amount at byte {m.start()} -> {len(value)}-char expression")
                return data[: m.start()] + q + data[m.end() :]
            ops.append(f"horizon -> {len(value)}-char expression")
            return _set_top(data, "horizon", q)
        if kind == "bigfile":
            n = rng.choice([2000, 20000])
            notes = b"\n".join(b"  - 'note %d: " % i + b"x" * 60 + b"'" for i in range(n))
            ops.append(f"{n} notes ({len(notes)} bytes)")
            return _set_top(data, "notes", b"\n" + notes)
        if kind == "documents":
            ops.append("two YAML documents")
            return data + b"\n---\n" + data
        if kind == "tag":
            tag = rng.choice(
                [
                    b"!!python/object/apply:os.system ['true']",
                    b"!!binary aGVsbG8=",
                    b"!!set {a, b}",
                    b"!!omap [a: 1]",
                    b"!custom 1",
                    b"!!timestamp 2024-01-01",
                    b"!!float 1",
                    b"!!int 1e3",
                    b"!!str 1",
                    b"!<tag:yaml.org,2002:int> 99",
                    b"!!python/name:os.system",
                    b"!!null ''",
                    b"!!bool yes",
                ]
            )
            nums = list(re.finditer(rb"(?<=: )[^\s'\"#>|][^\n]*$", data, re.M))
            if nums:
                m = rng.choice(nums)
                ops.append(f"tag {tag.decode()!r} at byte {m.start()}")
                return data[: m.start()] + tag + data[m.end() :]
            return data + b"\nx_tag: " + tag + b"\n"
        if kind == "merge" and keyed:
            ops.append("merge key and anchors")
            return (
                _set_top(data, "discounting", b"&d {schedule: none}")
                + b"\nx_merge:\n  <<: [*d, *d]\n  ? [complex, key]\n  : 1\n"
            )
        if kind == "control" and data:
            ch = rng.choice(
                [
                    "\x00",
                    "\x1b",
                    "\x1b[31m",
                    "\x07",
                    "\x7f",
                    "\x85",
                    "\u2028",
                    "\ufffe",
                    "\x0c",
                    "\x0b",
                    "\ud800",
                ]
            )
            quoted = list(re.finditer(rb"(?<=name: )[^\n]+", data))
            if quoted and rng.random() < 0.7:
                m = rng.choice(quoted)
                enc = ch.encode("utf-8", "surrogatepass")
                value = (
                    b'"'
                    + data[m.start() : m.end()].strip(b"'\"")
                    + json.dumps(ch).strip('"').encode()
                    + b'"'
                    if rng.random() < 0.5
                    else data[m.start() : m.end()] + enc
                )
                ops.append(f"control {ch!r} in a name at byte {m.start()}")
                return data[: m.start()] + value + data[m.end() :]
            i = rng.randrange(len(data))
            ops.append(f"raw {ch!r} at byte {i}")
            return data[:i] + ch.encode("utf-8", "surrogatepass") + data[i:]
        if kind == "insert" and data:
            i = rng.randrange(len(data))
            junk = rng.choice(
                [
                    b":",
                    b"- ",
                    b"{",
                    b"[",
                    b"]",
                    b"'",
                    b'"',
                    b"&",
                    b"*",
                    b"!",
                    b"|",
                    b">",
                    b"%",
                    b"@",
                    b"`",
                    b"#",
                    b"\n  ",
                    b"? ",
                    b"\n---\n",
                    b"\n...\n",
                    b"*undefined",
                ]
            )
            ops.append(f"insert {junk!r} at byte {i}")
            return data[:i] + junk + data[i:]
        if kind == "anchor" and keyed:
            i = rng.choice(keyed)
            ops.append(f"anchor twice on line {i + 1}")
            lines[i] = lines[i] + b" # "
            return b"\n".join(lines) + b"\nx_a: &dup 1\nx_b: &dup 2\nx_c: *dup\n"
        ops.append(f"({kind}: nothing to mutate)")
        return data


class _DupKey(str):
    """A key the dumper writes as its plain text again: a repeated key in the file."""

    def __new__(cls, key: Any):
        obj = str.__new__(cls, f"\x00dup\x00{key}")
        obj.key = key
        return obj


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_DupKey, lambda d, k: d.represent_data(k.key))


def _set_top(data: bytes, key: str, value: bytes) -> bytes:
    """Replace (or add) a top-level key's value: the key's line and its indented block."""
    lines = data.split(b"\n")
    kb = key.encode()
    for i, ln in enumerate(lines):
        if ln.startswith(kb + b":"):
            j = i + 1
            while j < len(lines) and (
                lines[j].startswith((b" ", b"\t", b"-")) or not lines[j].strip()
            ):
                j += 1
            return b"\n".join(lines[:i] + [kb + b": " + value] + lines[j:])
    return data.rstrip(b"\n") + b"\n" + kb + b": " + value + b"\n"


# ---------------------------------------------------------------------------------------------
# Running: a worker process that calls main() in-process


@dataclass
class Outcome:
    """What one command did."""

    code: int | None  # None: hung, or the worker died
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    escaped: str | None = None  # an exception that escaped main(), formatted
    exc_type: str | None = None  # for exit 3: the exception main() caught (re-run with debug)
    where: str | None = None  # innermost prevcalc frame, "prevcalc/x.py:N in f"
    innermost: str | None = None  # innermost frame of all
    hung: bool = False
    died: str | None = None  # "signal N" / "status N": the worker process ended


def _frames(tb) -> tuple[str | None, str | None]:
    import traceback

    frames = traceback.extract_tb(tb)
    ours = [
        f
        for f in frames
        if f"{os.sep}prevcalc{os.sep}" in f.filename and f"{os.sep}tests{os.sep}" not in f.filename
    ]
    here = None
    if ours:
        f = ours[-1]
        if len(frames) > 200:  # deep recursion: the prevcalc frame that repeats, if one does
            ((key, count),) = Counter((g.filename, g.lineno, g.name) for g in ours).most_common(1)
            if count > 1:
                f = next(g for g in ours if (g.filename, g.lineno, g.name) == key)
        inside = f.filename.split(os.sep + "prevcalc" + os.sep, 1)[1]
        here = f"prevcalc/{inside}:{f.lineno} in {f.name}"
    last = frames[-1] if frames else None
    inner = f"{_short(last.filename)}:{last.lineno} in {last.name}" if last else None
    return here, inner


def _short(filename: str) -> str:
    for marker in ("site-packages" + os.sep, os.sep + "lib" + os.sep + "python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)


def _call_main(args: list[str], debug: bool) -> dict:
    """Run ``prevcalc ARGS`` through main() inside CliRunner isolation."""
    import traceback

    from click.testing import CliRunner

    from prevcalc.cli import main

    env = {"PREVCALC_DEBUG": "1" if debug else None, "NO_COLOR": "1", "COLUMNS": "100"}
    runner = CliRunner()
    out: dict[str, Any] = {
        "code": None,
        "escaped": None,
        "exc_type": None,
        "where": None,
        "innermost": None,
    }
    t0 = time.perf_counter()
    with runner.isolation(env=env, color=True) as streams:
        try:
            out["code"] = main(list(args))
        except BaseException as exc:  # noqa: BLE001 - anything escaping main() is the finding
            out["exc_type"] = type(exc).__name__
            out["escaped"] = "".join(traceback.format_exception(exc))[-4000:]
            out["where"], out["innermost"] = _frames(exc.__traceback__)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = streams[0], streams[1]
        out["stdout"] = stdout.getvalue().decode("utf-8", "replace")
        out["stderr"] = (stderr.getvalue() if stderr is not None else b"").decode(
            "utf-8", "replace"
        )
    out["seconds"] = time.perf_counter() - t0
    return out


def _worker(memory_mb: int) -> None:
    """Answer one JSON request a line: {"args": [...], "alarm": seconds} -> an Outcome."""
    import faulthandler
    import resource

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stray writes to the real stdout must not break the protocol
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    # The parent asks for the stack of a command that hangs (the dump runs in the hung thread).
    faulthandler.register(signal.SIGUSR1, file=sys.__stderr__, all_threads=False)
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("sleep"):  # self-test of hang detection
            time.sleep(req["sleep"])
        if req.get("alarm"):
            faulthandler.dump_traceback_later(req["alarm"], exit=False, file=sys.__stderr__)
        try:
            res = _call_main(req["args"], debug=False)
            if res["code"] == 3 and not res["escaped"]:  # where did it fail? same call, with debug
                again = _call_main(req["args"], debug=True)
                res["exc_type"], res["where"], res["innermost"] = (
                    again["exc_type"],
                    again["where"],
                    again["innermost"],
                )
                res["trace"] = again["escaped"]
        finally:
            faulthandler.cancel_dump_traceback_later()
        proto.write(json.dumps(res) + "\n")
        proto.flush()


class Runner:
    """Runs commands in a worker process, restarting it after a hang or a crash."""

    def __init__(self, timeout: float = 10.0, memory_mb: int = 3072):
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.proc: subprocess.Popen | None = None
        self._buf = b""
        self._err = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        env = dict(
            os.environ,
            NO_COLOR="1",
            COLUMNS="100",
            OPENBLAS_NUM_THREADS="1",
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            PYTHONFAULTHANDLER="",
        )
        env.pop("PREVCALC_DEBUG", None)
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-X", "utf8", __file__, "--worker", str(self.memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            env=env,
            cwd=tempfile.gettempdir(),
            start_new_session=True,  # Ctrl-C stops the fuzzer, not a case
        )
        self._buf = b""
        self._warm()

    def _warm(self) -> None:
        """Import everything once (the first validate pays for pydantic and numpy)."""
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "warm.yaml"
            p.write_bytes(SCENARIOS[0].read_bytes())
            self._request({"args": ["validate", str(p)], "alarm": 120}, 120)
            self._request(
                {
                    "args": ["run", str(p), "--format", "json", "--draws", "2", "--seed", "1"],
                    "alarm": 120,
                },
                120,
            )

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except BaseException:  # noqa: BLE001 - a timeout, or Ctrl-C while waiting
                self._kill()
            self.proc = None
        if self._err is not None:
            self._err.close()
            self._err = None

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def _request(self, req: dict, timeout: float) -> dict | None:
        assert self.proc is not None
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return json.loads(line)

    def _stack_dump(self) -> str:
        if self._err is None:
            return ""
        self._err.seek(0)
        text = self._err.read().decode("utf-8", "replace")
        i = max(
            text.rfind("Thread 0x"), text.rfind("Current thread"), text.rfind("Stack (most recent")
        )
        return text[i:] if i >= 0 else text[-4000:]

    def run(self, args: list[str], sleep: float = 0.0, timeout: float | None = None) -> Outcome:
        """Run ``prevcalc ARGS``; ``sleep`` (a self-test) makes the worker hang first."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        timeout = timeout or self.timeout
        t0 = time.perf_counter()
        req: dict[str, Any] = {"args": args}
        if sleep:
            req["sleep"] = sleep
        try:
            res = self._request(req, timeout)
        except (EOFError, BrokenPipeError, OSError):
            self.proc.wait()
            rc = self.proc.returncode
            died = f"signal {-rc} ({signal.Signals(-rc).name})" if rc < 0 else f"status {rc}"
            dump = self._stack_dump()
            self.proc = None
            where, inner = _where_in_dump(dump)
            return Outcome(
                None,
                stderr=dump[-3000:],
                seconds=time.perf_counter() - t0,
                died=died,
                where=where,
                innermost=inner,
            )
        if res is None:
            try:
                os.kill(self.proc.pid, signal.SIGUSR1)  # where is it stuck?
                time.sleep(0.5)
            except ProcessLookupError:
                pass
            dump = self._stack_dump()
            self._kill()
            self.proc = None
            where, inner = _where_in_dump(dump)
            return Outcome(
                None,
                stderr=dump[-3000:],
                seconds=time.perf_counter() - t0,
                hung=True,
                where=where,
                innermost=inner,
            )
        if self._err is not None:  # forget the stderr of cases that finished
            self._err.seek(0)
            self._err.truncate()
        return (
            Outcome(
                res["code"],
                res["stdout"],
                res["stderr"],
                res["seconds"],
                res["escaped"],
                res["exc_type"],
                res["where"],
                res["innermost"],
            )
            if "trace" not in res
            else _with_trace(res)
        )


def _with_trace(res: dict) -> Outcome:
    o = Outcome(
        res["code"],
        res["stdout"],
        res["stderr"],
        res["seconds"],
        res["escaped"],
        res["exc_type"],
        res["where"],
        res["innermost"],
    )
    o.trace = res["trace"]  # type: ignore[attr-defined]
    return o


def _where_in_dump(dump: str) -> tuple[str | None, str | None]:
    """From a faulthandler dump (most recent call first): the innermost prevcalc frame and the
    innermost frame."""
    frames = re.findall(r'File "([^"]+)", line (\d+|\?+) in (\S+)', dump)
    inner = f"{_short(frames[0][0])}:{frames[0][1]} in {frames[0][2]}" if frames else None
    ours = [(fn, name) for fn, _, name in frames if f"{os.sep}prevcalc{os.sep}" in fn]
    if ours:  # a recursion: name the function that repeats (where it is stopped varies)
        (fn, name), count = Counter(ours).most_common(1)[0]
        if count > 1:
            return (
                f"prevcalc/{fn.split(os.sep + 'prevcalc' + os.sep, 1)[1]} in {name} (recursing)",
                inner,
            )
    for fn, line, name in frames:
        if f"{os.sep}prevcalc{os.sep}" in fn and f"{os.sep}tests{os.sep}" not in fn:
            return (
                f"prevcalc/{fn.split(os.sep + 'prevcalc' + os.sep, 1)[1]}:{line} in {name}",
                inner,
            )
    return None, inner


# ---------------------------------------------------------------------------------------------
# Judging outcomes


@dataclass
class Failure:
    kind: str  # crash, exit, hang, unlocated, nonfinite, control, disagree
    key: str  # the failure class: kind plus where or what
    case: Case
    command: list[str]
    detail: str

    def command_line(self, file: str = "case.yaml") -> str:
        import shlex

        return "prevcalc " + " ".join(shlex.quote(a.replace("{file}", file)) for a in self.command)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
REQUIRED_FINITE = ("pv_costs", "pv_benefits", "npv", "participants")
YEAR_FINITE = ("costs", "benefits", "net", "discount_factor", "pv_net", "cumulative_pv_net")


def _normalise(message: str, file: str) -> str:
    """A message with the file, numbers and quoted text blanked: the same class for same causes."""
    m = message.replace(file, "FILE")
    m = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", m)
    m = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", m)
    return m.strip()[:100]


def _command_kind(cmd: list[str]) -> str:
    if cmd[0] == "validate":
        return "validate"
    extra = [a for a in cmd if a in ("--draws", "--set", "--variant")]
    return "run" + "".join(" " + a for a in extra)


def nonfinite_fields(doc: Any) -> list[str]:
    """Where a ``run --format json`` document has a missing or non-finite required figure."""
    bad = []

    def check(where: str, value: Any) -> None:
        if isinstance(value, dict):  # --draws: mean, median, percentiles
            for s, v in value.items():
                check(f"{where}.{s}", v)
        elif not (_is_number(value) and math.isfinite(value)):
            bad.append(f"{where}={value!r}")

    if not isinstance(doc, dict):
        return ["document is not a JSON object"]
    for k in REQUIRED_FINITE:
        check(f"summary.{k}", (doc.get("summary") or {}).get(k))
    for group, label in (("interventions", "id"), ("layers", "layer"), ("agencies", "agency")):
        for item in doc.get(group) or []:
            for k in REQUIRED_FINITE[:3]:
                check(f"{group}[{item.get(label)}].{k}", item.get(k))
    for row in doc.get("years") or []:
        for k in YEAR_FINITE:
            if k in row:
                check(f"years[{row.get('year')}].{k}", row[k])
    if not doc.get("years"):
        bad.append("years missing")
    return bad


def judge(case: Case, command: list[str], outcome: Outcome, file: str) -> list[Failure]:
    """The failures one command's outcome shows (an empty list when it behaved)."""
    kind = _command_kind(command)
    fails: list[Failure] = []

    def fail(k: str, key: str, detail: str) -> None:
        fails.append(Failure(k, f"{k}: {key}", case, command, detail))

    if outcome.hung:
        fail(
            "hang",
            f"in {outcome.where or outcome.innermost or '?'}",
            f"stuck in {outcome.where} (innermost frame {outcome.innermost}) "
            f"after {outcome.seconds:.1f} s\n" + outcome.stderr[-1500:],
        )
        return fails
    if outcome.died:
        fail(
            "crash",
            f"worker died ({outcome.died}) in {outcome.where or outcome.innermost or '?'}",
            outcome.stderr[-1500:],
        )
        return fails
    if outcome.escaped:
        fail(
            "crash",
            f"{outcome.exc_type} escaped main() at {outcome.where or outcome.innermost}",
            outcome.escaped,
        )
        return fails
    if outcome.code == 3:
        trace = getattr(outcome, "trace", "") or ""
        fail(
            "crash",
            f"{outcome.exc_type} at {outcome.where or outcome.innermost}",
            outcome.stderr.strip()[:600] + ("\n" + trace[-2500:] if trace else ""),
        )
        return fails
    if outcome.code not in (0, 1):
        fail("exit", f"{kind}: exit {outcome.code}", outcome.stderr[:600])
        return fails
    for stream, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
        if "Traceback (most recent call last)" in text:
            fail("crash", f"traceback printed on {stream}", text[:1500])
        m = _CONTROL.search(text)
        if m:
            fail(
                "control",
                f"{kind}: control character on {stream}",
                f"{m.group()!r} in: {text[max(0, m.start() - 80) : m.end() + 80]!r}",
            )
    if outcome.code == 1:
        located = (
            re.search(re.escape(file) + r":\d+:\d+", outcome.stderr)
            or "--set" in outcome.stderr
            or (
                "--variant" in command
                and ("--variant" in outcome.stderr or "no variant named" in outcome.stderr)
            )
        )
        if not located:
            first = next((ln for ln in outcome.stderr.splitlines() if ln.strip()), "(no message)")
            fail("unlocated", f"{kind}: {_normalise(first, file)}", outcome.stderr[:800])
    if outcome.code == 0 and command[0] == "run" and "json" in command:
        try:
            doc = json.loads(outcome.stdout)
        except ValueError as exc:
            fail("nonfinite", f"{kind}: output is not JSON", f"{exc}: {outcome.stdout[:300]!r}")
        else:
            bad = nonfinite_fields(doc)
            if bad:
                fields = sorted(
                    {
                        re.sub(
                            r"\[[^\]]*\]",
                            "[]",
                            re.sub(r"\.(mean|median|p\d+)$", "", b.split("=")[0]),
                        )
                        for b in bad
                    },
                    key=lambda f: (not f.startswith("summary"), f),
                )
                fail(
                    "nonfinite",
                    f"{kind}: {', '.join(fields[:3])}{'…' if len(fields) > 3 else ''} not finite",
                    "; ".join(bad[:12]),
                )
    return fails


# ---------------------------------------------------------------------------------------------
# Campaigns


@dataclass
class Report:
    cases: int = 0
    commands: int = 0
    refused: int = 0
    accepted: int = 0
    crashes: int = 0
    hangs: int = 0
    unlocated: int = 0
    nonfinite: int = 0
    control: int = 0
    disagree: int = 0
    other_exit: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    files_refused: int = 0
    files_accepted: int = 0
    failures: list[Failure] = field(default_factory=list)

    def classes(self) -> dict[str, list[Failure]]:
        out: dict[str, list[Failure]] = {}
        for f in self.failures:
            out.setdefault(f.key, []).append(f)
        return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def figures(self) -> str:
        return "\n".join(
            [
                f"files tried            {self.cases:>7,}   "
                f"({self.commands:,} commands, {self.seconds:.1f} s)"
                + ("  INTERRUPTED" if self.interrupted else ""),
                f"files refused (exit 1) {self.files_refused:>7,}   (commands: {self.refused:,})",
                f"files accepted (exit 0){self.files_accepted:>7,}   (commands: {self.accepted:,})",
                f"crashes (exit 3 etc.)  {self.crashes:>7,}",
                f"hangs                  {self.hangs:>7,}",
                f"other exit statuses    {self.other_exit:>7,}",
                f"unlocated refusals     {self.unlocated:>7,}",
                f"non-finite accepted    {self.nonfinite:>7,}",
                f"control chars shown    {self.control:>7,}",
                f"validate ok, run no    {self.disagree:>7,}",
                f"failure classes        {len(self.classes()):>7,}",
            ]
        )

    def summary(self, examples: int = 1) -> str:
        lines = [self.figures(), ""]
        for key, fails in self.classes().items():
            f = fails[0]
            lines.append(f"[{len(fails)}x] {key}")
            for f in fails[:examples]:
                lines.append(f"    {f.case.name} ({f.case.base}: {'; '.join(f.case.ops)[:200]})")
                lines.append(f"    {f.command_line()}")
                detail = f.detail.strip().splitlines() or [""]
                lines.append("    " + detail[0 if f.kind == "hang" else -1][:200])
        return "\n".join(lines)


def run_case(
    runner: Runner, case: Case, workdir: Path
) -> tuple[list[tuple[list[str], Outcome]], list[Failure]]:
    """Write the case to ``workdir`` and run its commands; returns outcomes and failures."""
    path = workdir / "fuzz_case.yaml"
    path.write_bytes(case.data)
    file = str(path)
    results = []
    fails: list[Failure] = []
    codes: dict[str, int | None] = {}
    for cmd in case.commands:
        args = [a.replace("{file}", file) for a in cmd]
        outcome = runner.run(args)
        results.append((cmd, outcome))
        fails += judge(case, cmd, outcome, file)
        codes[" ".join(cmd)] = outcome.code
        if outcome.hung:
            break  # the other commands would hang the same way
    if codes.get("validate {file}") == 0 and codes.get("run {file} --format json") == 1:
        out = dict((" ".join(c), o) for c, o in results)["run {file} --format json"]
        first = next((ln for ln in out.stderr.splitlines() if ln.strip()), "")
        fails.append(
            Failure(
                "disagree",
                f"disagree: validate accepts, run refuses: {_normalise(first, file)}",
                case,
                ["run", "{file}", "--format", "json"],
                out.stderr[:800],
            )
        )
    return results, fails


def campaign(
    cases: int,
    seed: int,
    workdir: Path,
    timeout: float = 10.0,
    memory_mb: int = 3072,
    start: int = 0,
    on_case: Callable[[Case, list, list[Failure]], None] | None = None,
) -> Report:
    """Run ``cases`` mutated files (indices start..start+cases-1 of ``seed``)."""
    mutator = Mutator(seed)
    report = Report()
    t0 = time.perf_counter()
    with Runner(timeout=timeout, memory_mb=memory_mb) as runner:
        for i in range(start, start + cases):
            try:
                case = mutator.case(i)
                results, fails = run_case(runner, case, workdir)
            except KeyboardInterrupt:
                report.interrupted = True
                break
            report.cases += 1
            codes = [o.code for _, o in results]
            report.commands += len(results)
            report.refused += codes.count(1)
            report.accepted += codes.count(0)
            if codes and codes[0] == 1:
                report.files_refused += 1
            elif codes and codes[0] == 0:
                report.files_accepted += 1
            kinds = Counter(f.kind for f in fails)
            report.crashes += kinds["crash"]
            report.hangs += kinds["hang"]
            report.unlocated += kinds["unlocated"]
            report.nonfinite += kinds["nonfinite"]
            report.control += kinds["control"]
            report.disagree += kinds["disagree"]
            report.other_exit += kinds["exit"]
            report.failures += fails
            if on_case:
                on_case(case, results, fails)
    report.seconds = time.perf_counter() - t0
    return report


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    _worker(int(sys.argv[2]))
