"""Scenario files -> validated :class:`~prevcalc.scenario.Scenario`, with every problem located.

Reading, overriding and validating are separate steps on the raw mapping:

1. ``_yaml.parse`` gives plain values and a position for every key and value;
2. a variant's ``set:`` and the ``--set`` options are applied to that mapping (paths name list
   items of ``interventions`` by id, other list items by index);
3. pydantic validates; each error's location is cleaned of union-member labels, list indices of
   interventions become their ids, and the message is put into plain words;
4. cross-references pydantic cannot see (expression names, parameter cycles) are checked.

All problems are collected and raised together as one :class:`~prevcalc.errors.ScenarioError`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from . import _yaml, expressions, prices
from .errors import Problem, ScenarioError
from .provenance import Source
from .scenario import Scenario, walk

Loc = tuple[Any, ...]
_ID_RE = re.compile(r"^[a-z0-9_]+$")


def load(
    path: str | FilePath,
    variant: str | None = None,
    overrides: Iterable[str] = (),
) -> Scenario:
    """Read, override and validate a scenario file.

    Parameters
    ----------
    path : the YAML file.
    variant : the name of one of the file's ``variants`` to apply, or None for the base.
    overrides : ``"dotted.path=value"`` strings, applied after the variant (as ``--set``).

    Raises
    ------
    ScenarioError
        With every problem found, each located by file, line, column and field path.
    """
    path = FilePath(path)
    label = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(label, [Problem(0, 0, "", "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError(
            label, [Problem(0, 0, "", "is a folder, not a scenario file")]
        ) from None
    except OSError as exc:
        raise ScenarioError(
            label, [Problem(0, 0, "", f"cannot be read ({exc.strerror})")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            label, [Problem(line, col, "", "is not UTF-8 text (save the file as UTF-8)")]
        ) from None
    source = Source(label, hashlib.sha256(raw).hexdigest(), variant, tuple(overrides))
    return loads(text, label, variant=variant, overrides=overrides, source=source)


def loads(
    text: str,
    label: str = "<string>",
    variant: str | None = None,
    overrides: Iterable[str] = (),
    source: Source | None = None,
) -> Scenario:
    """Validate scenario YAML given as text; ``label`` names it in messages."""
    doc, problems = _yaml.parse(text, label)
    if problems:
        if isinstance(doc.data, dict):  # name interventions by id in YAML-level problems too
            problems = [
                Problem(
                    p.line,
                    p.column,
                    _dotted(tuple(split_path(p.path)), doc.data) if p.path else "",
                    p.message,
                    p.hint,
                )
                for p in problems
            ]
        raise ScenarioError(label, problems)
    data = doc.data
    if not isinstance(data, dict):
        raise ScenarioError(
            label,
            [
                Problem(
                    *doc.locate(()),
                    "",
                    "expected a map of keys (prevcalc, name, horizon, interventions...), "
                    f"got {_kind(data)}",
                )
            ],
        )

    data = copy.deepcopy(data)
    origins: dict[Loc, Problem] = {}  # overridden path -> where the override was written
    if variant is not None:
        _apply_variant(data, doc, variant, label, origins)
    for option in overrides:
        _apply_option(data, option, label, origins)

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = _problems_from(exc, data, doc, origins)
        dupes = _duplicate_ids(data, doc)
        if dupes:  # located on the repeated id itself, rather than on the whole list
            problems = [p for p in problems if "is used twice" not in p.message] + dupes
        raise ScenarioError(label, problems) from None

    problems = list(_cross_reference_problems(scenario, data, doc, origins))
    if problems:
        raise ScenarioError(label, problems)
    src = source or Source(
        label, hashlib.sha256(text.encode()).hexdigest(), variant, tuple(overrides)
    )
    src = replace(
        src,
        positions=doc.positions,
        origins=origins,
        ids=tuple(iv.id for iv in scenario.interventions),
    )
    scenario._source = src
    return scenario


def load_options(
    files: Iterable[str | FilePath], variants: bool = False, overrides: Iterable[str] = ()
) -> list[tuple[str, Scenario]]:
    """(name, scenario) for each option to compare: each file, and with ``variants`` each of
    its variants after its base. Names are the scenarios' names (the variants' with several
    files: ``"<scenario>: <variant>"``, and ``"<scenario>: base"``).

    Raises
    ------
    ScenarioError
        As :func:`load`; and when ``variants`` is asked of a file that has none.
    """
    files = list(files)
    overrides = tuple(overrides)
    out: list[tuple[str, Scenario]] = []
    for f in files:
        base = load(f, overrides=overrides)
        prefix = f"{base.name}: " if variants and len(files) > 1 else ""
        out.append((f"{prefix}base" if prefix else base.name, base))
        if variants:
            if not base.variants:
                raise ScenarioError(
                    str(f),
                    [
                        Problem(
                            0,
                            0,
                            "",
                            "has no variants to compare (add a "
                            "variants: section, or drop --variants)",
                        )
                    ],
                )
            for v in base.variants:
                out.append((f"{prefix}{v.name}", load(f, variant=v.name, overrides=overrides)))
    return out


# ---------------------------------------------------------------------------------------------
# Overrides


def split_path(text: str) -> list[Any]:
    """Split a dotted path, numbers becoming list indexes.

    ``interventions.nfp.outcomes.0.amount`` ->
    ``['interventions', 'nfp', 'outcomes', 0, 'amount']``."""
    return [int(p) if p.isdigit() else p for p in text.split(".")]


def set_path(data: dict, dotted: str, value: Any) -> Loc:
    """Set ``value`` at ``dotted`` in the raw mapping; returns the resolved location.

    Raises ValueError with a plain message (and a suggestion) when the path does not exist.
    """
    parts = split_path(dotted)
    if not dotted or any(p == "" for p in parts):
        raise ValueError(
            f"{dotted!r} is not a dotted path such as interventions.nfp.intake.participants"
        )
    cur: Any = data
    loc: list[Any] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(cur, list):
            index = _list_index(cur, part, ".".join(map(str, loc)))
            loc.append(index)
            if last:
                cur[index] = value
            else:
                cur = cur[index]
        elif isinstance(cur, dict):
            key = str(part)
            if last:
                if key not in cur:
                    _check_new_key(data, tuple(loc), key, cur)
                cur[key] = value
                loc.append(key)
            elif key in cur and isinstance(cur[key], dict | list):
                loc.append(key)
                cur = cur[key]
            elif key not in cur:
                hint = _did_you_mean(key, cur.keys())
                where = ".".join(map(str, loc)) or "the top level"
                raise ValueError(f"no key {key!r} in {where}{hint}")
            else:
                raise ValueError(
                    f"{'.'.join(map(str, loc + [key]))} is a single value, not a map or list"
                )
        else:
            raise ValueError(f"{'.'.join(map(str, loc))} is a single value, not a map or list")
    return tuple(loc)


def _check_new_key(data: dict, loc: Loc, key: str, mapping: dict) -> None:
    """Refuse to create ``key`` at ``loc`` unless it is a field the format knows there.

    Setting a field the file leaves out (a deadweight, say) is fine; a typo (``efect``) would
    otherwise add a value nothing reads, and the run would silently ignore the override.
    """
    fields = [] if loc[:1] == ("parameters",) else _fields_at(loc, data)
    if key in fields:
        return
    where = _dotted(loc, data) or "the top level"
    known = sorted(set(map(str, mapping)) | set(fields))
    hint = _did_you_mean(key, known)
    if loc == ("parameters",):
        listing = hint or (
            f" (the file defines: {', '.join(known)})"
            if known
            else " (the file defines no parameters)"
        )
        raise ValueError(f"no parameter {key!r} in the file{listing}")
    listing = "" if hint or not known else f" (keys: {', '.join(known)})"
    raise ValueError(f"no key {key!r} in {where}{hint}{listing}")


def _list_index(items: list, part: Any, where: str) -> int:
    if isinstance(part, int):
        if 0 <= part < len(items):
            return part
        raise ValueError(f"{where} has {len(items)} item(s); there is no item {part}")
    ids = [x.get("id") for x in items if isinstance(x, dict)]
    if part in ids:
        return ids.index(part)
    named = [str(x) for x in ids if x is not None]
    hint = _did_you_mean(str(part), named)
    listing = f" (ids: {', '.join(named)})" if named and not hint else ""
    raise ValueError(f"no item with id {part!r} in {where}{hint}{listing}")


def _apply_variant(data: dict, doc: _yaml.Document, name: str, label: str, origins: dict) -> None:
    variants = data.get("variants") or []
    if not isinstance(variants, list):  # the schema reports it, located
        variants = []
    names = [v.get("name") if isinstance(v, dict) else None for v in variants]
    if name not in names:
        known = ", ".join(str(n) for n in names if n is not None) or "none"
        hint = _did_you_mean(name, [str(n) for n in names if n is not None])
        raise ScenarioError(
            label, [Problem(0, 0, "", f"no variant named {name!r}{hint} (variants: {known})")]
        )
    index = names.index(name)
    settings = variants[index].get("set") or {}
    if not isinstance(settings, dict):
        return  # schema validation reports it
    problems = []
    for dotted, value in settings.items():
        where = ("variants", index, "set", dotted)
        line, col = doc.locate(where, key=True)
        try:
            loc = set_path(data, str(dotted), copy.deepcopy(value))
        except ValueError as exc:
            problems.append(Problem(line, col, f"variants.{index}.set", f"{dotted}: {exc}"))
            continue
        origins[loc] = Problem(line, col, "", f"set by variant {name!r}")
    if problems:
        raise ScenarioError(label, problems)


def _apply_option(data: dict, option: str, label: str, origins: dict) -> None:
    if "=" not in option:
        raise ScenarioError(
            label,
            [
                Problem(
                    0,
                    0,
                    f"--set {option}",
                    "expected path=value, e.g. interventions.nfp.intake.participants=200",
                )
            ],
        )
    dotted, text = option.split("=", 1)
    dotted = dotted.strip()
    try:
        value = _yaml.parse_value(text)
        loc = set_path(data, dotted, value)
    except ValueError as exc:
        raise ScenarioError(label, [Problem(0, 0, f"--set {option}", str(exc))]) from None
    origins[loc] = Problem(0, 0, "", f"--set {option}")


# ---------------------------------------------------------------------------------------------
# pydantic errors -> problems

_TYPE_MISMATCH = {
    "float_type",
    "float_parsing",
    "int_type",
    "int_parsing",
    "string_type",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "list_type",
    "is_instance_of",
    "bool_type",
    "union_tag_not_found",
    "literal_error",
}
_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a map",
    "model_type": "a map",
    "model_attributes_type": "a map",
    "union_tag_not_found": "a distribution map with a 'dist' key",
}


def _problems_from(
    exc: ValidationError, data: dict, doc: _yaml.Document, origins: dict
) -> list[Problem]:
    grouped: dict[Loc, list[Any]] = {}
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"], data, err["type"])
        grouped.setdefault(loc, []).append(err)
    problems = []
    for loc, errs in list(grouped.items()):
        # A union (number or list) also reports "wrong type" at the parent of a deeper, more
        # specific problem: drop it.
        if all(e["type"] in _TYPE_MISMATCH for e in errs) and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in grouped
        ):
            continue
        specific = [e for e in errs if e["type"] not in _TYPE_MISMATCH]
        if specific:
            messages = [_message(e) for e in specific]
        elif len(errs) > 1:
            wanted = sorted({_EXPECTED.get(e["type"], e["type"]) for e in errs})
            messages = [f"expected {' or '.join(wanted)} (got {_shown(errs[0]['input'])})"]
        else:
            messages = [_message(errs[0])]
        hint = ""
        if errs[0]["type"] == "extra_forbidden":
            hint = _did_you_mean_field(exc, loc, data)
        key = errs[0]["type"] in ("extra_forbidden",)
        for message in dict.fromkeys(messages):
            problems.append(_locate(loc, message, hint, data, doc, origins, key=key))
    return problems


def _clean_loc(loc: Loc, data: Any, err_type: str) -> Loc:
    """Drop union-member labels from a pydantic location, keeping the keys the user wrote."""
    out: list[Any] = []
    cur = data
    for i, seg in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(cur, dict) and seg in cur:
            out.append(seg)
            cur = cur[seg]
        elif isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
            out.append(seg)
            cur = cur[seg]
        elif last and err_type in ("missing", "extra_forbidden") and isinstance(cur, dict):
            out.append(seg)
    return tuple(out)


def _locate(
    loc: Loc,
    message: str,
    hint: str,
    data: dict,
    doc: _yaml.Document,
    origins: dict,
    key: bool = False,
) -> Problem:
    path = _dotted(loc, data)
    for n in range(len(loc), 0, -1):
        origin = origins.get(tuple(loc[:n]))
        if origin is not None:
            if origin.line:
                return Problem(
                    origin.line, origin.column, path, f"{message} [{origin.message}]", hint
                )
            return Problem(0, 0, path, f"{message} [{origin.message}]", hint)
    line, col = doc.locate(loc, key=key)
    return Problem(line, col, path, message, hint)


def _dotted(loc: Loc, data: dict) -> str:
    """Location -> the dotted path ``--set`` accepts: interventions named by id."""
    parts = [str(p) for p in loc]
    if len(loc) >= 2 and loc[0] == "interventions" and isinstance(loc[1], int):
        items = data.get("interventions")
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            ident = items[loc[1]].get("id")
            if isinstance(ident, str) and _ID_RE.match(ident):
                parts[1] = ident
    return ".".join(parts)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    return _number(value) if isinstance(value, float) else str(value)


def _number(value: float) -> str:
    """A number as short as it can be written without hiding a difference (0.2500001 stays)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _message(err: dict) -> str:
    t, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    if t == "missing":
        return "is required but missing"
    if t == "extra_forbidden":
        return "unknown key"
    if t in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {
            "greater_than_equal": "≥",
            "greater_than": ">",
            "less_than_equal": "≤",
            "less_than": "<",
        }[t]
        bound = next(iter(ctx.values()))
        return (
            f"must be {sign} {_number(float(bound))} (got {_shown(got)})"
            if isinstance(bound, float | int)
            else err["msg"]
        )
    if t == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {_shown(got)})"
    if t == "union_tag_invalid":
        return (
            f"{ctx.get('discriminator', 'tag')} must be one of {ctx.get('expected_tags')} "
            f"(got {ctx.get('tag')!r})"
        )
    if t == "union_tag_not_found":
        return f"needs a {ctx.get('discriminator')} key saying which kind it is"
    if t == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if t == "assertion_error":
        return str(err["msg"]).removeprefix("Assertion failed, ")
    if t == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        if pattern == r"^[a-z0-9_]+$":
            return f"must be lower-case letters, digits and _ only (got {_shown(got)})"
        if pattern == r"^[A-Z]{3}$":
            return f"must be a three-letter ISO 4217 currency code such as GBP (got {_shown(got)})"
        return f"must match {pattern} (got {_shown(got)})"
    if t == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if t in ("int_from_float",):
        return f"expected a whole number (got {_shown(got)})"
    if t in _EXPECTED:
        return f"expected {_EXPECTED[t]} (got {_shown(got)})"
    if t == "finite_number":
        return "must be a finite number (NaN and infinity are refused)"
    return str(err["msg"])


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _did_you_mean_field(exc: ValidationError, loc: Loc, data: dict) -> str:
    """Suggest the closest known field of the model that refused an unknown key."""
    fields = _fields_at(loc[:-1], data)
    match = difflib.get_close_matches(str(loc[-1]), fields, n=1, cutoff=0.6)
    return (
        f"did you mean {match[0]!r}?"
        if match
        else (f"expected one of: {', '.join(fields)}" if fields else "")
    )


