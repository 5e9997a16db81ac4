"""Hex cartogram layouts (Open Innovations HexJSON) for maps of local authorities.

A HexJSON file (https://open-innovations.org/projects/hexmaps/hexjson) places each area on one
hexagon of a grid: ``{"layout": "odd-r", "hexes": {code: {"n": name, "q": column, "r": row,
"region": code}}}``. The pinned layout is Open Innovations' UK local authority districts of 2023
(361 hexes, MIT licence; curated/SOURCES.md, odileeds_hexmaps_la).

The layout's codes are those of its boundary year; an edition's data may be on later boundaries.
:func:`harmonise` puts the layout on the data's boundary set with the same succession register
the data use (:mod:`levelup.data.boundaries`), and says what it did for each changed hex:

* **recoded** — the same area under a new code (Barnsley E08000016 -> E08000038 in 2025);
* **merged** — several hexes whose areas merged into one: each keeps its place and shows the
  successor's value (Allerdale, Carlisle and Copeland -> Cumberland);
* **split** — one hex whose area was split: it shows the first successor and the note names the
  others (no UK district has been split since 2019; the rule is there so none is dropped).

No hex is ever dropped silently: every change is a row of :attr:`HexLayout.notes`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from levelup.data.boundaries import SuccessionRegister

#: The pinned layout of UK local authority districts (lower tier) and its boundary year.
LAD_LAYOUT = "curated/hex_cartograms/odileeds_uk-local-authority-districts-2023.hexjson"
LAD_LAYOUT_YEAR = 2023
LAYOUTS = ("odd-r", "even-r", "odd-q", "even-q")
SQRT3 = math.sqrt(3.0)


class HexJSONError(ValueError):
    """A HexJSON file breaks the format; the message names the file and the hex."""


@dataclass
class HexLayout:
    """Hexes of one layout: ``hexes`` has ``code``, ``name``, ``q``, ``r``, ``region`` and
    ``layout_code`` (the code in the file), one row per hex; ``notes`` one row per changed hex."""

    layout: str
    hexes: pd.DataFrame
    source: str = ""
    notes: list[dict] = field(default_factory=list)

    def centres(self) -> pd.DataFrame:
        """Hex centres in units of the hex's inner radius times two (neighbours 1 apart in a
        row): ``x``, ``y`` with y growing northwards (HexJSON rows count up the map)."""
        q = self.hexes["q"].to_numpy(float)
        r = self.hexes["r"].to_numpy(float)
        if self.layout.endswith("-r"):  # pointy-top hexes, rows offset
            odd = (self.hexes["r"] % 2 == 1).to_numpy()
            shift = 0.5 if self.layout == "odd-r" else -0.5
            x = q + shift * odd
            y = r * SQRT3 / 2
        else:  # flat-top hexes, columns offset
            odd = (self.hexes["q"] % 2 == 1).to_numpy()
            shift = 0.5 if self.layout == "odd-q" else -0.5
            x = q * SQRT3 / 2
            y = r + shift * odd
        return self.hexes.assign(x=x, y=y)

    def corners(self) -> list[tuple[float, float]]:
        """The six corners of a hex centred on (0, 0), in the units of :meth:`centres`."""
        radius = 1 / SQRT3  # centre to corner when neighbours are 1 apart
        start = 30 if self.layout.endswith("-r") else 0
        return [
            (
                radius * math.cos(math.radians(start + 60 * k)),
                radius * math.sin(math.radians(start + 60 * k)),
            )
            for k in range(6)
        ]

    def region_edges(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Hex edges on a region's outline: between hexes of different regions, or with no
        neighbour (the coast). Drawn over the hexes to outline regions and nations."""
        corners = self.corners()
        seen: dict[tuple, list] = {}
        for x, y, region in self.centres()[["x", "y", "region"]].itertuples(index=False):
            for k in range(6):
                a = (x + corners[k][0], y + corners[k][1])
                b = (x + corners[(k + 1) % 6][0], y + corners[(k + 1) % 6][1])
                key = (round((a[0] + b[0]) / 2, 3), round((a[1] + b[1]) / 2, 3))
                seen.setdefault(key, []).append((region, a, b))
        edges = []
        for found in seen.values():
            if len(found) == 1 or found[0][0] != found[1][0]:
                edges.append((found[0][1], found[0][2]))
        return edges


