"""Every area at once: one template scenario run for each row of a table of areas.

A *template* is an ordinary scenario file. Each row of the *areas* table (a CSV file or a
pandas DataFrame) is one area; its columns bind to the template by name:

- a column named like one of the template's ``parameters`` sets it
  (``births`` -> ``parameters.births=<value>``);
- a column named by a dotted path sets that field (``interventions.nfp.intake.years``), as
  ``--set`` does;
- identifier columns (``code``, ``name``, and any declared with ``identifiers=`` or with a
  ``# identifiers: a, b`` comment line at the top of the CSV) are never bound: they are carried
  into the results table;
- any other column is *unknown*: reported (located on the header row) and not bound.

An area fails alone: a missing value in a bound column, a value the template refuses, a model
that cannot run are reported with the CSV's row (its line in the file) and column, and every
other area still runs.

Each area runs as ``prevcalc.run(prevcalc.load(template, variant, overrides), draws,
seed=area_seed(seed, code))``: the random stream of an area is spawned from the sweep's seed and
a stable hash of the area's code, so results are the same bit for bit whatever the executor,
the number of workers, the order of the rows or a resume. Any
:class:`concurrent.futures.Executor` runs the areas: serial by default, a
``ProcessPoolExecutor``, or a Dask cluster's ``Client.get_executor()`` (the template's text
is sent to the workers, so they need prevcalc installed but no shared folder).

With ``out``, each area's figures are written as they finish (one JSON file per area and
variant, whole or not at all) to ``out/areas/``; ``resume=True`` reuses the files whose
template, seed, draws and overrides match and runs only the rest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PrevcalcError

if TYPE_CHECKING:
    import pandas as pd

#: Columns that name an area and are never bound to the template.
DEFAULT_IDENTIFIERS = ("code", "name")
#: A column of population used for figures per head, when the table has one.
POPULATION_COLUMNS = ("pop_all", "population")
#: A column of deprivation deciles, for the summary by decile, when the table has one.
DECILE_COLUMNS = ("imd_decile", "deprivation_decile")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_FORMAT = 1  # version of the per-area JSON files
_EXTRA = "\0extra"  # a row's count of cells beyond the header


# ---------------------------------------------------------------------------------------------
# Seeds


def code_hash(code: str) -> int:
    """A stable 64-bit hash of an area's code (the same in every process and every run)."""
    return int.from_bytes(hashlib.sha256(code.encode("utf-8")).digest()[:8], "little")


def area_seed(seed: int, code: str) -> int:
    """The seed of one area's run: spawned by ``numpy.random.SeedSequence((seed, hash(code)))``.

    ``prevcalc.run(scenario, draws, seed=area_seed(seed, code))`` reproduces the area's figures
    in a sweep seeded with ``seed``.
    """
    import numpy as np

    state = np.random.SeedSequence([int(seed), code_hash(code)]).generate_state(2, np.uint32)
    return int(state[0]) | (int(state[1]) << 32)


# ---------------------------------------------------------------------------------------------
# Reading the areas table


@dataclass(frozen=True)
class AreaProblem:
    """Something wrong with one area (or, with no code, with the whole table, e.g. a column).

    ``row`` is the line of the CSV file (header = its line; for a DataFrame the header counts as
    line 1, so its first row is 2); ``column`` the column's name, or "" when no one column is
    to blame.
    """

    row: int
    column: str
    code: str
    message: str
    variant: str | None = None

    def render(self, label: str = "areas") -> str:
        where = f"{label}: row {self.row}" + (f", column {self.column!r}" if self.column else "")
        who = f" ({self.code}{': ' + self.variant if self.variant else ''})" if self.code else ""
        return f"{where}{who}: {self.message}"


@dataclass
class _Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str | None]]]  # (line, column -> text or None when empty)
    header_row: int
    identifiers: tuple[str, ...]
    label: str
    sha256: str


