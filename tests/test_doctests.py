"""The examples in the numeric modules' docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "prevcalc.curves",
    "prevcalc.discounting",
    "prevcalc.metrics",
    "prevcalc.distributions",
    "prevcalc.expressions",
    "prevcalc.prices",
    "prevcalc.report.tables",
    "prevcalc.vocabulary",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
