"""Sweeps over areas: the same as each area run alone, whatever runs them, and failing alone."""

from __future__ import annotations

import filecmp
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import prevcalc
from prevcalc.sweep import area_seed, bind, read_areas, sweep
from prevcalc.vocabulary import SUMMARY_KEYS

TEMPLATE = Path(str(resources.files("prevcalc"))) / "templates" / "nfp_area.yaml"
AREAS = Path(str(resources.files("prevcalc"))) / "data" / "areas_england_utla.csv"

SMALL = """\
# a small table: four areas, one parameter column and one dotted path
# identifiers: region
code,name,region,births,interventions.nfp.intake.years
E06000001,Hartlepool,North East,974,5
E06000002,Middlesbrough,North East,1783,4
E09000002,Barking and Dagenham,London,3532,5
E10000003,Cambridgeshire,East of England,7007,3
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(SMALL)
    return path


def alone(code, births, years, draws=None, seed=None):
    """One area run by itself with --set style overrides, as a user would."""
    scenario = prevcalc.load(
        TEMPLATE,
        overrides=[f"parameters.births={births}", f"interventions.nfp.intake.years={years}"],
    )
    return prevcalc.run(scenario, draws=draws, seed=None if seed is None else area_seed(seed, code))


def same(a, b):
    return (a is None and b is None) or (
        a is not None and b is not None and (a == b or (np.isnan(a) and np.isnan(b)))
    )


@pytest.mark.parametrize("draws", [None, 64])
def test_sweep_equals_each_area_alone(small, draws):
    res = sweep(TEMPLATE, small, draws=draws, seed=11 if draws else None)
    assert res.problems == []
    assert len(res.table) == 4
    raw = pd.read_csv(small, comment="#")
    for _, area in raw.iterrows():
        row = res.table.set_index("code").loc[area["code"]]
        expected = alone(
            area["code"],
            area["births"],
            area["interventions.nfp.intake.years"],
            draws,
            11 if draws else None,
        ).summary()
        for k in SUMMARY_KEYS:
            got = row[k]
            assert same(
                None if pd.isna(got) else float(got),
                None if pd.isna(expected[k]) else float(expected[k]),
            ), (area["code"], k)
        if draws:
            assert row["prob_npv_positive"] == expected["prob_npv_positive"]
    # ranked: rank 1 first, by NPV (no population column in this table)
    assert res.ranked_by == "npv"
    assert list(res.table["rank"]) == sorted(res.table["rank"])
    assert res.table["npv"].is_monotonic_decreasing
    assert list(res.table["region"].unique()) != []  # identifiers are carried, not bound


def test_binding_by_name_and_path():
    b = bind(
        ["code", "name", "births", "interventions.nfp.intake.years", "colour", "region"],
        ["births", "wsipp_cost"],
        identifiers=("code", "name", "region"),
    )
    assert b.bound == {
        "births": "parameters.births",
        "interventions.nfp.intake.years": "interventions.nfp.intake.years",
    }
    assert b.unknown == ("colour",)


def test_same_results_serial_process_pool_order_and_workers(small, tmp_path):
    serial = tmp_path / "serial"
    sweep(TEMPLATE, small, draws=64, seed=5, out=serial)
    # another order of rows, two processes
    lines = small.read_text().splitlines(keepends=True)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("".join(lines[:3] + lines[3:][::-1]))
    pooled = tmp_path / "pooled"
    with ProcessPoolExecutor(max_workers=2) as pool:
        res = sweep(TEMPLATE, shuffled, draws=64, seed=5, executor=pool, out=pooled)
    assert res.problems == []
    _same_area_files(serial, pooled, rows_moved=True)


def test_areas_side_by_side_run_on_one_thread_each(small, calls):
    """With an executor, areas already run side by side: each run must not also start a
    thread per CPU (processes x threads would oversubscribe the CPUs). One at a time, in this
    process, a run uses the CPUs itself."""
    from concurrent.futures import ThreadPoolExecutor

    from prevcalc import engine

    seen = calls(engine, "run")
    sweep(TEMPLATE, small, draws=64, seed=5)
    assert [kwargs.get("threads") for _, kwargs in seen] == [None] * 4
    seen.clear()
    with ThreadPoolExecutor(2) as pool:
        sweep(TEMPLATE, small, draws=64, seed=5, executor=pool)
    assert [kwargs.get("threads") for _, kwargs in seen] == [1] * 4


def test_same_results_on_a_dask_local_cluster(small, tmp_path):
    distributed = pytest.importorskip("distributed")
    serial = tmp_path / "serial"
    sweep(TEMPLATE, small, draws=64, seed=5, out=serial)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        with distributed.Client(cluster) as client:
            res = sweep(
                TEMPLATE,
                small,
                draws=64,
                seed=5,
                executor=client.get_executor(),
                out=tmp_path / "dask",
            )
    finally:
        cluster.close()
    assert res.problems == []
    _same_area_files(serial, tmp_path / "dask")


def _same_area_files(a: Path, b: Path, rows_moved: bool = False) -> None:
    import json

    files_a = sorted(p.name for p in (a / "areas").iterdir())
    files_b = sorted(p.name for p in (b / "areas").iterdir())
    assert files_a == files_b and len(files_a) == 4
    for name in files_a:
        da = json.loads((a / "areas" / name).read_text())
        db = json.loads((b / "areas" / name).read_text())
        if rows_moved:
            da.pop("row"), db.pop("row")
        assert da == db, name  # figures equal bit for bit (JSON keeps every digit of a float)


def test_a_bad_row_fails_only_that_row(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(
        "code,name,births,interventions.nfp.intake.years,colour\n"  # line 1
        "E06000001,Hartlepool,974,5,red\n"  # line 2
        "E06000002,Middlesbrough,,5,blue\n"  # line 3: missing births
        "E06000003,Redcar and Cleveland,1295,many,green\n"  # line 4: not a number
        "E06000004,Stockton-on-Tees,2021,5,red\n"  # line 5
        ",Nowhere,10,5,red\n"  # line 6: no code
        "E06000001,Hartlepool again,974,5,red\n"  # line 7: code repeated
    )
    res = sweep(TEMPLATE, path)
    assert sorted(res.table["code"]) == ["E06000001", "E06000004"]
    found = {(p.row, p.column, p.code) for p in res.problems}
    assert (1, "colour", "") in found  # an unknown column, on the header row
    assert (3, "births", "E06000002") in found
    assert (4, "interventions.nfp.intake.years", "E06000003") in found
    assert (6, "code", "") in found
    assert (7, "code", "E06000001") in found
    assert len(res.problems) == 5
    bad = next(p for p in res.problems if p.row == 4)
    assert "intake.years" in bad.render() and "row 4" in bad.render()


def test_a_dataframe_row_is_numbered_as_its_csv_line():
    frame = pd.DataFrame({"code": ["A1", "B2"], "births": [100, np.nan]})
    res = sweep(TEMPLATE, frame)
    assert list(res.table["code"]) == ["A1"]
    assert [(p.row, p.column) for p in res.problems] == [(3, "births")]


def test_resume_after_an_interrupted_sweep_gives_the_same_files(small, tmp_path):
    whole = tmp_path / "whole"
    sweep(TEMPLATE, small, draws=64, seed=3, out=whole)

    class Killed(Exception):
        pass

    def kill_after_two(done, total):
        if done == 2:
            raise Killed

    part = tmp_path / "part"
    with pytest.raises(Killed):
        sweep(TEMPLATE, small, draws=64, seed=3, out=part, progress=kill_after_two)
    assert len(list((part / "areas").glob("*.json"))) == 2
    # the seed was recorded: a resume without one picks it up
    res = sweep(TEMPLATE, small, draws=64, out=part, resume=True)
    assert (res.reused, res.ran, res.seed) == (2, 2, 3)
    match, mismatch, errors = filecmp.cmpfiles(
        whole / "areas",
        part / "areas",
        sorted(p.name for p in (whole / "areas").iterdir()),
        shallow=False,
    )
    assert len(match) == 4 and not mismatch and not errors
    assert not list((part / "areas").glob(".*.tmp"))


def test_shipped_areas_and_template():
    table = read_areas(AREAS)
    assert len(table.rows) == 152
    assert {"type", "region", "imd_score", "imd_rank", "imd_decile"} <= set(table.identifiers)
    codes = [v["code"] for _, v in table.rows]
    assert all(c[:3] in ("E06", "E08", "E09", "E10") for c in codes)
    frame = pd.read_csv(AREAS, comment="#")
    assert frame["pop_all"].sum() == 56_550_138  # England, ONS mid-2020
    assert (frame[["pop_0_15", "pop_16_64", "pop_65_plus"]].sum(axis=1) == frame["pop_all"]).all()
    assert frame["imd_score"].isna().sum() == 2  # North and West Northamptonshire
    # every column of the shipped table binds to the template or is an identifier
    template = prevcalc.load(TEMPLATE)
    b = bind(table.columns, template.parameters, ("code", "name", *table.identifiers))
    assert b.unknown == () and set(b.bound) == {
        "pop_all",
        "pop_0_15",
        "pop_16_64",
        "pop_65_plus",
        "women_15_44",
        "births",
    }


def test_shipped_sweep_ranks_by_npv_per_head_with_a_decile_summary(tmp_path):
    head = "".join(AREAS.read_text().splitlines(keepends=True)[:40])  # comments + ~24 areas
    path = tmp_path / "areas.csv"
    path.write_text(head)
    res = sweep(TEMPLATE, path)
    assert res.problems == []
    assert res.ranked_by == "npv_per_head"
    assert res.table["npv_per_head"].is_monotonic_decreasing
    assert (
        res.by_decile is not None
        and res.by_decile["areas"].sum() == res.table["imd_decile"].notna().sum()
    )
    chart = res.chart(tmp_path / "ranked.png")
    assert chart.stat().st_size > 1000
    assert res.to_dict()["table"][0]["rank"] == 1


def test_the_sweep_command_writes_the_ranked_table_and_exits_1_for_a_bad_row(cli, tmp_path):
    from conftest import ROOT

    areas = tmp_path / "areas.csv"
    areas.write_text("code,name,births\nE1,Alpha,1000\nE2,Beta,\nE3,Gamma,3000\n", encoding="utf-8")
    out = tmp_path / "sweep"
    code, _, err = cli(
        "sweep", ROOT / "prevcalc" / "templates" / "nfp_area.yaml", "--areas", areas, "--out", out
    )
    assert code == 1 and "E2" in err and "births" in err
    table = (out / "areas.csv").read_text(encoding="utf-8").splitlines()
    assert len(table) == 3 and table[0].startswith("rank,code,name")
    assert (out / "areas.xlsx").is_file() and (out / "ranked.png").is_file()
    code, _, err = cli(
        "sweep", ROOT / "prevcalc" / "templates" / "nfp_area.yaml", "--areas", areas, "--out", out
    )
    assert code == 1 and "--resume" in err