def _read_csv(path: Path) -> _Table:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PrevcalcError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PrevcalcError(f"{path}: is not UTF-8 text (save the table as UTF-8 CSV)") from None
    lines = text.splitlines(keepends=True)
    declared: list[str] = []
    skip = 0
    for line in lines:
        if not line.startswith("#"):
            break
        skip += 1
        body = line[1:].strip()
        if body.lower().startswith("identifiers:"):
            declared += [c.strip() for c in body.split(":", 1)[1].split(",") if c.strip()]
    reader = csv.reader(io.StringIO("".join(lines[skip:])))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str | None]]] = []
    header_row = skip + 1
    last = 0
    for record in reader:
        start = skip + last + 1
        last = reader.line_num
        if header is None:
            header = [c.strip() for c in record]
            header_row = start
            continue
        if not any(c.strip() for c in record):
            continue  # a blank line
        values: dict[str, str | None] = {}
        for i, col in enumerate(header):
            cell = record[i].strip() if i < len(record) else ""
            values[col] = cell if cell != "" else None
        if len(record) > len(header):
            values[_EXTRA] = str(len(record) - len(header))
        rows.append((start, values))
    if header is None:
        raise PrevcalcError(f"{path}: has no header row")
    return _Table(
        header, rows, header_row, tuple(declared), str(path), hashlib.sha256(raw).hexdigest()
    )


def _text_of(value: Any) -> str | None:
    """A DataFrame cell -> the text ``--set`` would be given (None when missing)."""
    import numpy as np
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f)
    text = str(value).strip()
    return text or None


def _from_frame(frame: pd.DataFrame) -> _Table:
    columns = [str(c).strip() for c in frame.columns]
    rows = []
    for i, record in enumerate(frame.itertuples(index=False, name=None)):
        rows.append((i + 2, {c: _text_of(v) for c, v in zip(columns, record)}))
    digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return _Table(columns, rows, 1, (), "areas", digest)


def read_areas(areas: str | os.PathLike | pd.DataFrame) -> _Table:
    """The areas table, each row with its line in the file."""
    if isinstance(areas, str | os.PathLike):
        return _read_csv(Path(areas))
    return _from_frame(areas)


# ---------------------------------------------------------------------------------------------
# Binding


@dataclass(frozen=True)
class Binding:
    """How the table's columns bind to the template."""

    bound: dict[str, str]  # column -> dotted path it sets
    identifiers: tuple[str, ...]
    unknown: tuple[str, ...]


def bind(
    columns: Iterable[str],
    parameters: Iterable[str],
    identifiers: Iterable[str] = DEFAULT_IDENTIFIERS,
) -> Binding:
    """Which columns set which field: parameters by name, fields by dotted path."""
    ids = tuple(dict.fromkeys(identifiers))
    params = set(parameters)
    bound: dict[str, str] = {}
    unknown = []
    for col in columns:
        if col in ids:
            continue
        if col in params:
            bound[col] = f"parameters.{col}"
        elif "." in col:
            bound[col] = col
        else:
            unknown.append(col)
    return Binding(bound, ids, tuple(unknown))


# ---------------------------------------------------------------------------------------------
# One area


@dataclass(frozen=True)
class _Task:
    key: str  # file stem: code, or code__variant
    row: int
    code: str
    name: str
    variant: str | None
    overrides: tuple[str, ...]
    columns: tuple[str, ...]  # the column behind each override
    seed: int | None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]
    return f"{slug}_{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _figures(result: Any, ci: float) -> dict[str, Any]:
    """The headline figures of a run: each metric (mean over draws), and with draws its
    interval and P(NPV > 0)."""
    from .vocabulary import SUMMARY_KEYS, interval_keys

    def number(v: Any) -> float | None:
        v = float(v)
        return v if math.isfinite(v) else None

    mean = result.summary("mean")
    out: dict[str, Any] = {k: number(mean[k]) for k in SUMMARY_KEYS}
    if result.draws > 1:
        lo_key, hi_key = interval_keys(ci)
        lo, hi = result.summary(lo_key), result.summary(hi_key)
        for k in SUMMARY_KEYS:
            out[f"{k}_{lo_key}"] = number(lo[k])
            out[f"{k}_{hi_key}"] = number(hi[k])
        out["prob_npv_positive"] = number(mean["prob_npv_positive"])
        out["prob_pays_back"] = result.prob_pays_back("payback_year")
    return out


