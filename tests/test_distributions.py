"""Distributions: sampled moments against each distribution's definition, validation, LHS."""

import math

import numpy as np
import pytest

from prevcalc import distributions as d

N = 200_000
# Tolerances from the standard error. With n = 200,000 draws, SE(mean) = σ/√n = σ/447 and
# SE(sd) ≈ σ √((κ − 1)/(4n)), κ the kurtosis; every distribution below has κ < 10, so
# SE(sd) < σ/298. Allowing 5 standard errors puts a false failure below 1 in a million per
# check (and the seed is fixed, so the test is deterministic anyway). Latin hypercube draws have
# smaller errors than random draws, so the same tolerances hold for both samplers.
MEAN_TOL = 5 / math.sqrt(N)  # × σ
SD_TOL = 5 * math.sqrt(9 / (4 * N))  # × σ


def draws(kind, params, sampler="random", seed=20240101):
    if sampler == "direct":  # numpy's own generators (d.draw), as plain random runs use
        return d.draw(kind, params, np.random.default_rng(seed), N)
    u = d.uniforms(np.random.default_rng(seed), N, 1, sampler)[:, 0]
    return d.ppf(kind, params, u)


def tri_sd(l, m, h):
    return math.sqrt((l * l + m * m + h * h - l * m - l * h - m * h) / 18)


def pert_sd(l, m, h):
    mu = (l + 4 * m + h) / 6
    return math.sqrt((mu - l) * (h - mu) / 7)


# (kind, params, textbook mean, textbook sd)
CASES = [
    ("normal", {"mean": 1200, "sd": 200}, 1200, 200),
    ("lognormal", {"mean": 1200, "sd": 300}, 1200, 300),
    ("lognormal", {"mean": 2.0, "sd": 1.0}, 2.0, 1.0),
    ("gamma", {"mean": 1200, "sd": 300}, 1200, 300),
    ("gamma", {"mean": 1.0, "sd": 0.2}, 1.0, 0.2),
    ("beta", {"mean": 0.3, "sd": 0.05}, 0.3, 0.05),
    ("beta", {"mean": 0.15, "sd": 0.03}, 0.15, 0.03),
    ("uniform", {"low": 1000, "high": 1400}, 1200, 400 / math.sqrt(12)),
    (
        "triangular",
        {"low": 1000, "mode": 1200, "high": 1500},
        (1000 + 1200 + 1500) / 3,
        tri_sd(1000, 1200, 1500),
    ),
    ("triangular", {"low": 0, "mode": 0, "high": 1}, 1 / 3, tri_sd(0, 0, 1)),
    (
        "pert",
        {"low": 1000, "mode": 1200, "high": 1500},
        (1000 + 4 * 1200 + 1500) / 6,
        pert_sd(1000, 1200, 1500),
    ),
    ("pert", {"low": 0, "mode": 0.9, "high": 1}, (0 + 3.6 + 1) / 6, pert_sd(0, 0.9, 1)),
]


@pytest.mark.parametrize("sampler", ["random", "lhs", "direct"])
@pytest.mark.parametrize("kind, params, mu, sigma", CASES)
def test_sampled_moments_match_definition(kind, params, mu, sigma, sampler):
    x = draws(kind, params, sampler)
    assert x.shape == (N,)
    assert np.isfinite(x).all()
    assert abs(x.mean() - mu) < MEAN_TOL * sigma
    assert abs(x.std() - sigma) < SD_TOL * sigma


@pytest.mark.parametrize("kind, params, mu, sigma", CASES)
def test_mean_matches_definition(kind, params, mu, sigma):
    assert d.mean(kind, params) == pytest.approx(mu, rel=1e-12)


def test_pert_variance_formula_matches_beta_variance():
    # Beta-PERT is a scaled beta(α, β): variance (h − l)² αβ / ((α + β)² (α + β + 1)). With
    # λ = 4, α + β = 6 and this equals (μ − l)(h − μ)/7.
    l, m, h = 1000, 1200, 1500
    a, b = 1 + 4 * (m - l) / (h - l), 1 + 4 * (h - m) / (h - l)
    var = (h - l) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1))
    assert math.sqrt(var) == pytest.approx(pert_sd(l, m, h))


def test_lognormal_median_is_exp_mu():
    # Median of a lognormal is exp(μ) = mean / √(1 + sd²/mean²).
    assert d.ppf("lognormal", {"mean": 1200, "sd": 300}, 0.5) == pytest.approx(
        1200 / math.sqrt(1 + (300 / 1200) ** 2)
    )


