"""User text made safe for each output: no formulas in spreadsheets, no control characters in
documents, no escape sequences on a terminal.

Names and sources come from scenario files, which may have come from anyone. The loader refuses
control characters, but every writer is safe on its own: it passes user text through one of
these functions, and nowhere else decides what is safe.

- :func:`clean` removes terminal escape sequences and the control characters that XML (Word,
  Excel, SVG, HTML) cannot hold; tabs and line breaks stay.
- :func:`terminal_text` also removes tabs and carriage returns, which move a terminal's cursor.
- :func:`spreadsheet_text` and :func:`spreadsheet_value` neutralise formulas, by the OWASP
  convention: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading single quote. Numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

import numbers
import re
from typing import Any

# An escape sequence: CSI (ESC [ ... final byte), OSC/DCS/APC/PM/SOS strings (ESC ] ... BEL or
# ST), or a two-character escape (ESC and one byte). The 8-bit CSI (U+009B) and OSC (U+009D) too.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates and the
# two non-characters XML forbids. XML 1.0 allows none of the C0 ones, UTF-8 cannot encode a
# surrogate, and none of them has a place in a name or a source.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Characters a spreadsheet reads as the start of a formula (the full-width forms too: Excel
# accepts them from East Asian input methods).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A plain number written as text ("-1200", "+3.5e-2") is not a formula: it is left alone.
_MISSING = ("NAType", "NaTType")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def clean(text: Any) -> str:
    """``text`` as a string without escape sequences or control characters (tabs and line
    breaks kept; a carriage return and line feed become one line feed).

    >>> clean("\\x1b[31mred\\x1b[0m and\\x07 bell\\ttab")
    'red and bell\\ttab'
    """
    s = str(text)
    if s.isprintable():  # the common case: nothing to do
        return s
    s = _ESCAPE.sub("", s)
    return _CONTROL.sub("", s.replace("\r\n", "\n"))


def terminal_text(text: Any) -> str:
    """``text`` fit for a terminal: :func:`clean`, and tabs and carriage returns as spaces.

    >>> terminal_text("a\\rb\\tc\\x1b]8;;http://x\\x1b\\\\link")
    'a b clink'
    """
    s = clean(text)
    return s.replace("\r", " ").replace("\t", " ") if ("\r" in s or "\t" in s) else s


def spreadsheet_text(text: Any) -> str:
    """Text for a spreadsheet cell: :func:`clean`, then a leading single quote if it would
    otherwise start a formula. A plain number as text is left alone.

    >>> spreadsheet_text('=HYPERLINK("http://x","y")'), spreadsheet_text("-1200"), spreadsheet_text(
    ...     "-2+3"
    ... )
    ('\\'=HYPERLINK("http://x","y")', '-1200', "'-2+3")
    """
    s = clean(text)
    return "'" + s if is_formula_like(s) else s


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as the start of a formula."""
    return bool(text) and text[0] in _FORMULA_START and not _NUMBER.fullmatch(text)


def spreadsheet_value(value: Any) -> Any:
    """A value for a spreadsheet cell or CSV field: numbers unchanged, text through
    :func:`spreadsheet_text`, None and NaN as they were."""
    if isinstance(value, str):
        return spreadsheet_text(value)
    if (
        value is None
        or isinstance(value, (bool, numbers.Number))
        or type(value).__name__ in _MISSING
    ):
        return value
    return spreadsheet_text(value)


#: A minus sign before a figure, and a figure before its per cent sign: where a word processor
#: would otherwise allow a line break inside a figure ("(-" | "£5,480,000"; "2885.8" | "%").
_SPLITS = re.compile(r"(?<=-)(?=[£$€\d])|(?<=\d)(?=%)")


def unbreakable(text: str) -> str:
    """``text`` with a word joiner (U+2060, invisible, zero width) wherever a line break would
    split a figure: after a minus before a currency sign or digit, and before a per cent sign."""
    return _SPLITS.sub("\u2060", text)
