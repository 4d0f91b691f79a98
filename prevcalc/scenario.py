"""The scenario format as pydantic models: the single source of truth for the YAML.

Field names are exactly the YAML keys (no aliases), so an error path spells what the user
typed. Every number that may be uncertain is a :data:`Value`: a plain number, an arithmetic
expression over named ``parameters`` (parsed, never evaluated as code), or a distribution tagged
by ``dist``. ``prevcalc schema`` prints these models as JSON Schema.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from . import distributions, expressions

FORMAT_VERSION = 1

Layer = Literal["upstream", "midstream", "downstream"]
ValueType = Literal["fiscal", "fiscal_noncashable", "economic", "social"]
Per = Literal["year", "month", "week"]
PER_YEAR = {"year": 1.0, "month": 12.0, "week": 52.0}
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=64)]
Agency = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9_]+$",
        max_length=64,
        description=(
            "Who pays or gains, as a lower-case identifier "
            "(nhs, adult_social_care, police, dwp...)."
        ),
    ),
]
Currency = Annotated[
    str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code, e.g. GBP, USD.")
]
PriceYear = Annotated[
    int, Field(ge=1900, le=2200, description="The year whose prices the figures are in.")
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, strict=False, defer_build=True
    )


# ---------------------------------------------------------------------------------------------
# Distributions: tagged by `dist`, so a typo yields one error listing the valid choices.


class _Dist(_Model):
    if TYPE_CHECKING:
        dist: str  # each kind declares its own Literal tag

    value: float | None = Field(
        None, description="Value used by a deterministic run (default: the distribution's mean)."
    )

    @model_validator(mode="after")
    def _check_parameters(self) -> _Dist:
        params = {k: getattr(self, k) for k in distributions.KINDS[self.dist]}
        problems = distributions.check(self.dist, params)
        if problems:
            raise ValueError("; ".join(f"{name} {msg}" if name else msg for name, msg in problems))
        return self

    @property
    def params(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in distributions.KINDS[self.dist]}

    @property
    def central(self) -> float:
        """The value a deterministic run uses: ``value`` if given, else the mean."""
        return self.value if self.value is not None else distributions.mean(self.dist, self.params)

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can take (may be infinite)."""
        return distributions.support(self.dist, self.params)


class Normal(_Dist):
    dist: Literal["normal"]
    mean: float
    sd: float


class Lognormal(_Dist):
    dist: Literal["lognormal"]
    mean: float = Field(description="Mean of the value (not of its log).")
    sd: float = Field(description="Standard deviation of the value (not of its log).")


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float
    high: float


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float


class Pert(_Dist):
    dist: Literal["pert"]
    low: float
    mode: float
    high: float


class Beta(_Dist):
    dist: Literal["beta"]
    mean: float
    sd: float


class Gamma(_Dist):
    dist: Literal["gamma"]
    mean: float
    sd: float


class Fixed(_Dist):
    dist: Literal["fixed"]


Distribution = Annotated[
    Normal | Lognormal | Uniform | Triangular | Pert | Beta | Gamma | Fixed,
    Field(discriminator="dist"),
]


def _parse_expression(text: str) -> expressions.Expression:
    try:
        return expressions.parse(text)
    except expressions.ExpressionError as exc:
        shown = text if len(text) <= 80 else text[:60] + "…"
        raise ValueError(f"invalid expression {shown!r}: {exc.message}") from None