def read_hexjson(text: str, source: str = "<hexjson>") -> HexLayout:
    """Parse a HexJSON document; a malformed one raises :class:`HexJSONError` naming the problem."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HexJSONError(f"{source}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("hexes"), dict):
        raise HexJSONError(f"{source}: expected an object with 'layout' and 'hexes'")
    layout = doc.get("layout")
    if layout not in LAYOUTS:
        raise HexJSONError(
            f"{source}: layout {layout!r} is not one of {', '.join(LAYOUTS)} (HexJSON)"
        )
    rows, places = [], {}
    for code, hexagon in doc["hexes"].items():
        if not isinstance(hexagon, dict):
            raise HexJSONError(f"{source}: hex {code}: expected an object, got {hexagon!r}")
        for coord in ("q", "r"):
            if not isinstance(hexagon.get(coord), int):
                raise HexJSONError(
                    f"{source}: hex {code}: '{coord}' must be an integer, got {hexagon.get(coord)!r}"
                )
        place = (hexagon["q"], hexagon["r"])
        if place in places:
            raise HexJSONError(
                f"{source}: hexes {places[place]} and {code} are both at q={place[0]}, r={place[1]}"
            )
        places[place] = code
        rows.append(
            {
                "code": code,
                "name": str(hexagon.get("n", code)),
                "q": hexagon["q"],
                "r": hexagon["r"],
                "region": str(hexagon.get("region", "")),
                "layout_code": code,
            }
        )
    return HexLayout(layout, pd.DataFrame(rows), source)


def read_layout_file(path: Path) -> HexLayout:
    return read_hexjson(Path(path).read_text(encoding="utf-8"), str(path.name))


def harmonise(layout: HexLayout, register: SuccessionRegister, boundary_year: int) -> HexLayout:
    """The layout on ``boundary_year``'s boundaries: each hex whose code the register retires by
    then takes its successor's code (recoded, merged or split; see the module docstring) and is
    listed in ``notes``. Hexes are never dropped."""
    obsolete = register.obsolete_by(boundary_year)
    hexes = layout.hexes.copy()
    inbound: dict[str, list[str]] = {}
    for code in hexes["code"]:
        if code in obsolete:
            for successor in obsolete[code].successors:
                inbound.setdefault(successor, []).append(code)
    notes = list(layout.notes)
    for i, code in enumerate(hexes["code"]):
        succession = obsolete.get(code)
        if succession is None:
            continue
        # follow later successions too (a code retired twice)
        successors = list(succession.successors)
        while len(successors) == 1 and successors[0] in obsolete:
            successors = list(obsolete[successors[0]].successors)
        new = successors[0]
        if len(successors) > 1:
            action = "split"
            note = (
                f"{hexes.at[i, 'name']} ({code}) was split into {', '.join(successors)}; "
                f"its hex shows {new}"
            )
        elif len(inbound.get(succession.successors[0], [])) > 1 or new in set(hexes["code"]):
            action = "merged"
            note = (
                f"{hexes.at[i, 'name']} ({code}) merged into {new} in {succession.since}; "
                f"its hex shows {new}"
            )
        else:
            action = "recoded"
            note = f"{hexes.at[i, 'name']} is {new} since {succession.since} (was {code})"
        hexes.at[i, "code"] = new
        notes.append(
            {
                "layout_code": code,
                "code": new,
                "action": action,
                "since": succession.since,
                "note": note,
            }
        )
    return HexLayout(layout.layout, hexes, layout.source, notes)


def lad_layout(store, boundary_year: int, register: SuccessionRegister | None) -> HexLayout:
    """The pinned layout of UK local authority districts on ``boundary_year``'s boundaries
    (read through the data store, so the build records the read)."""
    layout = read_layout_file(store.path(LAD_LAYOUT))
    layout.source = LAD_LAYOUT
    if register is None or boundary_year <= LAD_LAYOUT_YEAR:
        return layout
    return harmonise(layout, register, boundary_year)


def match_codes(layout: HexLayout, codes) -> dict[str, list[str]]:
    """How an area table lines up with the layout: ``missing`` (layout codes the table has no
    row for) and ``unplaced`` (table codes with no hex). A map notes both; neither is dropped
    silently."""
    on_map = set(layout.hexes["code"])
    codes = set(codes)
    return {"missing": sorted(on_map - codes), "unplaced": sorted(codes - on_map)}


def reader_notes(layout: HexLayout) -> list[str]:
    """The boundary notes of a layout in words for a chart's source line (names, no codes):
    "Barnsley and Sheffield are shown on their 2025 area codes."; "Allerdale, Carlisle and
    Copeland show the area they merged into."."""
    from levelup.wording import join_names

    names = dict(zip(layout.hexes["layout_code"], layout.hexes["name"], strict=True))
    out = []
    for action, text in (
        ("recoded", "{names} {verb} shown on {their} new area {codes}."),
        ("merged", "{names} {show} the area {they} merged into."),
        ("split", "{names} {show} the first of the areas {they} {was} split into."),
    ):
        hit = [n for n in layout.notes if n["action"] == action]
        if not hit:
            continue
        many = len(hit) > 1
        out.append(
            text.format(
                names=join_names(names[n["layout_code"]] for n in hit),
                verb="are" if many else "is",
                their="their" if many else "its",
                codes="codes" if many else "code",
                show="show" if many else "shows",
                they="they" if many else "it",
                was="were" if many else "was",
            )
        )
    return out
