"""The command line: click commands and ``main()``, the one place errors become exit codes.

Exit status: 0 success; 1 invalid scenario, model or output error; 2 command-line usage error;
3 internal error (a bug: please report it); 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from . import __version__
from .errors import ModelError, PrevcalcError, ScenarioError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
FORMATS = ["table", "json", "csv"]

#: Every output format a command can print or write, and the file endings that mean it: one
#: registry for every command, so --format and the ending of --output always agree.
OUTPUT_FORMATS: dict[str, tuple[str, ...]] = {
    "table": (".txt",),
    "json": (".json",),
    "csv": (".csv",),
    "markdown": (".md", ".markdown"),
}


#: Endings of files that are not text: never written with text in them.
_NOT_TEXT = (".xlsx", ".xls", ".docx", ".doc", ".pdf", ".png", ".svg", ".zip")


def _output_format(fmt: str, output: str | None, allowed: list[str]) -> str:
    """The format to write: ``--format`` if given, else the ending of ``--output``. A file whose
    ending names another format, or a format this command cannot write (an .xlsx workbook from
    ``run``), is refused as a usage error rather than filled with the wrong kind of text."""
    ctx = click.get_current_context()
    explicit = ctx.get_parameter_source("fmt") not in (None, click.core.ParameterSource.DEFAULT)
    if not output:
        return fmt
    ending = Path(output).suffix.lower()
    named = next((name for name, ends in OUTPUT_FORMATS.items() if ending in ends), None)
    if named is None:
        if (explicit or not ending) and ending not in _NOT_TEXT:
            return fmt
        raise click.UsageError(
            f"--output {output}: this command writes {', '.join(allowed)}, not {ending} files"
            + (" (a workbook comes with prevcalc brief)" if ending in (".xlsx", ".xls") else "")
            + f"; use an ending such as {', '.join(OUTPUT_FORMATS[a][0] for a in allowed)}"
            + " or give --format"
        )
    if named not in allowed:
        raise click.UsageError(
            f"--output {output}: this command writes {', '.join(allowed)}, not {named}"
        )
    if explicit and named != fmt:
        raise click.UsageError(
            f"--format {fmt} does not match --output {output} ({named}); make them agree"
        )
    return named


def _terminal():
    from .report.terminal import Terminal

    return Terminal()


def _write_or_print(text: str, output: str | None, force: bool = True) -> None:
    if output:
        from .report._atomic import write_text

        write_text(Path(output), text, force=force)
    else:
        _terminal().raw(text)


def _show_notes(result, term) -> None:
    for note in result.notes:
        term.warn(note)


option_set = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a value, e.g. --set interventions.nfp.intake.participants=200 (repeatable).",
)
option_variant = click.option(
    "--variant", default=None, metavar="NAME", help="Apply one of the file's variants."
)
#: The most draws any command takes (a run also checks the memory they would need).
MAX_DRAWS = 100_000_000


def option_draws(help: str, low: int = 1):
    """``--draws N``, the same on every command; ``help`` says what the draws add there."""
    return click.option("--draws", type=click.IntRange(low, MAX_DRAWS), default=None, help=help)


def option_seed(help: str):
    """``--seed S``; ``help`` says how the seed is used there."""
    return click.option("--seed", type=int, default=None, help=help)


option_sampler = click.option(
    "--sampler",
    type=click.Choice(["random", "lhs"]),
    default="random",
    show_default=True,
    help="Sampling scheme for --draws.",
)
option_ci = click.option(
    "--ci",
    type=click.Choice(["90", "95"]),
    default="90",
    show_default=True,
    help="Interval (per cent) for --draws.",
)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="prevcalc")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """prevcalc: does moving money upstream pay back, when, and for whom?

    Describe prevention programmes in YAML, project their costs and savings over time with
    Green Book discounting, compare options and write a fairness-commission brief.

    \b
    Example:
      prevcalc run scenarios/nurse_family_partnership.yaml
    """
    ctx.obj = {"debug": debug}


#: The tables ``run --format csv --table NAME`` writes (FORMAT.md's default: the years).
CSV_TABLES = {
    "years": lambda r: r.cashflows(),
    "per-person": lambda r: r.life_course.per_person(),
    "cohorts": lambda r: r.life_course.cohorts(),
    "cohort-years": lambda r: r.life_course.cohort_flows(),
    "events": lambda r: r.life_course.events_table(r.pv_costs_by_intervention()),
    "events-by-year": lambda r: r.life_course.events_by_year(),
}


@cli.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file instead of stdout.",
)
@click.option(
    "--years",
    "all_years",
    is_flag=True,
    help="Show every year's cash flows (default: a compact view).",
)
@option_draws("Monte Carlo draws (probabilistic run).")
@option_seed("Random seed: seeded runs are reproducible bit for bit.")
@option_sampler
@option_ci
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@click.option(
    "--table",
    type=click.Choice(list(CSV_TABLES)),
    default="years",
    show_default=True,
    help="With --format csv: which table (years; per-person and cohorts J-curves; events avoided).",
)
@option_variant
@option_set
def run(
    file: Path,
    fmt: str,
    output: str | None,
    all_years: bool,
    draws: int | None,
    seed: int | None,
    sampler: str,
    ci: str,
    force: bool,
    table: str,
    variant: str | None,
    overrides: tuple[str, ...],
) -> None:
    """Run a scenario and report its costs, benefits and returns.

    \b
    Example:
      prevcalc run scenarios/nurse_family_partnership.yaml
      prevcalc run scenarios/shared_lives.yaml --format json
      prevcalc run scenarios/shared_lives.yaml --draws 10000 --seed 1
      prevcalc run scenarios/portfolio.yaml --format csv --table per-person
    """
    from . import load
    from . import run as run_scenario

    fmt = _output_format(fmt, output, FORMATS)
    term = _terminal()
    scenario = load(file, variant=variant, overrides=overrides)
    progress = _progress(term, draws)
    with progress as update:
        result = run_scenario(scenario, draws=draws, seed=seed, sampler=sampler, progress=update)
    level = 0.90 if ci == "90" else 0.95
    _show_notes(result, term)
    if fmt == "json":
        _write_or_print(
            json.dumps(result.to_dict(ci=level), indent=2, allow_nan=False), output, force
        )
    elif fmt == "csv":
        from .report.csv import frame_csv

        _write_or_print(frame_csv(CSV_TABLES[table](result)), output, force)
    else:
        from .report.terminal import render_run

        if output:
            import io

            from rich.console import Console

            buf = io.StringIO()
            Console(
                file=buf, width=120, markup=False, emoji=False, highlight=False, no_color=True
            ).print(render_run(result, all_years=all_years, ci=level))
            _write_or_print(buf.getvalue(), output, force)
        else:
            term.print(render_run(result, all_years=all_years, ci=level))


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _progress(term, draws: int | None):
    """A progress bar on an interactive terminal for runs long enough to need one."""
    if not draws or draws < 200_000 or not term.err.is_terminal:
        return _NoProgress()
    from rich.progress import Progress

    class _Bar:
        def __enter__(self):
            self.p = Progress(console=term.err, transient=True)
            self.p.__enter__()
            self.task = self.p.add_task("drawing", total=draws)
            return lambda done, total: self.p.update(self.task, completed=done)

        def __exit__(self, *exc):
            return self.p.__exit__(*exc)

    return _Bar()


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario files (and each of their variants): everything `run` would refuse.

    Each file and variant is loaded and run once at central values, so a figure that is not
    finite (an expression dividing by zero, an amount that overflows) is found too.

    \b
    Example:
      prevcalc validate scenarios/*.yaml
    """
    from . import load, run
    from .errors import ModelError, ScenarioError

    term = _terminal()
    failed = []
    for f in files:
        try:
            sc = load(f)
            run(sc)
            for v in sc.variants:
                run(load(f, variant=v.name))
        except ScenarioError as exc:
            term.err.print(exc.render(), soft_wrap=True)
            failed.append(f)
        except ModelError as exc:
            term.error(f"{f}: {exc}")
            failed.append(f)
        else:
            extra = f" and {len(sc.variants)} variant(s)" if sc.variants else ""
            term.info(f"{f}: valid{extra}")
    if failed:
        raise _Quiet(1)