def _run_area(
    text: str,
    label: str,
    sha256: str,
    task: _Task,
    draws: int | None,
    ci: float,
    threads: int | None = None,
) -> dict[str, Any]:
    """Load the template with the area's overrides and run it by ``threads`` threads (1 where
    areas run side by side in processes: no more threads than CPUs); never raises for the
    area's own problems (they come back as ``problems``). Runs in a worker: plain data in and
    out."""
    from . import engine
    from .errors import PrevcalcError, ScenarioError
    from .loader import loads
    from .provenance import Source

    base = {
        "format": _FORMAT,
        "key": task.key,
        "row": task.row,
        "code": task.code,
        "name": task.name,
        "variant": task.variant,
        "overrides": list(task.overrides),
        "template_sha256": sha256,
        "draws": draws,
        "seed": task.seed,
    }
    try:
        source = Source(label, sha256, task.variant, task.overrides)
        scenario = loads(text, label, variant=task.variant, overrides=task.overrides, source=source)
        result = engine.run(scenario, draws=draws, seed=task.seed, threads=threads)
        return {**base, "ok": True, "figures": _figures(result, ci), "notes": list(result.notes)}
    except ScenarioError as exc:
        problems = [
            {"column": _column_of(p, task), "message": _problem_text(p)} for p in exc.problems
        ]
        return {**base, "ok": False, "problems": problems}
    except PrevcalcError as exc:
        return {**base, "ok": False, "problems": [{"column": "", "message": str(exc)}]}


def _column_of(problem: Any, task: _Task) -> str:
    """The column behind a scenario problem: the override written at its path (or naming it)."""
    for override, column in zip(task.overrides, task.columns):
        path = override.split("=", 1)[0]
        if f"--set {override}" in problem.message or problem.path == f"--set {override}":
            return column
        if problem.path and (problem.path == path or problem.path.startswith(path + ".")):
            return column
    return ""


def _problem_text(problem: Any) -> str:
    message = re.sub(r" \[--set [^\]]*\]$", "", problem.message)
    path = problem.path if problem.path and not problem.path.startswith("--set ") else ""
    text = f"{path}: {message}" if path else message
    return f"{text} ({problem.hint})" if problem.hint else text


# ---------------------------------------------------------------------------------------------
# Executors and files


class SerialExecutor(Executor):
    """Runs each task when it is submitted, in this process (the default)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller, as any executor does
            future.set_exception(exc)
        return future


def dask_executor(scheduler: str = "local", workers: int | None = None) -> tuple[Executor, Any]:
    """An executor on a Dask cluster: ``"local"`` starts a LocalCluster on this machine,
    otherwise the scheduler's address (``tcp://host:8786``). Returns (executor, client); close
    the client when done (that also stops a local cluster). Needs
    ``pip install "prevcalc[dask]"``."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise PrevcalcError('the Dask scheduler needs Dask: pip install "prevcalc[dask]"') from None
    if scheduler == "local":
        # the client starts the cluster itself, so that closing the client stops it
        client = Client(n_workers=workers, threads_per_worker=1, processes=True)
    else:
        client = Client(scheduler)
    return client.get_executor(), client


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _reusable(path: Path, task: _Task, sha256: str, draws: int | None) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    same = (
        data.get("format") == _FORMAT
        and data.get("ok") is True
        and data.get("template_sha256") == sha256
        and data.get("draws") == draws
        and data.get("seed") == task.seed
        and data.get("overrides") == list(task.overrides)
        and data.get("variant") == task.variant
        and data.get("code") == task.code
    )
    if not same:
        return None
    data["row"], data["name"] = task.row, task.name  # the table may have moved the row
    return data