def _no_bool(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("expected a number, not true/false")
    return v


Expr = Annotated[
    str,
    AfterValidator(_parse_expression),
    PlainSerializer(lambda e: e.text, return_type=str),
    Field(description='An arithmetic expression over named parameters, e.g. "weekly_saving * 52".'),
]

#: Anywhere a number goes: a number, a distribution, or an expression over named parameters.
Value = Annotated[float | Distribution | Expr, BeforeValidator(_no_bool)]


def _bounded(low: float | None, high: float | None, what: str):
    """A validator that refuses plain numbers (and distribution supports) outside [low, high]."""

    def check(v: Any) -> Any:
        if isinstance(v, float | int):
            lo, hi = float(v), float(v)
        elif isinstance(v, _Dist):
            lo, hi = v.support()
            if math.isinf(lo) or math.isinf(hi):
                # An unbounded distribution (a normal, say) is judged by its central value; draws
                # outside the range are clipped at run time, with a note saying how many.
                lo = max(lo, v.central) if math.isinf(lo) else lo
                hi = min(hi, v.central) if math.isinf(hi) else hi
        else:  # expressions are checked when evaluated
            return v
        if (low is not None and lo < low) or (high is not None and hi > high):
            shown = (
                f"{v:g}"
                if isinstance(v, float | int)
                else f"a {v.dist} distribution reaching {lo:g} to {hi:g}"
            )
            raise ValueError(f"must be {what} (got {shown})")
        return v

    return AfterValidator(check)


NonNegative = Annotated[Value, _bounded(0.0, None, "≥ 0")]
Share = Annotated[Value, _bounded(0.0, 1.0, "a share between 0 and 1")]
SignedShare = Annotated[Value, _bounded(-1.0, 1.0, "between -1 and 1")]
Duration = Annotated[Value, _bounded(0.0, 500.0, "between 0 and 500 years")]

# ---------------------------------------------------------------------------------------------
# Discounting


class Band(_Model):
    from_year: int = Field(ge=0, le=10_000, description="First year the rate applies to.")
    rate: float = Field(ge=-0.05, le=0.25, description="Annual real discount rate, e.g. 0.035.")


class Discounting(_Model):
    schedule: Literal["green_book", "green_book_health", "constant", "custom", "none"] = Field(
        "green_book", description="Which discount-rate schedule to use."
    )
    rate: float | None = Field(
        None, ge=-0.05, le=0.25, description="The constant rate (only with schedule: constant)."
    )
    bands: list[Band] | None = Field(
        None,
        description=(
            "Rate bands (only with schedule: custom): each rate applies from its from_year on."
        ),
    )
    timing: Literal["start", "mid", "end"] = Field(
        "start", description="When in each year its flows fall: start, mid or end."
    )

    @model_validator(mode="after")
    def _check(self) -> Discounting:
        if self.schedule == "constant" and self.rate is None:
            raise ValueError("schedule 'constant' needs a rate (e.g. rate: 0.035)")
        if self.schedule != "constant" and self.rate is not None:
            raise ValueError(
                f"rate is only used with schedule 'constant' (schedule is {self.schedule!r})"
            )
        if self.schedule == "custom":
            if not self.bands:
                raise ValueError(
                    "schedule 'custom' needs bands (e.g. [{from_year: 0, rate: 0.035}])"
                )
            years = [b.from_year for b in self.bands]
            if years[0] != 0:
                raise ValueError("the first band must start at from_year 0")
            if any(b <= a for a, b in zip(years, years[1:])):
                raise ValueError(f"bands' from_year must rise strictly (got {years})")
        elif self.bands is not None:
            raise ValueError(
                f"bands are only used with schedule 'custom' (schedule is {self.schedule!r})"
            )
        return self


# ---------------------------------------------------------------------------------------------
# Intake and uptake curves


class ConstantCurve(_Model):
    curve: Literal["constant"]
    value: Share


class LinearCurve(_Model):
    curve: Literal["linear"]
    start: Share = Field(description="Uptake in year 0.")
    end: Share = Field(description="Uptake from year `years` on.")
    years: float = Field(ge=0, le=500, description="Years to move from start to end.")


class LogisticCurve(_Model):
    curve: Literal["logistic"]
    start: Share
    end: Share
    midpoint: float = Field(ge=0, le=500, description="Year at which uptake is half-way.")
    steepness: float = Field(gt=0, le=100, description="How fast uptake moves around the midpoint.")


class TableCurve(_Model):
    curve: Literal["table"]
    values: list[Share] = Field(
        min_length=1, description="Uptake in years 0, 1, 2, ...; the last holds after."
    )


UptakeCurve = Annotated[
    ConstantCurve | LinearCurve | LogisticCurve | TableCurve, Field(discriminator="curve")
]


#: A list of yearly values: at least one year.
YearList = Annotated[list[NonNegative], Field(min_length=1)]


class Intake(_Model):
    participants: NonNegative | YearList | None = Field(
        None,
        description="Participants entering each year: a list for years 0, 1, 2... (nobody enters "
        "after it ends), or one number for every year (see years).",
    )
    eligible: NonNegative | YearList | None = Field(
        None, description="People eligible each year (a number or a list); used with uptake."
    )
    uptake: Share | UptakeCurve | None = Field(
        None, description="Share of the eligible who take part: a number or a curve."
    )
    years: int | None = Field(
        None,
        ge=1,
        le=500,
        description="With a single number or eligible: entry in years 0..years-1 only.",
    )

    @model_validator(mode="after")
    def _check(self) -> Intake:
        if (self.participants is None) == (self.eligible is None):
            raise ValueError(
                "give either participants, or eligible with uptake (not both, not neither)"
            )
        if self.eligible is not None and self.uptake is None:
            raise ValueError("eligible needs an uptake (a share or a curve)")
        if self.participants is not None and self.uptake is not None:
            raise ValueError("uptake is only used with eligible")
        if isinstance(self.participants, list) and self.years is not None:
            raise ValueError(
                "years is only used with a single number of participants or with eligible"
            )
        return self


# ---------------------------------------------------------------------------------------------
# Costs and outcomes


GROUPS = 5  # quintiles, 1 = the poorest (or most deprived) fifth


def _five_shares(v: list[float] | None) -> list[float] | None:
    if v is not None and abs(sum(v) - 1.0) > 1e-6:
        raise ValueError(f"the five shares must add up to 1 (they add up to {sum(v):.6g})")
    return v


#: Shares of something over the five groups, poorest first: five numbers in [0, 1] adding to 1.
GroupShares = Annotated[
    list[Annotated[float, Field(ge=0, le=1)]],
    Field(min_length=GROUPS, max_length=GROUPS),
    AfterValidator(_five_shares),
]


def _some_positive(v: list[float] | None) -> list[float] | None:
    if v is not None and not any(x > 0 for x in v):
        raise ValueError("at least one of the five multipliers must be above 0")
    return v


#: Per-group multipliers (of uptake, or of effect), poorest first: five numbers ≥ 0, one > 0.
GroupMultipliers = Annotated[
    list[Annotated[float, Field(ge=0, le=1000)]],
    Field(min_length=GROUPS, max_length=GROUPS),
    AfterValidator(_some_positive),
]


class DirichletShares(_Model):
    """Uncertain shares over the five groups: a Dirichlet distribution with the stated mean
    shares and concentration (the larger, the tighter: each share's variance is
    mean × (1 − mean) / (concentration + 1)). A share of 0 stays 0 in every draw."""

    dist: Literal["dirichlet"]
    mean: GroupShares = Field(description="Mean share of each group, poorest first (add to 1).")
    concentration: float = Field(
        gt=0,
        le=1e6,
        description="Sum of the Dirichlet's parameters: 100 gives a share of 0.2 a standard "
        "deviation of 0.04.",
    )
    value: GroupShares | None = Field(
        None, description="Shares a deterministic run uses (default: the mean)."
    )

    @property
    def central(self) -> list[float]:
        """The shares a deterministic run uses: ``value`` if given, else the mean."""
        return list(self.value if self.value is not None else self.mean)


def _shares_kind(v: Any) -> str:
    return "dirichlet" if isinstance(v, dict | DirichletShares) else "list"


#: Five group shares, or a Dirichlet distribution over them.
UncertainShares = Annotated[
    Annotated[GroupShares, Tag("list")] | Annotated[DirichletShares, Tag("dirichlet")],
    Discriminator(_shares_kind),
]


def _positive_weight(v: Any) -> Any:
    if isinstance(v, float | int):
        if v <= 0:
            raise ValueError(f"must be > 0 (got {v:g})")
    elif isinstance(v, _Dist):
        lo, _ = v.support()
        if lo <= 0 and not (math.isinf(lo) and v.central > 0):
            raise ValueError(
                f"must be > 0: a {v.dist} distribution reaching {lo:g} can give a weight ≤ 0"
            )
    return v


#: A distributional weight: a positive number or a distribution over positive numbers.
Weight = Annotated[
    float | Distribution, BeforeValidator(_no_bool), AfterValidator(_positive_weight)
]
#: Inequality aversion (eta): a number or a distribution, between 0 and 10.
Eta = Annotated[
    float | Distribution, BeforeValidator(_no_bool), _bounded(0.0, 10.0, "between 0 and 10")
]

#: Whom a flow reaches: the participants (by their groups), taxpayers (weight 1, Green Book A3),
#: the general population (an even spread), or explicit shares over the groups.
Reaches = Literal["participants", "taxpayers", "population"] | GroupShares


class _Priced(_Model):
    reaches: Reaches | None = Field(
        None,
        description="Whom this flow reaches, for the fairness lens: participants, taxpayers, "
        "population, or five group shares (default: costs and fiscal savings reach taxpayers; "
        "economic and social value reaches participants).",
    )
    currency: Currency | None = Field(
        None,
        description=(
            "Currency the figures are in (default: the intervention's, else the scenario's)."
        ),
    )
    price_year: PriceYear | None = Field(
        None,
        description="Price year of the figures (default: the intervention's, else the scenario's).",
    )
    source: str | None = Field(None, description="Citation for this figure.")


class SetupCost(_Priced):
    name: str | None = None
    amount: NonNegative = Field(description="One-off cost, for the programme as a whole.")
    year: int = Field(0, ge=0, le=10_000, description="Year the cost falls in.")
    funder: Agency = "unspecified"


class RunningCost(_Priced):
    name: str | None = None
    amount: NonNegative = Field(description="Programme-level cost per `per`.")
    per: Per = "year"
    from_year: int = Field(0, ge=0, le=10_000, description="First operating year (inclusive).")
    to_year: int | None = Field(
        None,
        ge=0,
        le=10_000,
        description="Last operating year (inclusive; default: the last year).",
    )
    funder: Agency = "unspecified"

    @model_validator(mode="after")
    def _check(self) -> RunningCost:
        if self.to_year is not None and self.to_year < self.from_year:
            raise ValueError(f"to_year ({self.to_year}) is before from_year ({self.from_year})")
        return self


class _Profiled(_Priced):
    per: Per = Field("year", description="The amount is per year, month (×12) or week (×52).")
    start: int = Field(0, ge=0, le=500, description="Years since entry when it begins.")
    duration: Duration | None = Field(
        None,
        description=(
            "Years it lasts; a fraction makes a partial last year (default: to the horizon)."
        ),
    )
    ramp: Annotated[Value, _bounded(0.0, 500.0, "between 0 and 500 years")] = Field(
        0.0, description="Years to reach full effect, linearly."
    )
    drop_off: Share = Field(0.0, description="Share of the effect lost each year after the ramp.")


class ParticipantCost(_Profiled):
    name: str | None = None
    amount: NonNegative = Field(description="Cost per participant per `per`.")
    funder: Agency = "unspecified"


class Outcome(_Profiled):
    name: str = Field(description="What changes, e.g. 'Fewer child protection cases'.")
    agency: Agency = "unspecified"
    value_type: ValueType = "fiscal"
    amount: Value | None = Field(
        None, description="Value per participant per `per` (negative for a dis-benefit)."
    )
    baseline: NonNegative | None = Field(
        None, description="Baseline cost per participant per `per`."
    )
    reduction: SignedShare | None = Field(None, description="Share of the baseline avoided.")
    probability_change: SignedShare | None = Field(
        None, description="Fall in the probability of an event per participant per `per`."
    )
    unit_cost: NonNegative | None = Field(None, description="Cost of one event.")
    deadweight: Share = Field(0.0, description="Share that would have happened anyway.")
    attribution: Share = Field(0.0, description="Share owed to others, removed.")
    displacement: Share = Field(0.0, description="Share merely moved elsewhere, removed.")
    unit: str | None = Field(
        None,
        max_length=80,
        description="What is avoided, counted (e.g. 'hospital admission', 're-offence', "
        "'residential placement-week'). With probability_change the count is the change in "
        "events; with baseline and reduction it is reduction x one unit per `per`; with amount, "
        "give events.",
    )
    events: Value | None = Field(
        None, description="With amount and unit: events avoided per participant per `per`."
    )

    @model_validator(mode="after")
    def _counted(self) -> Outcome:
        if self.events is not None and self.amount is None:
            raise ValueError(
                "events goes with amount (with probability_change, or baseline and "
                "reduction, the count follows from them)"
            )
        if self.events is not None and self.unit is None:
            raise ValueError("events needs a unit saying what is counted (e.g. unit: re-offence)")
        if self.unit is not None and self.amount is not None and self.events is None:
            raise ValueError(
                "with amount, a unit needs events: how many are avoided per participant per `per`"
            )
        return self

    @model_validator(mode="after")
    def _one_way_to_value(self) -> Outcome:
        ways = [
            self.amount is not None,
            self.baseline is not None or self.reduction is not None,
            self.probability_change is not None or self.unit_cost is not None,
        ]
        if sum(ways) != 1:
            raise ValueError(
                "give the value one way: amount, or baseline and reduction, "
                "or probability_change and unit_cost"
            )
        if ways[1] and (self.baseline is None or self.reduction is None):
            raise ValueError("baseline and reduction go together")
        if ways[2] and (self.probability_change is None or self.unit_cost is None):
            raise ValueError("probability_change and unit_cost go together")
        return self


class Costs(_Model):
    setup: list[SetupCost] = Field(default_factory=list, description="One-off programme costs.")
    running: list[RunningCost] = Field(default_factory=list, description="Programme running costs.")
    per_participant: list[ParticipantCost] = Field(
        default_factory=list, description="Costs per participant, over years since entry."
    )


class OptimismBias(_Model):
    costs: Annotated[Value, _bounded(0.0, 10.0, "between 0 and 10")] = Field(
        0.0, description="Uplift on costs: costs × (1 + costs)."
    )
    benefits: Share = Field(0.0, description="Reduction of benefits: benefits × (1 − benefits).")


class Evidence(_Model):
    """How strong the evidence for an intervention's effects is, for the brief's recommendation.

    Study designs, strongest first, after the Maryland Scientific Methods Scale: randomised
    (level 5); quasi_experimental (3-4, a controlled comparison); uncontrolled (2, before-and-
    after or a comparison without controls); then effects modelled or judged, not measured."""

    design: Literal["randomised", "quasi_experimental", "uncontrolled", "modelled", "opinion"] = (
        Field(
            description="Study design behind the effects: randomised (controlled trials), "
            "quasi_experimental (a comparison group with controls for differences), uncontrolled "
            "(before-and-after or a comparison without controls), modelled (simulated or "
            "calibrated, not measured), opinion (expert or practitioner judgement)."
        )
    )
    setting: Annotated[str, Field(max_length=80)] | None = Field(
        None, description="Where the evidence comes from, e.g. 'US' (transferred) or 'England'."
    )
    rating: Annotated[str, Field(max_length=80)] | None = Field(
        None, description="A published rating of the programme, as the rating body words it."
    )
    rated_by: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Who published the rating, and when (required with rating)."
    )
    source: str | None = Field(None, description="Where the design (and rating) is stated.")

    @model_validator(mode="after")
    def _rating_has_its_rater(self) -> Evidence:
        if self.rating is not None and not self.rated_by:
            raise ValueError("a rating needs rated_by: who published it, and when")
        return self