class _Quiet(PrevcalcError):
    """Problems already shown: exit with the status, print nothing more."""

    def __init__(self, code: int):
        super().__init__("")
        self.exit_code = code


@cli.command(context_settings=CONTEXT)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to this file."
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def schema(output: str | None, force: bool) -> None:
    """Print the scenario format as JSON Schema, for editors to validate and complete files.

    \b
    Example:
      prevcalc schema > prevcalc.schema.json
    """
    from .scenario import json_schema

    _write_or_print(json.dumps(json_schema(), indent=2, ensure_ascii=False), output, force)


def _options(
    files: tuple[Path, ...], variants: bool, overrides: tuple[str, ...]
) -> list[tuple[str, object]]:
    """(name, scenario) for each option: each file, and with ``variants`` each of its variants."""
    from . import options

    return options(files, variants=variants, overrides=overrides)


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--variants", is_flag=True, help="Compare each file's base with its variants.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "markdown"]),
    default="table",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file instead of stdout.",
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@option_draws("Monte Carlo draws: adds P(best) and EVPI.")
@option_seed("Random seed (the same for every option).")
@option_sampler
@option_set
def compare(
    files: tuple[Path, ...],
    variants: bool,
    fmt: str,
    output: str | None,
    force: bool,
    draws: int | None,
    seed: int | None,
    sampler: str,
    overrides: tuple[str, ...],
) -> None:
    """Compare options side by side: files, or the variants inside one file.

    One column per option (PV costs, PV benefits, NPV, BCR, ROI, payback, IRR, per
    participant), the difference from the first option, the best value in each row marked, and
    NPV by layer and by agency. Options must be like for like (currency, price year, horizon,
    discounting).

    \b
    Example:
      prevcalc compare scenarios/shared_lives.yaml scenarios/local_area_coordination.yaml
      prevcalc compare scenarios/portfolio.yaml --variants --format markdown
    """
    from . import run as run_scenario
    from .comparison import compare as compare_results
    from .report import tables

    fmt = _output_format(fmt, output, ["table", "json", "csv", "markdown"])
    term = _terminal()
    options = _options(files, variants, overrides)
    results = [run_scenario(sc, draws=draws, seed=seed, sampler=sampler) for _, sc in options]
    for (name, _), r in zip(options, results):
        for note in r.notes:
            term.warn(f"{name}: {note}")
    comparison = compare_results(results, names=[n for n, _ in options])
    extra = None
    if draws:
        from .uncertainty import prob_best_and_evpi

        extra = prob_best_and_evpi(results, names=comparison.names)
    parts = [
        tables.comparison_table(comparison),
        tables.comparison_groups_table(comparison, "layer"),
        tables.comparison_groups_table(comparison, "agency"),
    ]
    fair = tables.equity_comparison_table(comparison.names, results)
    if fair is not None:
        parts.append(fair)
    health = tables.health_comparison_table(comparison.names, results)
    if health is not None:
        parts.append(health)
    if fmt == "json":
        data = comparison.to_dict()
        if fair is not None:
            data["distribution"] = json.loads(fair.frame.to_json(orient="records"))
        if health is not None:
            data["health"] = json.loads(health.frame.to_json(orient="records"))
        if extra is not None:
            data["prob_best"] = {
                n: float(p) for n, p in zip(extra[0]["option"], extra[0]["prob_best"])
            }
            data["evpi"] = float(extra[1])
        _write_or_print(json.dumps(data, indent=2, allow_nan=False), output, force)
    elif fmt == "csv":
        from .report.csv import frame_csv

        _write_or_print(frame_csv(parts[0].frame), output, force)
    elif fmt == "markdown":
        from .report.markdown import markdown_table

        text = "\n\n".join(f"### {t.title}\n\n" + markdown_table(t, rounding="unit") for t in parts)
        _write_or_print(text, output, force)
    else:
        from .report.terminal import render_table, render_transposed

        term.print(render_transposed(parts[0]))
        term.print(parts[0].note)
        term.print(render_table(parts[1]))
        term.print(render_table(parts[2]))
        if fair is not None:
            term.print(render_table(fair))
            term.print(fair.note)
        if extra is not None:
            frame, evpi = extra
            t = tables.Table(
                "prob_best",
                f"Probability each option has the highest NPV ({draws:,} draws)",
                frame,
                {"option": "text", "mean_npv": "money", "prob_best": "probability"},
                results[0].currency,
                results[0].price_year,
            )
            term.print(render_table(t))
            evpi_text = tables.fmt(evpi, "money", results[0].currency)
            term.print(f"Expected value of perfect information: {evpi_text}")