# ---------------------------------------------------------------------------------------------
# The sweep


@dataclass
class SweepResult:
    """The areas ranked, the summary by deprivation decile, and what failed."""

    table: pd.DataFrame
    by_decile: pd.DataFrame | None
    problems: list[AreaProblem]
    seed: int | None
    draws: int | None
    template: str
    areas: str
    ranked_by: str
    reused: int = 0
    ran: int = 0
    notes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> list[AreaProblem]:
        """Problems that stopped an area (not unknown columns)."""
        return [p for p in self.problems if p.code]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        def clean(records: list[dict]) -> list[dict]:
            return [
                {
                    k: (
                        None
                        if isinstance(v, float) and not math.isfinite(v)
                        else (v.item() if hasattr(v, "item") else v)
                    )
                    for k, v in r.items()
                }
                for r in records
            ]

        import pandas as pd

        table = self.table.astype(object).where(pd.notna(self.table), None)
        out: dict[str, Any] = {
            "template": self.template,
            "areas": self.areas,
            "draws": self.draws,
            "seed": self.seed,
            "ranked_by": self.ranked_by,
            "table": clean(table.to_dict(orient="records")),
            "problems": [asdict(p) for p in self.problems],
        }
        if self.by_decile is not None:
            dec = self.by_decile.astype(object).where(pd.notna(self.by_decile), None)
            out["by_decile"] = clean(dec.reset_index().to_dict(orient="records"))
        return out

    def chart(self, path: str | os.PathLike, top: int | None = None) -> Path:
        """Areas ranked by NPV per head (or NPV), coloured by deprivation decile (PNG/SVG/PDF)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = self.table.dropna(subset=[self.ranked_by])
        if top:
            t = t.head(top)
        decile = next((c for c in DECILE_COLUMNS if c in t.columns), None)
        height = max(3.0, 0.12 * len(t) + 1.5)
        fig, ax = plt.subplots(figsize=(8, height))
        labels = [
            str(n) if pd_notna(n) else str(c) for c, n in zip(t["code"], t.get("name", t["code"]))
        ]
        y = range(len(t))[::-1]
        colours: list[str | tuple[float, float, float, float]]
        if decile:
            cmap = plt.get_cmap("RdYlBu", 10)
            colours = [cmap(int(d) - 1) if pd_notna(d) else (0.6, 0.6, 0.6, 1.0) for d in t[decile]]
        else:
            colours = ["#3b6ea8"] * len(t)
        ax.barh(list(y), t[self.ranked_by], color=colours)
        ax.set_yticks(list(y))
        ax.set_yticklabels(labels, fontsize=5 if len(t) > 60 else 8)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel(self.ranked_by.replace("_", " "))
        if decile:
            sm = plt.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(0.5, 10.5))
            fig.colorbar(
                sm, ax=ax, ticks=range(1, 11), label="deprivation decile (1 = most deprived)"
            )
        ax.set_title("Areas ranked by " + self.ranked_by.replace("_", " "))
        fig.tight_layout()
        path = Path(path)
        fig.savefig(path, dpi=150)
        plt.close(fig)
        return path


def pd_notna(value: Any) -> bool:
    import pandas as pd

    return bool(pd.notna(value))


def sweep(
    template_path: str | os.PathLike,
    areas: str | os.PathLike | pd.DataFrame,
    draws: int | None = None,
    seed: int | None = None,
    variants: bool = False,
    executor: Executor | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    identifiers: Iterable[str] = (),
    ci: float = 0.90,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run the template for every area of ``areas``.

    Parameters
    ----------
    template_path : a scenario file; its parameters (and any dotted path) are what columns set.
    areas : a CSV file (``#`` comment lines at its top are skipped; ``# identifiers: a, b``
        declares more identifier columns) or a DataFrame, one row per area, with a ``code``.
    draws, seed : as :func:`prevcalc.run`; each area's seed is ``area_seed(seed, code)``.
        With draws and no seed, a seed is drawn and recorded (and, with ``out``, reused by a
        resume).
    variants : also run each of the template's variants for each area.
    executor : any ``concurrent.futures.Executor`` (default: serial, in this process).
    out : a folder for the per-area JSON files (``out/areas/<key>.json``), written as each
        area finishes.
    resume : reuse the finished areas found in ``out`` (same template, seed, draws, values).
    identifiers : columns carried into the table and never bound, besides code and name.
    ci : the interval of a probabilistic sweep (0.90 or 0.95).
    progress : called as ``progress(done, total)`` as areas finish.

    Raises
    ------
    ScenarioError
        When the template itself is invalid (no area could run).
    PrevcalcError
        When the table cannot be read or has no ``code`` column, or ``resume`` meets a folder
        swept with another seed.
    """
    from .loader import load
    from .vocabulary import interval_keys

    interval_keys(ci)  # refuse other intervals before any work
    template_path = Path(template_path)
    base = load(template_path)  # a broken template stops the sweep here, located
    raw = template_path.read_bytes()
    text, sha256, label = raw.decode("utf-8"), hashlib.sha256(raw).hexdigest(), str(template_path)
    table = read_areas(areas)
    if "code" not in table.columns:
        raise PrevcalcError(
            f"{table.label}: needs a 'code' column naming each area "
            f"(columns: {', '.join(table.columns)})"
        )
    ids = tuple(dict.fromkeys((*DEFAULT_IDENTIFIERS, *table.identifiers, *identifiers)))
    binding = bind(table.columns, base.parameters, ids)
    problems = [
        AreaProblem(
            table.header_row,
            col,
            "",
            "unknown column: not a parameter of the template, nor a dotted path, "
            "nor declared an identifier; not used",
        )
        for col in binding.unknown
    ]

    if draws is not None and draws < 1:
        raise PrevcalcError("--draws must be at least 1")
    out_dir = Path(out) if out is not None else None
    manifest = out_dir / "sweep.json" if out_dir else None
    if draws is not None and seed is None:
        previous = _read_json(manifest) if resume and manifest else None
        seed = previous.get("seed") if previous and previous.get("draws") == draws else None
        if seed is None:
            seed = secrets.randbits(48)
    if resume and manifest and manifest.exists():
        previous = _read_json(manifest) or {}
        if previous.get("seed") not in (None, seed) and draws is not None:
            raise PrevcalcError(
                f"{out_dir}: was swept with seed {previous.get('seed')}; resume "
                f"with that seed (or without --resume to start again)"
            )
    if out_dir is not None and manifest is not None:  # the one implies the other
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(
            manifest,
            {
                "template": label,
                "template_sha256": sha256,
                "areas": table.label,
                "areas_sha256": table.sha256,
                "draws": draws,
                "seed": seed,
                "variants": variants,
            },
        )

    variant_names: list[str | None] = [None]
    if variants:
        if not base.variants:
            raise PrevcalcError(f"{label}: has no variants (drop variants=True)")
        variant_names += [v.name for v in base.variants]

    # Rows -> tasks (or problems that stop the row).
    tasks: list[_Task] = []
    info: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for line, values in table.rows:
        code = values.get("code") or ""
        extra = values.get(_EXTRA)
        if extra is not None:
            problems.append(
                AreaProblem(line, "", code, f"has {extra} more cell(s) than the header has columns")
            )
            continue
        if not code:
            problems.append(AreaProblem(line, "code", "", "missing value: every area needs a code"))
            continue
        if not _CODE_RE.match(code):
            problems.append(
                AreaProblem(
                    line, "code", code, "a code must be letters, digits, - or _ (at most 64)"
                )
            )
            continue
        if code in seen:
            problems.append(
                AreaProblem(line, "code", code, f"code repeated (first on row {seen[code]})")
            )
            continue
        seen[code] = line
        missing = [c for c in binding.bound if values.get(c) is None]
        for col in missing:
            problems.append(
                AreaProblem(
                    line,
                    col,
                    code,
                    "missing value (the column sets "
                    f"{binding.bound[col]}; give a value or drop the column)",
                )
            )
        if missing:
            continue
        info[code] = {c: values.get(c) for c in table.columns}  # the area's own columns
        cols = tuple(binding.bound)
        overrides = tuple(f"{binding.bound[c]}={values[c]}" for c in cols)
        # With draws, a seed was chosen above if none was given.
        aseed = area_seed(seed, code) if draws is not None and seed is not None else None
        for v in variant_names:
            key = code if v is None else f"{code}__{_slug(v)}"
            tasks.append(
                _Task(key, line, code, values.get("name") or "", v, overrides, cols, aseed)
            )

    # Run (or reuse) each task; write each file as it finishes.
    records: list[dict[str, Any]] = []
    pending: list[_Task] = []
    reused = 0
    for task in tasks:
        path = out_dir / "areas" / f"{task.key}.json" if out_dir else None
        data = _reusable(path, task, sha256, draws) if (resume and path and path.exists()) else None
        if data is not None:
            records.append(data)
            reused += 1
        else:
            pending.append(task)
    total = len(tasks)
    done = reused
    if progress:
        progress(done, total)
    own = executor is None
    pool = executor or SerialExecutor()
    # A bounded window of areas in flight: files are written as areas finish, memory stays
    # small, and an interrupted sweep has written every area finished before it stopped.
    window = 1 if isinstance(pool, SerialExecutor) else max(4, 4 * (os.cpu_count() or 1))
    # Areas side by side (processes, a cluster) each run on one thread; one at a time, each run
    # uses the CPUs itself.
    threads = None if isinstance(pool, SerialExecutor) else 1
    in_flight: dict[Future, _Task] = {}

    def finish(fut: Future) -> None:
        nonlocal done
        task = in_flight.pop(fut)
        try:
            data = fut.result()
        except Exception as exc:  # a worker lost, an unexpected error: this area only
            data = {
                "key": task.key,
                "row": task.row,
                "code": task.code,
                "name": task.name,
                "variant": task.variant,
                "ok": False,
                "problems": [{"column": "", "message": f"{type(exc).__name__}: {exc}"}],
            }
        if data.get("ok") and out_dir:
            _write_atomic(out_dir / "areas" / f"{task.key}.json", data)
        records.append(data)
        done += 1
        if progress:
            progress(done, total)

    try:
        for task in pending:
            while len(in_flight) >= window:
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for fut in finished:
                    finish(fut)
            in_flight[pool.submit(_run_area, text, label, sha256, task, draws, ci, threads)] = task
        while in_flight:
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for fut in finished:
                finish(fut)
    finally:
        for fut in in_flight:
            fut.cancel()
        if own:
            pool.shutdown()

    for data in records:
        if not data.get("ok"):
            for p in data.get("problems", []):
                problems.append(
                    AreaProblem(
                        data["row"], p["column"], data["code"], p["message"], data.get("variant")
                    )
                )
    problems.sort(key=lambda p: (p.row, p.column, p.variant or ""))
    frame, ranked_by = _table(records, info, ids, variants)
    notes = {d["key"]: d.get("notes", []) for d in records if d.get("ok") and d.get("notes")}
    return SweepResult(
        frame,
        _by_decile(frame),
        problems,
        seed,
        draws,
        label,
        table.label,
        ranked_by,
        reused,
        len(pending),
        notes,
    )


