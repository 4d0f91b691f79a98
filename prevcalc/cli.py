"""The command line: click commands and ``main()``, the one place errors become exit codes.

Exit status: 0 success; 1 invalid scenario, model or output error; 2 command-line usage error;
3 internal error (a bug: please report it); 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import PrevcalcError, ScenarioError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
FORMATS = ["table", "json", "csv"]


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
    "--set", "overrides", multiple=True, metavar="PATH=VALUE",
    help="Override a value, e.g. --set interventions.nfp.intake.participants=200 (repeatable).",
)
option_variant = click.option("--variant", default=None, metavar="NAME", help="Apply one of the file's variants.")


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


@cli.command(context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to this file instead of stdout.")
@click.option("--years", "all_years", is_flag=True, help="Show every year's cash flows (default: a compact view).")
@click.option("--draws", type=click.IntRange(1, 100_000_000), default=None, help="Monte Carlo draws (probabilistic run).")
@click.option("--seed", type=int, default=None, help="Random seed: seeded runs are reproducible bit for bit.")
@click.option("--sampler", type=click.Choice(["random", "lhs"]), default="random", show_default=True, help="Sampling scheme for --draws.")
@click.option("--ci", type=click.Choice(["90", "95"]), default="90", show_default=True, help="Interval (per cent) for --draws.")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@option_variant
@option_set
def run(file: Path, fmt: str, output: str | None, all_years: bool, draws: int | None, seed: int | None,
        sampler: str, ci: str, force: bool, variant: str | None, overrides: tuple[str, ...]) -> None:
    """Run a scenario and report its costs, benefits and returns.

    \b
    Example:
      prevcalc run scenarios/nurse_family_partnership.yaml
      prevcalc run scenarios/shared_lives.yaml --format json
      prevcalc run scenarios/shared_lives.yaml --draws 10000 --seed 1
    """
    from . import load
    from . import run as run_scenario

    term = _terminal()
    scenario = load(file, variant=variant, overrides=overrides)
    progress = _progress(term, draws)
    with progress as update:
        result = run_scenario(scenario, draws=draws, seed=seed, sampler=sampler, progress=update)
    level = 0.90 if ci == "90" else 0.95
    _show_notes(result, term)
    if fmt == "json":
        _write_or_print(json.dumps(result.to_dict(ci=level), indent=2, allow_nan=False), output, force)
    elif fmt == "csv":
        _write_or_print(result.cashflows().to_csv(index=False, float_format="%.17g", lineterminator="\n"), output, force)
    else:
        from .report.terminal import render_run

        if output:
            from rich.console import Console
            import io

            buf = io.StringIO()
            Console(file=buf, width=120, markup=False, emoji=False, highlight=False, no_color=True).print(
                render_run(result, all_years=all_years, ci=level))
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
    """Check scenario files (and each of their variants) without running them.

    \b
    Example:
      prevcalc validate scenarios/*.yaml
    """
    from . import load
    from .errors import ScenarioError

    term = _terminal()
    failed = []
    for f in files:
        try:
            sc = load(f)
            for v in sc.variants:
                load(f, variant=v.name)
        except ScenarioError as exc:
            term.err.print(exc.render(), soft_wrap=True)
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
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def schema(output: str | None, force: bool) -> None:
    """Print the scenario format as JSON Schema, for editors to validate and complete files.

    \b
    Example:
      prevcalc schema > prevcalc.schema.json
    """
    from .scenario import json_schema

    _write_or_print(json.dumps(json_schema(), indent=2, ensure_ascii=False), output, force)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; translate every error into a message and an exit status."""
    debug = bool(os.environ.get("PREVCALC_DEBUG")) or "--debug" in (argv if argv is not None else sys.argv[1:])
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