@cli.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the brief into.",
)
@click.option("--title", default=None, help="Title of the brief.")
@click.option("--variants", is_flag=True, help="Include each file's variants as options.")
@click.option(
    "--rounding",
    type=click.Choice(["sig3", "thousand"]),
    default="sig3",
    show_default=True,
    help="Money in the brief: three significant figures, or to the nearest thousand.",
)
@option_draws("Add uncertainty tables (Monte Carlo draws).", low=2)
@option_seed("Random seed for --draws.")
@option_sampler
@click.option("--force", is_flag=True, help="Replace an existing brief folder.")
@option_set
def brief(
    files: tuple[Path, ...],
    out: Path,
    title: str | None,
    variants: bool,
    rounding: str,
    draws: int | None,
    seed: int | None,
    sampler: str,
    force: bool,
    overrides: tuple[str, ...],
) -> None:
    """Write a fairness-commission brief: Markdown, HTML, Word, Excel, CSV tables and charts.

    \b
    Example:
      prevcalc brief scenarios/*.yaml --out brief/ --title "Moving money upstream"
    """
    from . import brief as write_brief

    term = _terminal()
    written = write_brief(
        files,
        out,
        title=title,
        variants=variants,
        rounding=rounding,
        draws=draws,
        seed=seed,
        sampler=sampler,
        force=force,
        overrides=overrides,
    )
    term.info(f"wrote {len(written)} files to {out}")