class Intervention(_Model):
    id: Identifier = Field(description="Identifier, unique in the file ([a-z0-9_]+).")
    name: str
    layer: Layer
    description: str | None = None
    source: str | None = Field(None, description="Citation for the intervention as a whole.")
    currency: Currency | None = Field(
        None, description="Default currency of this intervention's figures."
    )
    price_year: PriceYear | None = Field(
        None, description="Default price year of this intervention's figures."
    )
    intake: Intake
    costs: Costs = Field(default_factory=Costs)
    outcomes: list[Outcome] = Field(default_factory=list)
    optimism_bias: OptimismBias = Field(default_factory=OptimismBias)
    evidence: Evidence | None = Field(
        None, description="The study design behind the effects, and any published rating."
    )
    reach: UncertainShares | None = Field(
        None,
        description="Participants' shares over the five groups, poorest first (for the "
        "fairness lens; default an even spread), or a Dirichlet distribution over them "
        "({dist: dirichlet, mean: [...], concentration: 100}). With uptake_by_group, the "
        "shares of those offered it.",
    )
    uptake_by_group: GroupMultipliers | None = Field(
        None,
        description="Proportionate universalism: relative uptake in each group, poorest first. "
        "Participants in group g are proportional to reach_g × uptake_g: the multipliers "
        "reshape who takes part, not how many.",
    )
    effect_by_group: GroupMultipliers | None = Field(
        None,
        description="Relative effect per participant in each group, poorest first. The stated "
        "effect is the average over the participants: group g receives the participants' "
        "benefits in proportion to its participants × effect_g, so totals are unchanged.",
    )

    @model_validator(mode="after")
    def _someone_takes_part(self) -> Intervention:
        shares = self.reach.mean if isinstance(self.reach, DirichletShares) else self.reach
        shares = list(shares) if shares is not None else [1.0 / GROUPS] * GROUPS
        if self.uptake_by_group is not None:
            shares = [r * u for r, u in zip(shares, self.uptake_by_group)]
            if not any(x > 0 for x in shares):
                raise ValueError(
                    "uptake_by_group is 0 in every group that reach gives participants: "
                    "nobody would take part"
                )
        if self.effect_by_group is not None and not any(
            x * m > 0 for x, m in zip(shares, self.effect_by_group)
        ):
            raise ValueError(
                "effect_by_group is 0 in every group with participants: the stated effect "
                "would reach nobody"
            )
        return self