def test_normal_percentiles():
    p05, p50, p95 = d.ppf("normal", {"mean": 1200, "sd": 200}, [0.05, 0.5, 0.95])
    assert p05 == pytest.approx(1200 - 1.6449 * 200, abs=0.01)
    assert p50 == pytest.approx(1200)
    assert p95 == pytest.approx(1200 + 1.6449 * 200, abs=0.01)


def test_uniform_percentiles_are_exact():
    assert d.ppf("uniform", {"low": 1000, "high": 1400}, [0.05, 0.95]).tolist() == [1020, 1380]


def test_triangular_percentiles_invert_the_cdf():
    # CDF of the triangular: (x − l)² / ((h − l)(m − l)) below the mode,
    # 1 − (h − x)² / ((h − l)(h − m)) above it.
    l, m, h = 1000, 1200, 1500
    u = np.array([0.01, 0.2, 0.4, 0.6, 0.99])
    x = d.ppf("triangular", {"low": l, "mode": m, "high": h}, u)
    below = (x - l) ** 2 / ((h - l) * (m - l))
    above = 1 - (h - x) ** 2 / ((h - l) * (h - m))
    cdf = np.where(x < m, below, above)
    np.testing.assert_allclose(cdf, u)


@pytest.mark.parametrize(
    "kind, params, value",
    [
        ("normal", {"mean": 5, "sd": 0}, 5),
        ("lognormal", {"mean": 1200, "sd": 0}, 1200),
        ("gamma", {"mean": 3, "sd": 0}, 3),
        ("beta", {"mean": 0.3, "sd": 0}, 0.3),
        ("uniform", {"low": 7, "high": 7}, 7),
        ("triangular", {"low": 7, "mode": 7, "high": 7}, 7),
        ("pert", {"low": 7, "mode": 7, "high": 7}, 7),
        ("fixed", {"value": 42}, 42),
    ],
)
def test_degenerate_distributions_are_their_value(kind, params, value):
    u = np.array([0.0, 1e-12, 0.5, 1 - 1e-12, 1.0])
    x = d.ppf(kind, params, u)
    assert x.tolist() == [value] * 5
    assert d.mean(kind, params) == value


@pytest.mark.parametrize("kind, params, mu, sigma", CASES)
def test_ppf_is_nondecreasing_and_keeps_shape(kind, params, mu, sigma):
    u = np.linspace(0.001, 0.999, 999).reshape(27, 37)
    x = d.ppf(kind, params, u)
    assert x.shape == u.shape
    assert (np.diff(x.ravel()) >= 0).all()


