"""Build prevcalc/data/areas_england_utla.csv from two official workbooks.

Usage::

    python docs/data/build_areas.py IMD_WORKBOOK MYE_WORKBOOK > prevcalc/data/areas_england_utla.csv

Inputs (download them from the publishers; the SHA-256 of the copies this table was built from
is checked, so a different edition is refused rather than silently mixed in):

1. Ministry of Housing, Communities and Local Government (MHCLG), "English indices of
   deprivation 2019", File 11: "IoD2019 Local Authority District Summaries (upper-tier)",
   File_11_-_IoD2019_Local_Authority_District_Summaries__upper-tier__.xlsx, published
   26 September 2019, https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019
   (sheet "IMD"; 151 upper-tier local authorities on 2019 boundaries).
2. Office for National Statistics (ONS), "Estimates of the population for the UK, England and
   Wales, Scotland and Northern Ireland: mid-2020", edition on 2021 local authority
   geography, ukpopestimatesmid2020on2021geography.xls (release MYE15, published 25 June 2021,
   republished with uncertainty measures February 2022; sheets "MYE2 - Persons",
   "MYE2 - Females" and "MYE3"),
   https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/populationestimatesforukenglandandwalesscotlandandnorthernireland

Both are Crown copyright, released under the Open Government Licence v3.0.

Steps:

1. ONS sheet "MYE2 - Persons" (header on row 8): keep the rows whose code starts E06 (unitary
   authority), E08 (metropolitan district), E09 (London borough) or E10 (county): the 152
   upper-tier local authorities of England on 2021 boundaries. The sheet lists each region
   (E12 row) before its areas, so each area's region is the last E12 row above it.
2. Broad age bands summed from the single years of age: 0-15 (ages 0..15), 16-64, 65+ (65..89
   and the "90+" column); all ages as published (checked equal to the sum of the bands).
3. Women aged 15-44: sum of ages 15..44 of sheet "MYE2 - Females".
4. Births: column "Births" of sheet "MYE3" (components of change, mid-2019 to mid-2020, i.e.
   the twelve months to 30 June 2020).
5. IMD (sheet "IMD" of File 11): "IMD - Average score" (population-weighted average of the
   area's LSOA scores; higher = more deprived) and "IMD - Rank of average score" (1 = most
   deprived of the 151). The published sheet gives Slough's code as "E0600003" (the other
   sheets of the same workbook give E06000039): corrected here by name.
6. Matching 2019 (IMD) and 2021 (ONS) boundaries, by code:
   - Buckinghamshire: the county (E10000002) became a unitary authority (E06000060) on
     1 April 2020 with the same boundary; IMD figures of E10000002 are given to E06000060.
   - Northamptonshire (E10000021) was split on 1 April 2021 into North Northamptonshire
     (E06000061) and West Northamptonshire (E06000062). File 11 has no figures for them, and
     none are made up here: their IMD columns are left empty.
   - Every other code is the same in both files (checked: the script fails otherwise).
7. IMD decile (derived, not published): from the rank of average score among the 151 areas of
   File 11, decile = ceil(rank x 10 / 151); 1 = most deprived tenth. Empty where the IMD is.
8. The last comment line, ``# identifiers: ...``, tells prevcalc's sweep which columns describe
   an area and are never bound to a template (code and name always are).
"""

from __future__ import annotations

import hashlib
import math
import sys

import warnings

import pandas as pd

warnings.filterwarnings("ignore", message=".*xlrd engine is deprecated.*")  # .xls needs xlrd

IMD_SHA256 = "00795561d214c740c64f5d0ed1e8581f1bcc047c497584c0eb6310a03973ff76"
MYE_SHA256 = "2827a9fe5a90040896f9a3cc814aa4b25f9444a1205912c645d78dc32beba61b"
UPPER_TIER = ("E06", "E08", "E09", "E10")
RENAMED = {"E10000002": "E06000060"}  # Buckinghamshire: same boundary, new code (2020)
NO_IMD = {"E06000061", "E06000062"}   # North and West Northamptonshire (2021)

HEADER = """\
# English upper-tier local authorities (unitary authorities E06, metropolitan districts E08,
# London boroughs E09, counties E10), 2021 boundaries: 152 areas.
# Population: Office for National Statistics, "Estimates of the population for the UK, England and Wales,
# Scotland and Northern Ireland: mid-2020" (2021 local authority geography edition; release MYE15, published
# 25 June 2021; sheets MYE2 - Persons, MYE2 - Females, MYE3). pop_* = usual residents at 30 June 2020 by age;
# women_15_44 = females aged 15-44; births = live births, 1 July 2019 to 30 June 2020 (MYE3 components).
# Deprivation: Ministry of Housing, Communities and Local Government, "English indices of deprivation 2019",
# File 11 (local authority district summaries, upper-tier), published 26 September 2019, 2019 boundaries.
# imd_score = IMD average score (higher = more deprived); imd_rank = rank of average score, 1 = most deprived
# of 151; imd_decile = ceil(imd_rank x 10 / 151), DERIVED here (not published), 1 = most deprived tenth.
# Boundaries: IMD figures of Buckinghamshire county (E10000002) are given to the unitary authority E06000060
# (same boundary, created April 2020). MISSING: IMD for North Northamptonshire (E06000061) and West
# Northamptonshire (E06000062), created April 2021; the indices of 2019 publish no figures for them.
# Correction: File 11's IMD sheet codes Slough "E0600003"; the workbook's other sheets say E06000039.
# Licence: Open Government Licence v3.0 (Crown copyright). Derivation, step by step: docs/data/build_areas.py.
# identifiers: type, region, imd_score, imd_rank, imd_decile
"""