class Fairness(_Model):
    """The fairness lens: which groups, and how a pound reaching each is weighted."""

    groups: Literal["income_quintiles", "imd_quintiles"] = Field(
        "income_quintiles",
        description="Income quintiles or deprivation (IMD) quintiles; 1 is the poorest.",
    )
    eta: Eta = Field(
        1.3,
        description="Elasticity of marginal utility of income (Green Book: 1.3); a number, or a "
        "distribution drawn once per draw.",
    )
    incomes: (
        Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=GROUPS, max_length=GROUPS)]
        | None
    ) = Field(
        None,
        description=(
            "Median equivalised household income of each quintile (default: shipped ONS figures)."
        ),
    )
    reference_income: float | None = Field(
        None, gt=0, description="Median income of all households (the taxpayer's; weight 1)."
    )
    weights: Annotated[list[Weight], Field(min_length=GROUPS, max_length=GROUPS)] | None = Field(
        None,
        description="Explicit weights for the five groups (instead of incomes and eta); each a "
        "number or a distribution.",
    )
    source: str | None = Field(None, description="Where the incomes or weights come from.")
    baseline_health: (
        Annotated[
            list[Annotated[float, Field(gt=0, le=150)]], Field(min_length=GROUPS, max_length=GROUPS)
        ]
        | Literal["england_qale_imd"]
        | None
    ) = Field(
        None,
        description="Baseline health of each group, poorest first, e.g. quality-adjusted life "
        "expectancy (QALE); or england_qale_imd for the shipped QALE at birth by deprivation "
        "quintile. With outcomes whose unit is QALY, the run reports the change in the Atkinson "
        "and Kolm equally distributed equivalents of health.",
    )
    population: (
        Annotated[float, Field(gt=0)]
        | Annotated[
            list[Annotated[float, Field(gt=0)]], Field(min_length=GROUPS, max_length=GROUPS)
        ]
        | None
    ) = Field(
        None,
        description="People over whom the health gains are spread: a total (equal fifths) or "
        "the number in each group; needed with baseline_health.",
    )
    health_source: str | None = Field(None, description="Where baseline_health comes from.")
    atkinson_aversion: float = Field(
        10.95,
        ge=0,
        le=50,
        description="Relative inequality aversion for the Atkinson EDE (Robson et al. 2017: "
        "10.95).",
    )
    kolm_aversion: float = Field(
        0.15,
        ge=0,
        le=5,
        description="Absolute inequality aversion for the Kolm EDE (Robson et al. 2017: 0.15).",
    )

    @model_validator(mode="after")
    def _check(self) -> Fairness:
        if self.weights is not None and self.incomes is not None:
            raise ValueError("give incomes (with eta) or weights, not both")
        if (self.incomes is None) != (self.reference_income is None):
            raise ValueError("incomes and reference_income go together")
        if self.groups == "imd_quintiles" and self.weights is None:
            raise ValueError(
                "deprivation quintiles have no incomes: give weights for the five groups"
            )
        if self.baseline_health is not None and self.population is None:
            raise ValueError(
                "baseline_health needs population: the number of people the health gains are "
                "spread over (a total, or one number per group)"
            )
        if self.population is not None and self.baseline_health is None:
            raise ValueError("population is only used with baseline_health")
        return self

    @property
    def central_eta(self) -> float:
        """The eta a deterministic run uses (a distribution's ``value`` or mean)."""
        return float(self.eta.central if isinstance(self.eta, _Dist) else self.eta)

    @property
    def central_weights(self) -> list[float] | None:
        """The weights a deterministic run uses, or None with incomes and eta."""
        if self.weights is None:
            return None
        return [float(w.central if isinstance(w, _Dist) else w) for w in self.weights]