@pytest.mark.parametrize("bad", [[-0.1], [1.5], [np.nan]])
def test_ppf_rejects_probabilities_outside_0_1(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        d.ppf("normal", {"mean": 0, "sd": 1}, bad)


def test_ppf_and_mean_reject_invalid_parameters():
    with pytest.raises(ValueError, match="sd must be ≥ 0"):
        d.ppf("normal", {"mean": 0, "sd": -1}, [0.5])
    with pytest.raises(ValueError, match="unknown distribution"):
        d.mean("weibull", {})


@pytest.mark.parametrize(
    "kind, params, expected",
    [
        ("normal", {"mean": 1, "sd": -3}, [("sd", "must be ≥ 0 (got -3)")]),
        ("normal", {"mean": 1}, [("sd", "is required for a normal distribution")]),
        ("normal", {"mean": "x", "sd": 1}, [("mean", "must be a number (got 'x')")]),
        ("normal", {"mean": math.nan, "sd": 1}, [("mean", "must be a finite number (got nan)")]),
        ("normal", {"mean": True, "sd": 1}, [("mean", "must be a number (got True)")]),
        (
            "lognormal",
            {"mean": 0, "sd": 1},
            [("mean", "must be > 0 for a lognormal distribution (got 0)")],
        ),
        (
            "gamma",
            {"mean": -2, "sd": -1},
            [
                ("mean", "must be > 0 for a gamma distribution (got -2)"),
                ("sd", "must be ≥ 0 (got -1)"),
            ],
        ),
        (
            "beta",
            {"mean": 1.2, "sd": 0.1},
            [("mean", "must lie strictly between 0 and 1 for a beta distribution (got 1.2)")],
        ),
        (
            "beta",
            {"mean": 0.3, "sd": 0.5},
            [
                (
                    "sd",
                    "is too large for a beta distribution with mean 0.3: sd must be < 0.458 "
                    "(got 0.5)",
                )
            ],
        ),
        ("uniform", {"low": 10, "high": 5}, [("high", "must be ≥ low (got low 10, high 5)")]),
        (
            "triangular",
            {"low": 10, "mode": 5, "high": 20},
            [("mode", "must lie between low and high (got mode 5, low 10, high 20)")],
        ),
        (
            "pert",
            {"low": 10, "mode": 25, "high": 20},
            [("mode", "must lie between low and high (got mode 25, low 10, high 20)")],
        ),
        (
            "pert",
            {"low": 30, "mode": 25, "high": 20},
            [("high", "must be ≥ low (got low 30, high 20)")],
        ),
        ("fixed", {}, [("value", "is required for a fixed distribution")]),
        (
            "gama",
            {"mean": 1, "sd": 1},
            [("", "unknown distribution 'gama'; did you mean 'gamma'?")],
        ),
    ],
)
def test_check_names_field_and_says_what_was_expected(kind, params, expected):
    assert d.check(kind, params) == expected


def test_check_unknown_kind_without_close_match_lists_kinds():
    [(field, message)] = d.check("zzz", {})
    assert field == ""
    assert message.startswith("unknown distribution 'zzz'; expected one of normal, lognormal")


def test_beta_feasibility_limit():
    # The method of moments needs sd² < mean (1 − mean): for mean 0.3 the limit is √0.21.
    limit = math.sqrt(0.3 * 0.7)
    assert d.check("beta", {"mean": 0.3, "sd": limit * 0.999}) == []
    assert [f for f, _ in d.check("beta", {"mean": 0.3, "sd": limit})] == ["sd"]
    x = d.ppf("beta", {"mean": 0.3, "sd": limit * 0.999}, [0.001, 0.5, 0.999])
    assert ((x >= 0) & (x <= 1)).all()


@pytest.mark.parametrize("kind", sorted(d.KINDS))
def test_valid_params_pass_check(kind):
    examples = {
        "normal": {"mean": -5, "sd": 0},
        "lognormal": {"mean": 1, "sd": 0},
        "uniform": {"low": 1, "high": 1},
        "triangular": {"low": 1, "mode": 1, "high": 2},
        "pert": {"low": 1, "mode": 2, "high": 2},
        "beta": {"mean": 0.5, "sd": 0},
        "gamma": {"mean": 1, "sd": 5},
        "fixed": {"value": -3},
    }
    assert d.check(kind, examples[kind]) == []
    assert set(d.KINDS[kind]) == set(examples[kind])


@pytest.mark.parametrize("n", [1, 7, 100, 1000])
def test_lhs_has_one_value_per_stratum(n):
    u = d.uniforms(np.random.default_rng(3), n, 5, "lhs")
    assert u.shape == (n, 5)
    assert ((u > 0) & (u < 1)).all()
    strata = np.floor(u * n).astype(int)
    for column in strata.T:
        assert sorted(column) == list(range(n))


def test_lhs_columns_are_independent_permutations():
    u = d.uniforms(np.random.default_rng(3), 1000, 2, "lhs")
    assert abs(np.corrcoef(u.T)[0, 1]) < 0.15  # SE of a correlation ≈ 1/√1000 ≈ 0.032


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_uniforms_are_reproducible_from_the_seed(sampler):
    a = d.uniforms(np.random.default_rng(99), 500, 4, sampler)
    b = d.uniforms(np.random.default_rng(99), 500, 4, sampler)
    c = d.uniforms(np.random.default_rng(100), 500, 4, sampler)
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, c)


def test_random_sampler_is_the_generators_stream():
    assert np.array_equal(
        d.uniforms(np.random.default_rng(5), 10, 3), np.random.default_rng(5).random((10, 3))
    )


def test_uniforms_rejects_unknown_sampler():
    with pytest.raises(ValueError, match="unknown sampler 'sobol'"):
        d.uniforms(np.random.default_rng(0), 10, 1, "sobol")


def test_uniforms_zero_size():
    assert d.uniforms(np.random.default_rng(0), 0, 3, "lhs").shape == (0, 3)


@pytest.mark.parametrize(
    "kind, params, value",
    [
        ("normal", {"mean": 3, "sd": 0}, 3),
        ("gamma", {"mean": 2, "sd": 0}, 2),
        ("pert", {"low": 4, "mode": 4, "high": 4}, 4),
        ("fixed", {"value": 7}, 7),
        ("beta", {"mean": 0.4, "sd": 0}, 0.4),
    ],
)
def test_direct_draws_of_degenerate_distributions_are_their_value(kind, params, value):
    assert np.all(d.draw(kind, params, np.random.default_rng(0), 10) == value)


def test_direct_draws_stay_in_the_support():
    rng = np.random.default_rng(3)
    assert d.draw("beta", {"mean": 0.15, "sd": 0.03}, rng, 10_000).min() > 0
    x = d.draw("pert", {"low": 10, "mode": 12, "high": 20}, rng, 10_000)
    assert x.min() >= 10 and x.max() <= 20