def _fields_at(loc: Loc, data: dict) -> list[str]:
    """Known field names of the model found at ``loc`` of the raw data."""
    model: Any = Scenario
    for seg in loc:
        if isinstance(seg, int):
            continue
        field = (
            model.model_fields.get(seg)
            if isinstance(model, type) and issubclass(model, BaseModel)
            else None
        )
        if field is None:
            return []
        model = _model_in(field.annotation, _value_at(data, loc[: loc.index(seg) + 1]))
        if model is None:
            return []
    return (
        list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []
    )


def _value_at(data: Any, loc: Loc) -> Any:
    for seg in loc:
        try:
            data = data[seg]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _model_in(annotation: Any, value: Any) -> Any:
    """The BaseModel class an annotation holds (through list/Optional/Union/Annotated)."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    candidates = [a for a in typing.get_args(annotation) if a is not type(None)]
    found = [m for m in (_model_in(a, value) for a in candidates) if m is not None]
    if len(found) > 1 and isinstance(value, dict):
        tag = value.get("dist") or value.get("curve")
        for m in found:
            for key in ("dist", "curve"):
                f = m.model_fields.get(key)
                if f is not None and tag in typing.get_args(f.annotation):
                    return m
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------
# Cross-references


def _cross_reference_problems(
    scenario: Scenario, data: dict, doc: _yaml.Document, origins: dict
) -> Iterator[Problem]:
    defined = set(scenario.parameters)
    deps: dict[str, frozenset[str]] = {name: frozenset() for name in defined}
    for loc, leaf in walk(scenario):
        if not isinstance(leaf, expressions.Expression):
            continue
        if loc[:1] == ("parameters",):
            deps[loc[1]] = leaf.names
        for name in sorted(leaf.names - defined):
            hint = _did_you_mean(name, defined).removeprefix("; ")
            known = (
                f"parameters defined: {', '.join(sorted(defined))}"
                if defined
                else "the file defines no parameters"
            )
            yield _locate(
                loc,
                f"unknown parameter {name!r} in expression {leaf.text!r}",
                hint or known,
                data,
                doc,
                origins,
            )
    if deps:
        try:
            expressions.evaluation_order({k: v & defined for k, v in deps.items()})
        except expressions.ExpressionError as exc:
            where = ("parameters", exc.names[0]) if exc.names else ("parameters",)
            yield _locate(where, exc.message, "", data, doc, origins)
    yield from _price_problems(scenario, data, doc, origins)


def _price_problems(
    scenario: Scenario, data: dict, doc: _yaml.Document, origins: dict
) -> Iterator[Problem]:
    """Every figure must convert to the scenario's currency and price year: a missing exchange
    rate, an unknown deflator or a year the deflator does not cover is found here, located,
    rather than when the model runs."""
    try:
        prices.deflator(scenario.deflator)
    except ValueError as exc:
        hint = _did_you_mean(scenario.deflator, prices.available()).removeprefix("; ")
        yield _locate(
            ("deflator",),
            str(exc),
            hint or f"shipped: {', '.join(prices.available())}",
            data,
            doc,
            origins,
        )
        return
    rates = {r.currency: r.rate for r in scenario.exchange_rates}
    for i, iv in enumerate(scenario.interventions):
        items: list[tuple[Loc, Any]] = [
            (("costs", kind, j), item)
            for kind in ("setup", "running", "per_participant")
            for j, item in enumerate(getattr(iv.costs, kind))
        ]
        items += [(("outcomes", j), item) for j, item in enumerate(iv.outcomes)]
        for loc, item in items:
            currency = item.currency or iv.currency or scenario.currency
            year = item.price_year or iv.price_year or scenario.price_year
            try:
                prices.conversion_factor(
                    currency, year, scenario.currency, scenario.price_year, rates, scenario.deflator
                )
            except ValueError as exc:
                yield _locate(("interventions", i) + loc, str(exc), "", data, doc, origins)


def _duplicate_ids(data: dict, doc: _yaml.Document) -> list[Problem]:
    """Repeated intervention ids, found on the raw data (so they show beside other problems)."""
    items = data.get("interventions")
    if not isinstance(items, list):
        return []
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            continue
        if ident in seen:
            line, col = doc.locate(("interventions", i, "id"))
            first = doc.locate(("interventions", seen[ident], "id"))[0]
            out.append(
                Problem(
                    line,
                    col,
                    f"interventions.{i}.id",
                    f"intervention id {ident!r} is used twice (first on line {first}); "
                    "ids must be unique",
                )
            )
        else:
            seen[ident] = i
    return out


def _kind(value: Any) -> str:
    return {
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
    }.get(type(value), type(value).__name__)
