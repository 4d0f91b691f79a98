"""Price-year uprating and currency conversion.

Evidence comes in many currencies and price years; a brief is written in one. A figure in
currency ``c`` at prices of year ``y`` is brought to the scenario's currency and price year ``Y``
in two steps, both stated in the scenario so that every number stays traceable:

1. currency: × the scenario's ``exchange_rates`` entry for ``c`` (units of the scenario's
   currency per unit of ``c``; a market rate or a PPP factor, as the scenario's source says);
2. prices: × deflator(Y) / deflator(y), with the scenario's deflator series (the UK GDP deflator
   by default, shipped with its publisher and release date in ``prevcalc/data``).

Converting first and uprating second uses the deflator of the scenario's own economy, which is
what a UK brief in today's pounds needs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Deflator:
    """A price index by year, with where it comes from."""

    name: str
    index: dict[int, float]
    source: str

    def factor(self, from_year: int, to_year: int) -> float:
        """Multiplier taking prices of ``from_year`` to prices of ``to_year``."""
        if from_year == to_year:
            return 1.0
        missing = [y for y in (from_year, to_year) if y not in self.index]
        if missing:
            lo, hi = min(self.index), max(self.index)
            raise ValueError(
                f"the {self.name} series has no value for {', '.join(map(str, missing))} "
                f"(it covers {lo}–{hi})"
            )
        return self.index[to_year] / self.index[from_year]


def available() -> list[str]:
    """Names of the deflator series shipped with prevcalc."""
    folder = resources.files("prevcalc").joinpath("data")
    return sorted(
        p.name[: -len(".csv")]
        for p in folder.iterdir()
        if p.name.endswith(".csv") and "deflator" in p.name
    )


@cache
def deflator(name: str) -> Deflator:
    """Load a shipped deflator series, ``prevcalc/data/<name>.csv`` (``year,index`` rows)."""
    if name not in available():
        raise ValueError(f"no deflator series named {name!r} is shipped with prevcalc")
    try:
        text = resources.files("prevcalc").joinpath("data", f"{name}.csv").read_text("utf-8")
    except (FileNotFoundError, OSError):
        raise ValueError(f"no deflator series named {name!r} is shipped with prevcalc") from None
    comments = [ln.lstrip("# ").rstrip() for ln in text.splitlines() if ln.startswith("#")]
    rows = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    index: dict[int, float] = {}
    for row in csv.DictReader(rows):
        year = str(row.get("year", "")).strip()
        index[int(year[:4])] = float(row["index"])
    return Deflator(name, index, " ".join(comments))


def conversion_factor(
    currency: str,
    price_year: int,
    to_currency: str,
    to_price_year: int,
    rates: dict[str, float],
    deflator_name: str,
) -> float:
    """Multiplier taking an amount in (currency, price_year) to (to_currency, to_price_year).

    Raises ValueError with a plain message when a rate or a deflator year is missing.

    Examples
    --------
    >>> conversion_factor("GBP", 2024, "GBP", 2024, {}, "uk_gdp_deflator")
    1.0
    >>> conversion_factor("USD", 2024, "GBP", 2024, {"USD": 0.8}, "uk_gdp_deflator")
    0.8
    """
    factor = 1.0
    if currency != to_currency:
        if currency not in rates:
            raise ValueError(
                f"figures are in {currency} but the scenario is in {to_currency}: add "
                f"exchange_rates: [{{currency: {currency}, rate: ..., source: ...}}]"
            )
        factor *= rates[currency]
    if price_year != to_price_year:
        factor *= deflator(deflator_name).factor(price_year, to_price_year)
    return factor