@cli.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--swing",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Also move every plain number (parameters, amounts, shares, durations, intakes) "
    "by ± this share, e.g. 0.2.",
)
@click.option(
    "--switch",
    "inputs",
    multiple=True,
    metavar="INPUT",
    help="Inputs for switching values (default: all).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@option_variant
@option_set
def sensitivity(
    file: Path,
    swing: float | None,
    inputs: tuple[str, ...],
    fmt: str,
    variant: str | None,
    overrides: tuple[str, ...],
) -> None:
    """One-way sensitivity (tornado), discount rates and switching values.

    Every uncertain input is set to its 5th and 95th percentile in turn (others central);
    the tornado is sorted by the swing in NPV. Switching values give, for each input, the value
    at which NPV becomes zero.

    \b
    Example:
      prevcalc sensitivity scenarios/nurse_family_partnership.yaml --swing 0.2
    """
    from . import load, uncertainty
    from .report import tables

    term = _terminal()
    scenario = load(file, variant=variant, overrides=overrides)
    cur, year = scenario.currency, scenario.price_year
    tornado = uncertainty.tornado(scenario, swing=swing)
    parts = [
        tables.tornado_table(tornado, cur, year),
        tables.discount_rates_table(uncertainty.discount_rate_table(scenario), cur, year),
        tables.switching_table(
            uncertainty.switching_values(scenario, list(inputs) or None), cur, year
        ),
    ]
    if fmt == "json":
        data = {t.name: json.loads(t.frame.to_json(orient="records")) for t in parts}
        data["npv_central"] = tornado.attrs.get("npv_central")
        _write_or_print(json.dumps(data, indent=2), None)
        return
    from .report.terminal import render_table

    parts[0] = parts[0].select(["input", "low_value", "high_value", "npv_low", "npv_high", "swing"])
    if parts[0].frame.empty:
        term.warn(
            "this scenario has no uncertain inputs, so the tornado is empty: give numbers as "
            "distributions ({dist: ...}), or use --swing 0.2 to move every plain number by ±20%."
        )
    for t in parts:
        if t.frame.empty and t.name == "tornado":
            continue
        term.print(render_table(t))
        if t.note:
            term.print(t.note)


@cli.command(context_settings=CONTEXT)
def scenarios() -> None:
    """List the bundled scenarios, a line each.

    \b
    Example:
      prevcalc scenarios
      prevcalc init --from shared_lives my_area.yaml
    """
    from rich.table import Table as RichTable

    from . import load
    from .bundled import bundled

    t = RichTable(box=None, show_header=True, header_style="bold")
    for col in ("Name", "Layers", "Variants", "What it models"):
        t.add_column(col, overflow="fold")
    for b in bundled():
        sc = load(b.path)
        layers = ", ".join(dict.fromkeys(iv.layer for iv in sc.interventions))
        t.add_row(b.key, layers, str(len(sc.variants)), sc.name)
    _terminal().print(t)


@cli.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "source",
    default="nurse_family_partnership",
    show_default=True,
    metavar="NAME",
    help="The bundled scenario to start from (see prevcalc scenarios).",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, source: str, force: bool) -> None:
    """Start a new scenario file from a bundled one.

    \b
    Example:
      prevcalc init --from shared_lives my_area.yaml
      prevcalc run my_area.yaml
    """
    from .bundled import find
    from .report._atomic import write_bytes

    item = find(source)
    write_bytes(path, item.path.read_bytes(), force=force)
    _terminal().info(
        f"wrote {path} from the bundled {item.key!r} scenario; edit it, then: prevcalc run {path}"
    )