class ExchangeRate(_Model):
    currency: Currency = Field(description="The currency converted from.")
    rate: float = Field(
        gt=0, description="Units of the scenario's currency per one unit of `currency`."
    )
    year: PriceYear | None = Field(None, description="Year the rate (or PPP factor) refers to.")
    source: str | None = None


class Variant(_Model):
    name: str = Field(min_length=1)
    description: str | None = None
    set: dict[str, Any] = Field(
        description="Dotted paths (as --set takes them) and their new values."
    )


class Scenario(_Model):
    prevcalc: Literal[1] = Field(description="Format version.")
    name: str = Field(min_length=1)
    description: str | None = None
    notes: list[str] = Field(
        default_factory=list, description="Assumptions and caveats, for the report."
    )
    currency: Currency = "GBP"
    price_year: PriceYear = 2024
    horizon: int = Field(ge=1, le=500, description="Years modelled, year 0 .. horizon-1.")
    discounting: Discounting = Field(default_factory=Discounting)
    deflator: str = Field(
        "uk_gdp_deflator", description="Price index used to uprate figures to price_year."
    )
    exchange_rates: list[ExchangeRate] = Field(default_factory=list)
    fairness: Fairness | None = Field(
        None,
        description="The fairness lens: groups, weights; then each intervention's reach and "
        "each flow's reaches say who gains.",
    )
    parameters: dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")], Value] = Field(
        default_factory=dict, description="Named numbers or distributions, usable in expressions."
    )
    interventions: list[Intervention] = Field(min_length=1)
    variants: list[Variant] = Field(default_factory=list)
    #: Where the scenario was loaded from (a ``provenance.Source``), set by the loader; kept by
    #: ``model_copy`` and pickling, never part of the format.
    _source: Any = PrivateAttr(default=None)

    @field_validator("interventions")
    @classmethod
    def _unique_ids(cls, v: list[Intervention]) -> list[Intervention]:
        seen: set[str] = set()
        for iv in v:
            if iv.id in seen:
                raise ValueError(f"intervention id {iv.id!r} is used twice (ids must be unique)")
            seen.add(iv.id)
        return v

    @field_validator("variants")
    @classmethod
    def _unique_variants(cls, v: list[Variant]) -> list[Variant]:
        names = [x.name for x in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"variant names must be unique ({', '.join(dupes)} repeated)")
        return v