def _read_json(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _table(
    records: list[dict[str, Any]],
    info: dict[str, dict[str, Any]],
    ids: tuple[str, ...],
    variants: bool,
) -> tuple[pd.DataFrame, str]:
    import pandas as pd

    rows = []
    for d in records:
        if not d.get("ok"):
            continue
        row: dict[str, Any] = {"code": d["code"]}
        for c, v in info.get(d["code"], {}).items():
            if c != "code":
                row[c] = _number_or_text(v)
        if variants:
            row["variant"] = d["variant"] or "base"
        row.update(d["figures"])
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in frame.columns:  # whole numbers with gaps (a missing IMD rank) stay whole
        values = frame[col].dropna()
        if frame[col].dtype == object and len(values) and all(isinstance(v, int) for v in values):
            frame[col] = frame[col].astype("Int64")
    if frame.empty:
        return frame, "npv"
    pop = next((c for c in POPULATION_COLUMNS if c in frame.columns), None)
    ranked_by = "npv"
    if pop is not None:
        people = pd.to_numeric(frame[pop], errors="coerce")
        for col in [c for c in frame.columns if re.fullmatch(r"npv(_p\d+)?", c)]:
            frame[col.replace("npv", "npv_per_head", 1)] = frame[col] / people.where(people > 0)
        ranked_by = "npv_per_head"
    from .vocabulary import SUMMARY_KEYS

    def canonical(col: str) -> tuple[int, int, str]:  # metrics in the vocabulary's order
        stem = col.replace("npv_per_head", "npv~", 1)
        for i, k in enumerate((*SUMMARY_KEYS, "npv~", "prob_npv_positive", "prob_pays_back")):
            if stem == k or re.fullmatch(re.escape(k) + r"_p\d+", stem):
                return (1, i, col)
        return (0, 0, "")

    figures = sorted((c for c in frame.columns if canonical(c)[0]), key=canonical)
    frame = frame[[c for c in frame.columns if not canonical(c)[0]] + figures]
    order = frame[ranked_by].rank(ascending=False, method="min")
    if variants:
        order = frame.groupby("variant")[ranked_by].rank(ascending=False, method="min")
    frame.insert(0, "rank", order.astype("Int64"))
    sort = ["variant", "rank", "code"] if variants else ["rank", "code"]
    frame = frame.sort_values(sort, na_position="last", kind="mergesort").reset_index(drop=True)
    return frame, ranked_by


def _number_or_text(value: Any) -> Any:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    return int(f) if f.is_integer() and re.fullmatch(r"-?\d+", str(value)) else f


def _by_decile(frame: pd.DataFrame) -> pd.DataFrame | None:
    import pandas as pd

    decile = next((c for c in DECILE_COLUMNS if c in frame.columns), None)
    if decile is None or frame.empty or frame[decile].isna().all():
        return None
    keys = [decile] + (["variant"] if "variant" in frame.columns else [])
    f = frame.dropna(subset=[decile]).copy()
    f[decile] = f[decile].astype(int)
    pop = next((c for c in POPULATION_COLUMNS if c in f.columns), None)
    g = f.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "areas": g.size(),
            "pv_costs": g["pv_costs"].sum(),
            "pv_benefits": g["pv_benefits"].sum(),
            "npv": g["npv"].sum(),
            "areas_npv_positive": g["npv"].apply(lambda s: int((s > 0).sum())),
        }
    )
    out["bcr"] = out["pv_benefits"] / out["pv_costs"].where(out["pv_costs"] > 0)
    if pop:
        out["population"] = g[pop].sum()
        out["npv_per_head"] = out["npv"] / out["population"].where(out["population"] > 0)
    if "prob_npv_positive" in f.columns:
        out["mean_prob_npv_positive"] = g["prob_npv_positive"].mean()
    return out


__all__ = [
    "sweep",
    "SweepResult",
    "AreaProblem",
    "Binding",
    "bind",
    "area_seed",
    "code_hash",
    "read_areas",
    "SerialExecutor",
    "dask_executor",
    "DEFAULT_IDENTIFIERS",
]