@cli.command(context_settings=CONTEXT)
@click.argument("template", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--areas",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV, one row per area with a code column; columns named like a parameter "
    "or a dotted path set it.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for areas.csv/.json/.xlsx, by_decile.csv, the chart and one file per area.",
)
@option_draws("Monte Carlo draws per area.")
@option_seed("Random seed; each area's stream comes from it and the area's code.")
@click.option(
    "--variants", is_flag=True, help="Also run each of the template's variants for every area."
)
@click.option(
    "--id",
    "identifiers",
    multiple=True,
    metavar="COLUMN",
    help="A column that describes areas and is never bound (code and name always; repeatable).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 4096),
    default=None,
    help="Processes on this machine (default: serial; with --scheduler local, Dask workers).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="local|tcp://HOST:PORT",
    help='Run on Dask: "local" starts a cluster here, or a scheduler\'s address '
    '(pip install "prevcalc[dask]").',
)
@click.option(
    "--resume", is_flag=True, help="Keep the areas already finished in --out; run the rest."
)
@option_ci
def sweep(
    template: Path,
    areas: Path,
    out: Path,
    draws: int | None,
    seed: int | None,
    variants: bool,
    identifiers: tuple[str, ...],
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    ci: str,
) -> None:
    """Run TEMPLATE for every area of --areas; rank the areas.

    \b
    Example:
      prevcalc sweep prevcalc/templates/nfp_area.yaml \\
          --areas prevcalc/data/areas_england_utla.csv --out sweep/
    """
    import io
    from concurrent.futures import Executor, ProcessPoolExecutor

    import pandas as pd

    from . import sweep as sweeping
    from .report._atomic import write_bytes, write_text
    from .report.csv import frame_csv, safe_frame

    term = _terminal()
    executor: Executor | None = None
    client = None
    if (out / "sweep.json").exists() and not resume:
        raise ModelError(
            f"{out}: holds a sweep already; add --resume to continue it, or choose another folder"
        )
    if scheduler:
        executor, client = sweeping.dask_executor(scheduler, workers)
    elif workers and workers > 1:
        executor = ProcessPoolExecutor(max_workers=workers)
    try:
        with _sweep_progress(term) as progress:
            res = sweeping.sweep(
                template,
                areas,
                draws=draws,
                seed=seed,
                variants=variants,
                executor=executor,
                out=out,
                resume=resume,
                identifiers=identifiers,
                ci=int(ci) / 100,
                progress=progress,
            )
    finally:
        if executor is not None and client is None:
            executor.shutdown()
        if client is not None:
            client.close()
    table = res.table
    write_text(out / "areas.csv", frame_csv(table), force=True)
    write_text(
        out / "areas.json", json.dumps(res.to_dict(), indent=1, allow_nan=False) + "\n", force=True
    )
    if res.by_decile is not None:
        write_text(out / "by_decile.csv", frame_csv(res.by_decile.reset_index()), force=True)
    if not table.empty:
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            safe_frame(table).to_excel(xl, sheet_name="areas", index=False)
            if res.by_decile is not None:
                safe_frame(res.by_decile.reset_index()).to_excel(
                    xl, sheet_name="by decile", index=False
                )
        write_bytes(out / "areas.xlsx", buf.getvalue(), force=True)
        res.chart(out / "ranked.png")
    term.info(
        f"{len(table)} area run(s) ranked by {res.ranked_by.replace('_', ' ')} "
        f"({res.reused} reused, {res.ran} run) -> {out}"
    )
    if res.problems:
        for p in res.problems:
            term.error(p.render(str(areas)))
        failed = sorted({p.code for p in res.failed})
        if failed:
            term.error(f"{len(failed)} area(s) failed: {', '.join(failed)}")
        raise _Quiet(1)


