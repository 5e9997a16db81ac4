"""Quarto's rules for dotted ``{{< var >}}`` and ``{{< meta >}}`` paths: the built-in engine's
contract, and the rule finding keys obey.

Quarto resolves ``{{< var a.b.c >}}`` in ``parseOption`` (quarto-cli
``src/resources/filters/quarto-pre/options.lua``):

- the path is split on ``.`` and empty segments are dropped (``split`` in
  ``src/resources/filters/common/string.lua``: ``a..b`` is ``a.b``);
- the first segment is looked up as a plain key;
- every later segment is ``tonumber(key) or key``: a segment Lua reads as a number (``2018``,
  ``1e3``, ``0x1f``) indexes a list, counted from 1, so it can never reach a map key ``"2018"``.

The value is printed by ``processValue`` (``src/resources/filters/quarto-pre/shortcodes-handlers.lua``):
a list of one item prints that item, a longer list prints ``?invalid var type:``, and a map prints
nothing at all (``#val == 0`` for a table with only string keys).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# C's isspace in the "C" locale, which Lua's tonumber skips around a number (lobject.c)
_LUA_SPACE = " \t\n\v\f\r"
_INT = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+)")
_DEC_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_FLOAT = re.compile(
    r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
)
_INT64 = 2**64


def lua_tonumber(text: str) -> int | float | None:
    """What Lua 5.4's ``tonumber(text)`` returns for a string (``l_str2int``, then ``l_str2d``
    in ``lobject.c``), or None where it returns nil.

    Surrounding whitespace is allowed; decimal and hexadecimal integers (hexadecimal wraps around
    at 64 bits, a decimal too large for 64 bits becomes a float); decimal floats with an exponent
    (``1e3``); C99 hexadecimal floats (``0x1p4``); never ``inf`` or ``nan`` (Lua rejects any
    string containing ``n``).
    """
    s = text.strip(_LUA_SPACE)
    if _INT.fullmatch(s):
        negative = s.startswith("-")
        body = s.lstrip("+-")
        if body[:2].lower() == "0x":
            value = int(body, 16) % _INT64
            value = (-value if negative else value) % _INT64
            return value - _INT64 if value >= _INT64 // 2 else value
        value = -int(body) if negative else int(body)
        if -(2**63) <= value < 2**63:
            return value
        return float(value)
    if _DEC_FLOAT.fullmatch(s):
        return float(s)
    if _HEX_FLOAT.fullmatch(s):
        return float.fromhex(s)
    return None


def path_segments(dotted: str) -> list[str]:
    """``a..b.`` -> ``["a", "b"]``: Quarto's ``split(name, ".")`` drops empty segments."""
    return [part for part in dotted.split(".") if part]


def _js_key(key: Any) -> str:
    """A YAML map key as Quarto sees it: js-yaml gives every object key as a string."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def resolve(root: Any, dotted: str) -> tuple[bool, Any]:
    """``(found, value)`` for ``dotted`` in ``root`` exactly as Quarto's ``parseOption`` finds it.

    A numeric segment after the first indexes a list from 1 (``authors.1`` is the first author)
    and never matches a map key; a path that continues past a single value, or ends on a missing
    or null value, is not found.
    """
    current = root
    for i, part in enumerate(path_segments(dotted)):
        number = lua_tonumber(part) if i > 0 else None
        if number is not None:
            if not isinstance(current, list) or not float(number).is_integer():
                return False, None
            index = int(number)
            if not 1 <= index <= len(current):
                return False, None
            current = current[index - 1]
        elif isinstance(current, Mapping):
            matches = [v for k, v in current.items() if _js_key(k) == part]
            if not matches:
                return False, None
            current = matches[0]
        else:
            return False, None
        if current is None:
            return False, None
    if current is root:
        return False, None
    return True, current


def single_value(value: Any) -> tuple[bool, Any]:
    """The one value Quarto prints for ``value``, unwrapping one-item lists; ``(False, why)``
    for a map (Quarto prints nothing) or a list of several values (``?invalid var type``)."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, Mapping):
        return False, "is a group of values, not one value (Quarto prints nothing for it)"
    if isinstance(value, list):
        return False, (
            f"is a list of {len(value)} values, not one value "
            "(Quarto prints ?invalid var type for it)"
        )
    return True, value
