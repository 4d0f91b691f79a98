"""``python -m prevcalc``: the same as the ``prevcalc`` command."""

from .cli import entry

entry()