def _sweep_progress(term):
    """Areas done and time left, on an interactive terminal."""
    import contextlib

    if not term.err.is_terminal:
        return contextlib.nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    @contextlib.contextmanager
    def bar():
        with Progress(
            "areas",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=term.err,
            transient=True,
        ) as p:
            task = p.add_task("areas", total=None)
            yield lambda done, total: p.update(task, completed=done, total=total)

    return bar()


def entry() -> NoReturn:
    """The ``prevcalc`` command: :func:`main`, then exit without tearing the interpreter down.

    Unloading the libraries a run imports (numpy, pandas, pydantic, rich, ...) takes longer
    than many a run itself (about a fifth of a small ``prevcalc run``'s time), and nothing is
    left for it to do: every file is written and closed by then. So the outputs are flushed,
    the exit handlers run (temporary folders, logging), and the process ends at once with
    :func:`os._exit`.
    ``PREVCALC_DEBUG`` keeps the usual exit, for tools that report at interpreter shutdown.
    """
    code = main()
    if os.environ.get("PREVCALC_DEBUG"):
        raise SystemExit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; translate every error into a message and an exit status."""
    debug = bool(os.environ.get("PREVCALC_DEBUG")) or "--debug" in (
        argv if argv is not None else sys.argv[1:]
    )
    try:
        cli.main(args=argv, prog_name="prevcalc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code  # 2 for usage errors
    except _Quiet as exc:
        return exc.exit_code
    except ScenarioError as exc:
        _terminal().err.print(exc.render(), soft_wrap=True)
        return exc.exit_code
    except PrevcalcError as exc:
        _terminal().error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so, without a traceback unless asked
        if debug:
            raise
        click.echo(
            f"internal error in prevcalc {__version__}: {type(exc).__name__}: {exc}\n"
            "This is a bug; please report it with the command and scenario. "
            "Run with --debug (or PREVCALC_DEBUG=1) for the traceback.",
            err=True,
        )
        return 3
    return 0