def walk(obj: Any, loc: tuple = ()):
    """Yield (location, leaf) for every expression and distribution in a scenario, in order.

    Locations are the raw paths (list indices, not intervention ids); variants are skipped,
    since their values apply only once a variant is loaded.
    """
    if isinstance(obj, expressions.Expression | _Dist):
        yield loc, obj
    elif isinstance(obj, BaseModel):
        if isinstance(obj, Variant | Fairness):
            # The fairness lens draws its own distributions from its own streams (see
            # prevcalc.equity), so declaring them never changes a run's other draws.
            return
        for name in obj.__class__.model_fields:
            yield from walk(getattr(obj, name), loc + (name,))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from walk(item, loc + (i,))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from walk(item, loc + (key,))


def item_at(scenario: Scenario, where: str) -> Any:
    """The part of a scenario at a dotted path with interventions named by id, such as
    ``interventions.nfp.outcomes.0`` (the paths that notes, errors and ``--set`` use)."""
    parts = where.split(".")
    if len(parts) < 2 or parts[0] != "interventions":
        raise ValueError(f"not a path inside an intervention: {where!r}")
    obj: Any = next(iv for iv in scenario.interventions if iv.id == parts[1])
    for part in parts[2:]:
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def json_schema() -> dict[str, Any]:
    """The scenario format as JSON Schema (draft 2020-12), for editors."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "prevcalc scenario"
    return schema
