"""Quarto's var/meta path rules, pinned as the built-in engine's contract (``levelup.quarto_vars``).

Sources: quarto-cli ``src/resources/filters/quarto-pre/options.lua`` (``parseOption``: the first
segment is a key, later ones ``tonumber(key) or key``), ``src/resources/filters/common/string.lua``
(``split`` drops empty segments) and ``src/resources/filters/quarto-pre/shortcodes-handlers.lua``
(``processValue``); Lua 5.4 ``tonumber`` (``lobject.c``: ``l_str2int``, ``l_str2d``).
"""

from __future__ import annotations

import pytest
import yaml

from levelup.quarto_vars import lua_tonumber, path_segments, resolve, single_value


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2018", 2018),
        ("007", 7),
        ("-1", -1),
        ("+3", 3),
        (" 12\t", 12),  # surrounding whitespace is skipped
        ("0x1f", 31),
        ("0X1F", 31),
        ("0xffffffffffffffff", -1),  # hexadecimal integers wrap around at 64 bits
        ("1e3", 1000.0),
        ("2E-1", 0.2),
        ("10e+2", 1000.0),
        ("0x1p4", 16.0),  # C99 hexadecimal float
        ("9223372036854775808", 9.223372036854776e18),  # too big for an integer: a float
    ],
)
def test_lua_tonumber_accepts(text, number):
    result = lua_tonumber(text)
    assert result == number and type(result) is type(number)


@pytest.mark.parametrize(
    "text", ["", " ", "y2018", "2018-rank", "1e", "e3", "0x", "x1f", "inf", "nan", "1_000", "1 2"]
)
def test_lua_tonumber_refuses(text):
    assert lua_tonumber(text) is None


def test_path_segments_drop_empty_parts():
    assert path_segments("a..b.") == ["a", "b"]
    assert path_segments(".a") == ["a"]


VARS = yaml.safe_load(
    """
m02:
  intensity:
    noe:
      "2018": "2.6%"
      y2018: "2.6%"
  authors: [Ada, Grace]
  single: [only]
  group: {a: "1"}
  empty:
2018: top level
"""
)


def test_a_numeric_segment_is_a_list_position_counted_from_one():
    assert resolve(VARS, "m02.authors.1") == (True, "Ada")
    assert resolve(VARS, "m02.authors.2") == (True, "Grace")
    assert resolve(VARS, "m02.authors.0x2") == (True, "Grace")
    assert resolve(VARS, "m02.authors.2e0") == (True, "Grace")  # Lua keys 2.0 and 2 are one
    for unreachable in ("m02.authors.0", "m02.authors.3", "m02.authors.-1", "m02.authors.1e-1"):
        assert resolve(VARS, unreachable) == (False, None), unreachable


def test_a_numeric_segment_never_reaches_a_map_key():
    """The 2026 edition's bug: ``{{< var m02-research-development.intensity.noe.2018 >}}``."""
    assert resolve(VARS, "m02.intensity.noe.2018") == (False, None)
    assert resolve(VARS, "m02.intensity.noe.y2018") == (True, "2.6%")


def test_the_first_segment_is_always_a_key():
    # readOption(options, key): no tonumber on the first segment; js-yaml keys are strings
    assert resolve(VARS, "2018") == (True, "top level")


def test_missing_null_and_past_a_value_are_not_found():
    assert resolve(VARS, "m02.nothing") == (False, None)
    assert resolve(VARS, "m02.empty") == (False, None)
    assert resolve(VARS, "m02.intensity.noe.y2018.more") == (False, None)
    assert resolve(VARS, "") == (False, None)
    assert resolve(VARS, "m02..intensity.noe.y2018") == (True, "2.6%")


def test_single_value_follows_process_value():
    assert single_value(["only"]) == (True, "only")
    assert single_value("x") == (True, "x")
    ok, why = single_value({"a": "1"})
    assert not ok and "group of values" in why
    ok, why = single_value(["Ada", "Grace"])
    assert not ok and "?invalid var type" in why
