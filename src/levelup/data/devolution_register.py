"""The devolution register, reconciled: the curated register of mayoral authorities
(``curated/devolution_combined_authorities.csv`` with its constituent councils), ONS's combined
authority boundaries (the ``cauth`` layer of ``curated/ons_uk_topojson/topo.json``, which dates
each area to the year only) and a small reviewed supplement committed in
``data/devolution/register_supplement.csv`` (codes and dates the curated register leaves blank,
and the authorities in ONS's layer that have no directly elected mayor), each with its source.

* :func:`read_cauth_layer` -- one row per area of the ONS layer: ``code``, ``name``, ``start``,
  ``end`` (years; blank when open).
* :func:`read_supplement` -- the reviewed supplement, validated.
* :func:`apply_supplement` -- fill the register's blank codes and dates from the supplement and
  record where each date came from (``established_source``, ``first_mayor_source``).
* :func:`reconcile` -- every authority of the ONS layer and of the register side by side, with a
  ``finding`` column; raises if an area of the layer is neither in the register nor explained.

Date rules (stated in the mission 12 chapter): coverage counts an authority from its first
mayoral election (polling day). A date known only to the month counts from the first day of the
month; a date known only to the year (the Greater London Authority, "2000") from 4 May of that
year, London's first mayoral polling day. Establishment dates known only to the year (ONS layer)
are shown as the year and never enter the coverage.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from levelup.paths import PROJECT_ROOT

TOPOJSON = "curated/ons_uk_topojson/topo.json"
SUPPLEMENT = PROJECT_ROOT / "data" / "devolution" / "register_supplement.csv"
SUPPLEMENT_COLUMNS = ["code", "name", "mayoral", "field", "value", "source_type", "source"]
FIELDS = {"code", "established", "first_mayor"}

#: Reader-facing source type of a curated register row, from its ``status``.
REGISTER_SOURCE = {
    "Published": "legislation",
    "Provisional": "legislation (provisional)",
    "Secondary": "secondary",
    "Not found": "",
}


class RegisterError(ValueError):
    """A devolution register file that does not have the expected shape."""


def read_cauth_layer(path: str | Path) -> pd.DataFrame:
    """Areas of the combined authority layer (``objects.cauth``) of an ONS TopoJSON file.

    Each geometry's ``properties`` must carry ``areacd`` and ``areanm``; ``start`` and ``end`` are
    optional years (first and last year the area appears). Returns ``code``, ``name``, ``start``,
    ``end`` (nullable integers).
    """
    path = Path(path)
    try:
        topo = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RegisterError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from err
    objects = topo.get("objects") if isinstance(topo, dict) else None
    if not isinstance(objects, dict):
        raise RegisterError(f"{path}: no 'objects' in the TopoJSON")
    if "cauth" not in objects:
        raise RegisterError(
            f"{path}: no 'cauth' layer (layers: {', '.join(sorted(objects)) or 'none'})"
        )
    rows = []
    for i, geometry in enumerate(objects["cauth"].get("geometries", [])):
        props = geometry.get("properties") or {}
        missing = [k for k in ("areacd", "areanm") if not props.get(k)]
        if missing:
            raise RegisterError(f"{path}: cauth geometry {i} has no {' or '.join(missing)}")
        for key in ("start", "end"):
            if key in props and not isinstance(props[key], int):
                raise RegisterError(
                    f"{path}: cauth {props['areacd']} has a non-integer {key!r}: {props[key]!r}"
                )
        rows.append(
            {
                "code": props["areacd"],
                "name": props["areanm"],
                "start": props.get("start"),
                "end": props.get("end"),
            }
        )
    if not rows:
        raise RegisterError(f"{path}: the 'cauth' layer has no areas")
    out = pd.DataFrame(rows)
    for key in ("start", "end"):
        out[key] = out[key].astype("Int64")
    return out


def read_supplement(path: str | Path = SUPPLEMENT) -> pd.DataFrame:
    """The reviewed supplement: one row per code/date it adds, or per non-mayoral area."""
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in SUPPLEMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise RegisterError(f"{path}: missing column(s) {', '.join(missing)}")
    bad = frame.loc[~frame["mayoral"].isin(["yes", "no"]), "code"].tolist()
    if bad:
        raise RegisterError(f"{path}: 'mayoral' must be yes or no (rows for {', '.join(bad)})")
    mayoral = frame[frame["mayoral"] == "yes"]
    bad = mayoral.loc[~mayoral["field"].isin(FIELDS), "code"].tolist()
    if bad:
        raise RegisterError(
            f"{path}: 'field' must be one of {', '.join(sorted(FIELDS))} (rows for {', '.join(bad)})"
        )
    for row in mayoral.itertuples(index=False):
        if row.field != "code" and not _is_date(row.value):
            raise RegisterError(
                f"{path}: {row.code} {row.field} {row.value!r} is not a year, year-month or date"
            )
    unsourced = frame.loc[(frame["source"] == "") | (frame["source_type"] == ""), "code"].tolist()
    if unsourced:
        raise RegisterError(f"{path}: rows without a source: {', '.join(unsourced)}")
    return frame


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _is_date(text: str) -> bool:
    formats = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d"}
    if len(text) not in formats:
        return False
    try:
        pd.to_datetime(text, format=formats[len(text)])
    except ValueError:
        return False
    return True


def apply_supplement(register: pd.DataFrame, supplement: pd.DataFrame) -> pd.DataFrame:
    """Fill the register's blank codes and dates from the supplement (never overwrite a value the
    register has) and record the source type of each date.

    ``register`` has one row per constituent council with ``cauthcd``, ``cauthnm``,
    ``established``, ``first_mayor``, ``established_status``, ``first_mayor_status``. The
    supplement matches by authority name (the register leaves some codes blank).
    """
    out = register.copy()
    out["established_source"] = out["established_status"].map(REGISTER_SOURCE).fillna("")
    out["first_mayor_source"] = out["first_mayor_status"].map(REGISTER_SOURCE).fillna("")
    for column in ("cauthcd", "established", "first_mayor"):
        out[column] = out[column].fillna("")
    names = set(out["cauthnm"])
    for row in supplement[supplement["mayoral"] == "yes"].itertuples(index=False):
        if row.name not in names:
            raise RegisterError(
                f"supplement names {row.name!r}, which is not an authority of the register"
            )
        column = "cauthcd" if row.field == "code" else row.field
        target = (out["cauthnm"] == row.name) & (out[column] == "")
        out.loc[target, column] = row.value
        if row.field != "code":
            out.loc[target, f"{row.field}_source"] = row.source_type
    for column in ("established", "first_mayor"):
        source = f"{column}_source"
        for length, precision in ((4, "year only"), (7, "month only")):
            partial = (out[column].str.len() == length) & ~out[source].str.contains("only")
            out.loc[partial, source] = out.loc[partial, source] + f" ({precision})"
    return out


def reconcile(
    register: pd.DataFrame, layer: pd.DataFrame, supplement: pd.DataFrame
) -> pd.DataFrame:
    """Every area of ONS's combined authority layer and every authority of the register.

    ``register`` is :func:`apply_supplement`'s output (one row per constituent council). Returns
    one row per authority: ``code``, ``name`` (register name, else ONS's), ``ons_years``
    ("2018-2023", "from 2024", "all years"), ``in_register``, ``mayoral``, ``finding``; sorted by
    code. Raises
    :class:`RegisterError` when an area of the layer is neither in the register (by code) nor
    explained in the supplement, or when a register code is not in the layer (except the Greater
    London Authority, which ONS does not draw as a combined authority).
    """
    authorities = (
        register.groupby("cauthnm", sort=False).agg(code=("cauthcd", "first")).reset_index()
    )
    by_code = dict(zip(authorities["code"], authorities["cauthnm"], strict=True))
    explained = supplement[supplement["mayoral"] == "no"].set_index("code")
    rows = []
    for area in layer.itertuples(index=False):
        years = (
            f"{area.start}-{area.end}"
            if not pd.isna(area.start) and not pd.isna(area.end)
            else f"from {area.start}"
            if not pd.isna(area.start)
            else f"to {area.end}"
            if not pd.isna(area.end)
            else "all years"
        )
        if area.code in by_code:
            rows.append(
                {
                    "code": area.code,
                    "name": by_code[area.code],
                    "ons_years": years,
                    "in_register": True,
                    "mayoral": True,
                    "finding": "counted from its first mayoral election",
                }
            )
        elif area.code in explained.index:
            rows.append(
                {
                    "code": area.code,
                    "name": explained.at[area.code, "name"],
                    "ons_years": years,
                    "in_register": False,
                    "mayoral": False,
                    "finding": "not counted: " + _lower_first(explained.at[area.code, "source"]),
                }
            )
        else:
            raise RegisterError(
                f"ONS combined authority {area.code} ({area.name}, {years}) is neither in the "
                "devolution register nor explained in the supplement"
            )
    in_layer = set(layer["code"])
    for code, name in by_code.items():
        if code in in_layer:
            continue
        if name == "Greater London Authority":
            rows.append(
                {
                    "code": code or "E61000001",
                    "name": name,
                    "ons_years": "not in the layer",
                    "in_register": True,
                    "mayoral": True,
                    "finding": "London region; ONS does not draw it as a combined authority",
                }
            )
            continue
        raise RegisterError(
            f"register authority {name!r} has code {code!r}, which ONS's combined authority layer "
            "does not contain"
        )
    return pd.DataFrame(rows).sort_values("code", kind="stable").reset_index(drop=True)