def _sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def build(imd_path: str, mye_path: str) -> pd.DataFrame:
    for path, want in ((imd_path, IMD_SHA256), (mye_path, MYE_SHA256)):
        got = _sha256(path)
        if got != want:
            raise SystemExit(f"{path}: SHA-256 {got} is not the edition this table was built from")

    persons = pd.read_excel(mye_path, "MYE2 - Persons", header=7, dtype={"Code": str})
    females = pd.read_excel(mye_path, "MYE2 - Females", header=7, dtype={"Code": str})
    components = pd.read_excel(mye_path, "MYE3", header=7, dtype={"Code": str})
    for frame in (persons, females, components):
        frame.columns = [str(c).strip() for c in frame.columns]
        frame["Code"] = frame["Code"].str.strip()

    # Step 1: upper-tier rows, with the region above each.
    region, regions = None, {}
    for code, name in zip(persons["Code"], persons["Name"]):
        if code.startswith("E12"):
            region = str(name).strip().title().replace("And The", "and the")
            region = "East of England" if region == "East" else region  # the ONS region's name
        elif code.startswith(UPPER_TIER):
            regions[code] = region
    utla = persons[persons["Code"].str.startswith(UPPER_TIER)].copy()

    # Step 2-4: bands, women 15-44, births.
    ages = [str(a) for a in range(90)] + ["90+"]
    single = utla[ages].astype("int64")
    out = pd.DataFrame({
        "code": utla["Code"],
        "name": utla["Name"].str.strip(),
        "type": utla["Geography"].str.strip().str.lower().str.replace(" ", "_"),
        "region": utla["Code"].map(regions),
        "pop_all": utla["All ages"].astype("int64"),
        "pop_0_15": single[[str(a) for a in range(16)]].sum(axis=1),
        "pop_16_64": single[[str(a) for a in range(16, 65)]].sum(axis=1),
        "pop_65_plus": single[[str(a) for a in range(65, 90)] + ["90+"]].sum(axis=1),
    })
    if not (out["pop_0_15"] + out["pop_16_64"] + out["pop_65_plus"] == out["pop_all"]).all():
        raise SystemExit("age bands do not add up to all ages")
    fem = females.set_index("Code")
    out["women_15_44"] = out["code"].map(fem[[str(a) for a in range(15, 45)]].astype("int64").sum(axis=1))
    out["births"] = out["code"].map(components.set_index("Code")["Births"].astype("int64"))

    # Step 5: IMD, Slough's code corrected.
    imd = pd.read_excel(imd_path, "IMD")
    imd.columns = [str(c).strip() for c in imd.columns]
    code_col = "Upper Tier Local Authority District code (2019)"
    name_col = "Upper Tier Local Authority District name (2019)"
    slough = imd[name_col].str.strip() == "Slough"
    if imd.loc[slough, code_col].tolist() == ["E0600003"]:
        imd.loc[slough, code_col] = "E06000039"
    bad = imd[code_col][imd[code_col].str.len() != 9].tolist()
    if bad or len(imd) != 151:
        raise SystemExit(f"unexpected IMD codes: {bad} ({len(imd)} rows)")
    imd[code_col] = imd[code_col].replace(RENAMED)

    # Step 6: every code matched except the two documented.
    only_mye = set(out["code"]) - set(imd[code_col])
    only_imd = set(imd[code_col]) - set(out["code"])
    if only_mye != NO_IMD or only_imd != {"E10000021"}:
        raise SystemExit(f"unexpected boundary differences: {only_mye} / {only_imd}")
    by_code = imd.set_index(code_col)
    out["imd_score"] = out["code"].map(by_code["IMD - Average score"])
    rank = out["code"].map(by_code["IMD - Rank of average score"])
    out["imd_rank"] = rank.astype("Int64")

    # Step 7: decile from the rank among the 151.
    out["imd_decile"] = rank.map(lambda r: pd.NA if pd.isna(r) else math.ceil(r * 10 / 151)).astype("Int64")
    return out.sort_values("code").reset_index(drop=True)


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        raise SystemExit(__doc__.split("Inputs")[0])
    table = build(argv[1], argv[2])
    sys.stdout.write(HEADER)
    sys.stdout.write(table.to_csv(index=False, lineterminator="\n", float_format="%.3f"))


if __name__ == "__main__":
    main(sys.argv)
