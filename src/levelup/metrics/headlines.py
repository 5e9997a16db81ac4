"""The headline status of every mission: the rows of the "Missions at a glance" table and the
numbers of the executive summary, computed from the mission notebooks' findings.

``data/headlines.yaml`` names, for each mission, the findings of its headline metric(s): latest
value, trend, gap and the verdict read as its progress status. :func:`headline_table` reads those
findings, puts each verdict on the report's status scale (:func:`levelup.metrics.status.headline_status`,
with the metric's polarity and proxy status from the registry) and dates it by the period of the
latest value (:func:`levelup.metrics.status.dated`). A mission's status is that of its first row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from levelup.metrics import status as S
from levelup.metrics.registry import Registry
from levelup.paths import PROJECT_ROOT
from levelup.wording import count, join_names

HEADLINES_PATH = PROJECT_ROOT / "data" / "headlines.yaml"
_PLACEHOLDER = re.compile(r"\{([a-z0-9][a-z0-9_.-]*)\}")


class HeadlineError(ValueError):
    """A headline row names a finding that is not in the findings table."""


@dataclass(frozen=True)
class HeadlineSpec:
    mission: int
    id: str
    label: str
    latest: str
    trend: str
    gap: str = ""
    status: str = ""
    status_note: str = ""
    no_target: bool = False
    gap_latest: str = ""  # a finding whose period dates the gap, when it rests on another series

    @property
    def key(self) -> str:
        return f"m{self.mission:02d}.{self.id}"

    def keys(self) -> list[str]:
        """Every finding key the row reads."""
        keys = [self.latest, self.trend, *_PLACEHOLDER.findall(self.gap)]
        keys += [self.gap_latest] if self.gap_latest else []
        return keys + ([self.status] if self.status else [])


def load_headlines(path: Path = HEADLINES_PATH) -> list[HeadlineSpec]:
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    specs = [HeadlineSpec(**row) for row in doc["rows"]]
    missions = {s.mission for s in specs}
    if missions != set(range(1, 13)):
        raise HeadlineError(
            f"{path}: every mission 1-12 needs a headline row (missing {sorted(set(range(1, 13)) - missions)})"
        )
    seen = set()
    for s in specs:
        if s.key in seen:
            raise HeadlineError(f"{path}: two headline rows {s.key}")
        seen.add(s.key)
    return specs


def english_list(items: list[str], empty: str = "none", sep: str = ", ") -> str:
    """:func:`levelup.wording.join_names`, with ``empty`` for an empty list."""
    return join_names(items, sep=sep) if items else empty


def _lookup(findings: pd.DataFrame) -> dict[str, dict]:
    return {row["key"]: row for row in findings.fillna("").to_dict("records")}


def _display(rows: dict[str, dict], key: str) -> str:
    if key not in rows:
        raise HeadlineError(
            f"headline finding {key!r} is not in the findings (data/headlines.yaml)"
        )
    return str(rows[key].get("display", ""))


def _period(rows: dict[str, dict], key: str) -> str:
    if key not in rows:
        raise HeadlineError(
            f"headline finding {key!r} is not in the findings (data/headlines.yaml)"
        )
    return str(rows[key].get("period", ""))


def _is_proxy(metric, edition: str) -> bool:
    data = metric.data
    return metric.proxy is not None and (
        data is None or (data.editions is not None and edition not in data.editions)
    )


def mission_name(registry: Registry, mission: int, extra: str = "") -> str:
    """'Mission 4 (digital connectivity)'; with ``extra``: 'Mission 3 (transport, data to 2019)'."""
    short = registry.mission(mission).short
    inside = short[:1].lower() + short[1:] + (f", {extra}" if extra else "")
    return f"Mission {mission} ({inside})"


def headline_table(
    findings: pd.DataFrame,
    edition: str | int,
    registry: Registry | None = None,
    specs: list[HeadlineSpec] | None = None,
    *,
    strict: bool = True,
) -> pd.DataFrame:
    """One row per headline metric: latest value and period, data age, trend, gap and status on
    the scale (label, level, the verdict it came from), each verdict dated when the data are.

    A headline metric with no data in the edition (its latest value has no period) is *not
    assessable: no data*. With ``strict=False`` (reading a previous edition, whose notebooks may
    have had other keys) rows naming a finding that is not there are left out instead of raising
    :class:`HeadlineError`.
    """
    registry = registry or Registry()
    specs = specs if specs is not None else load_headlines()
    rows = _lookup(findings)
    edition = str(edition)
    out = []
    for spec in specs:
        latest = rows.get(spec.latest)
        if latest is None:
            if not strict:
                continue
            raise HeadlineError(f"headline finding {spec.latest!r} is not in the findings")
        period = str(latest.get("period", ""))
        metric = registry.metric(latest["metric"]) if latest.get("metric") else None
        try:
            if not period:  # no data in this edition
                verdict, trend, gap, trend_raw, gap_raw = "", "\u2014", "\u2014", "\u2014", "\u2014"
                status = S.Status(S.NOT_ASSESSABLE, S.NO_DATA)
            else:
                verdict = _display(rows, spec.status) if spec.status else ""
                status = S.headline_status(
                    verdict,
                    higher_is_better=metric.higher_is_better if metric else None,
                    proxy=bool(metric) and _is_proxy(metric, edition),
                    has_target=not spec.no_target,
                )
                trend_raw = _display(rows, spec.trend)
                trend = S.dated(trend_raw, period, edition)
                gap_raw = _PLACEHOLDER.sub(lambda m: _display(rows, m.group(1)), spec.gap)
                gap_period = _period(rows, spec.gap_latest) if spec.gap_latest else period
                gap = (
                    S.dated(gap_raw, gap_period, edition)
                    if _PLACEHOLDER.search(spec.gap) and gap_period
                    else gap_raw
                )
                gap, gap_raw = gap or "\u2014", gap_raw or "\u2014"
        except HeadlineError:
            if strict:
                raise
            continue
        label = status.label + (f" {spec.status_note}" if spec.status_note and period else "")
        out.append(
            {
                "mission": spec.mission,
                "id": spec.id,
                "key": spec.key,
                "label": spec.label,
                "metric": latest.get("metric", ""),
                "latest": str(latest.get("display", "")),
                "period": period,
                "data_to": S.data_to(period) if period else "\u2014",
                "age": S.data_age(period, edition) if period else float("nan"),
                "dated": bool(period) and S.is_dated(period, edition),
                "trend": trend,
                "gap": gap,
                "trend_raw": trend_raw,
                "gap_raw": gap_raw,
                "verdict": verdict,
                "level": status.level,
                "slug": status.slug,
                "reason": status.reason,
                "status": S.dated(label, period, edition) if period else label,
            }
        )
    return pd.DataFrame(out)


def mission_statuses(table: pd.DataFrame) -> pd.DataFrame:
    """The first headline row of each mission: the mission's status."""
    return table.drop_duplicates("mission", keep="first").reset_index(drop=True)


def status_changes(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Headline rows whose level on the scale differs from the previous edition's (rows the
    previous edition lacks are left out)."""
    columns = ["mission", "key", "label", "previous", "now"]
    if previous is None or previous.empty:
        return pd.DataFrame(columns=columns)
    before = previous.set_index("key")
    out = []
    for row in current.itertuples():
        if row.key not in before.index:
            continue
        old = before.loc[row.key]
        if old["level"] != row.level:
            prev_label = old["level"] + (f" ({old['reason']})" if old["reason"] else "")
            now_label = row.level + (f" ({row.reason})" if row.reason else "")
            out.append(
                {
                    "mission": row.mission,
                    "key": row.key,
                    "label": row.label,
                    "previous": prev_label,
                    "now": now_label,
                }
            )
    return pd.DataFrame(out, columns=columns)


def glance_markdown(table: pd.DataFrame, registry: Registry | None = None) -> str:
    """The "Missions at a glance" pipe table: each status as a styled span (colour + icon + text,
    :func:`levelup.metrics.status.markup`)."""
    registry = registry or Registry()
    lines = [
        "| Mission | Headline metric | Latest (period) | Trend | Gap between places | Status |",
        # relative column widths: the status column must hold "worsening — data to 2020/21"
        "|:----------|:-------------------|:-------------|:-----------|:----------------|:------------------|",
    ]
    last = None
    for row in table.itertuples():
        mission = (
            # a link by file (Quarto and the built-in engine resolve both), so the cell reads
            # "Mission 1: Living standards", not the chapter cross-reference "Chapter 1: ..."
            f"[Mission {row.mission}: {registry.mission(row.mission).short}]"
            f"(chapters/mission-{row.mission:02d}.qmd)"
            if row.mission != last
            else ""
        )
        last = row.mission
        status = S.markup(row.status, S.Status(row.level, row.reason or "", row.verdict))
        latest = f"{row.latest} ({row.data_to})" if row.period else row.latest
        cells = [mission, row.label, latest, row.trend, row.gap, status]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def record_findings(
    findings,
    table: pd.DataFrame,
    registry: Registry | None = None,
    changes: pd.DataFrame | None = None,
    previous_edition: str = "",
) -> None:
    """Record the summary's findings: every glance cell (``m<NN>.<id>.latest``, ``.data-to``,
    ``.data-age``, ``.trend``, ``.gap``, ``.status``, ``.status-level``), each mission's status
    (``mission.m<NN>.status``...), the count and names of missions at each level
    (``count.<level>``, ``names.<level>``), the dated headline verdicts (``dated.*``) and the
    headline status changes since the previous edition (``changes.*``)."""
    registry = registry or Registry()
    for row in table.itertuples():
        common = {"metric": row.metric, "period": row.period}
        k = row.key
        findings.add(f"{k}.latest", None, display=row.latest, statistic="level", **common)
        findings.add(f"{k}.data-to", None, display=row.data_to, statistic="period", **common)
        findings.add(
            f"{k}.data-age",
            float(row.age),
            unit="years",
            decimals=0,
            statistic="data_age",
            **common,
        )
        findings.add(f"{k}.trend", None, display=row.trend, statistic="trend_verdict", **common)
        findings.add(f"{k}.gap", None, display=row.gap, statistic="gap_verdict", **common)
        findings.add(f"{k}.status", None, display=row.status, statistic="headline_status", **common)
        findings.add(
            f"{k}.status-level", None, display=row.slug, statistic="status_level", **common
        )
    missions = mission_statuses(table)
    for row in missions.itertuples():
        m = f"mission.m{row.mission:02d}"
        common = {"metric": row.metric, "period": row.period}
        findings.add(f"{m}.status", None, display=row.status, statistic="headline_status", **common)
        findings.add(
            f"{m}.status-level", None, display=row.slug, statistic="status_level", **common
        )
        findings.add(f"{m}.data-to", None, display=row.data_to, statistic="period", **common)
        headline = row.label[:1].lower() + row.label[1:]
        findings.add(f"{m}.headline", None, display=headline, statistic="label", **common)
        findings.add(f"{m}.latest", None, display=row.latest, statistic="level", **common)
        findings.add(f"{m}.trend", None, display=row.trend_raw, statistic="trend_verdict", **common)
        gap = (
            row.gap_raw.replace(": ", ", ", 1)
            if row.gap_raw != "\u2014"
            else "not measured for this metric"
        )
        findings.add(f"{m}.gap", None, display=gap, statistic="gap_verdict", **common)
    for level in S.SCALE:
        chosen = missions[missions["level"] == level]
        slug = level.replace(" ", "-")
        findings.add(
            f"count.{slug}",
            float(len(chosen)),
            decimals=0,
            statistic="count",
        )
        names = [mission_name(registry, r.mission, r.reason) for r in chosen.itertuples()]
        findings.add(f"names.{slug}", None, display=english_list(names), statistic="list")
    dated = table[table["dated"]]
    findings.add("dated.count", float(len(dated)), decimals=0, statistic="count")
    findings.add("headline-count", float(len(table)), decimals=0, statistic="count")
    dated_missions = mission_statuses(dated) if not dated.empty else dated
    findings.add(
        "dated.missions-count",
        float(len(dated_missions)),
        decimals=0,
        statistic="count",
        display=count(len(dated_missions), "mission"),
    )
    findings.add(
        "dated.missions",
        None,
        statistic="list",
        display=english_list(
            [
                mission_name(registry, r.mission, f"data to {r.data_to}")
                for r in dated_missions.itertuples()
            ]
        ),
    )
    oldest = table.loc[table["age"].idxmax()] if table["age"].notna().any() else None
    if oldest is not None:
        findings.add(
            "dated.oldest",
            None,
            statistic="period",
            period=oldest["period"],
            display=f"{oldest['data_to']}, for {mission_name(registry, int(oldest['mission']))}",
        )
    findings.add(
        "previous-edition",
        None,
        display=previous_edition or "none (this is the first edition)",
    )
    if not previous_edition or changes is None:
        findings.add(
            "changes.count", 0.0, decimals=0, statistic="count", display="no headline status"
        )
        findings.add(
            "changes.list", None, statistic="list", display="none (this is the first edition)"
        )
    else:
        findings.add(
            "changes.count",
            float(len(changes)),
            decimals=0,
            statistic="count",
            display=count(len(changes), "headline status", "headline statuses"),
        )
        findings.add(
            "changes.list",
            None,
            statistic="list",
            display=english_list(
                [
                    f"{mission_name(registry, int(r.mission))}, {r.label[:1].lower() + r.label[1:]}: "
                    f"{r.previous} in {previous_edition}, {r.now} now"
                    for r in changes.itertuples()
                ],
                empty="none",
                sep="; ",
            ),
        )


def scale_markdown() -> str:
    """The status scale as a pipe table (level with its colour and icon, meaning, verdicts)."""
    lines = [
        "| Status | Meaning | Results that lead to it |",
        "|:---------------|:--------------------------------|:--------------------------------|",
    ]
    for level, meaning, verdicts in S.scale_table():
        reason = "too few data points" if level == S.NOT_ASSESSABLE else ""
        cell = S.markup(level, S.Status(level, reason))
        lines.append(f"| {cell} | {meaning} | {'; '.join(verdicts)} |")
    return "\n".join(lines)


def record_revisions(findings, comparison=None, titles: dict[str, str] | None = None) -> None:
    """The size of the publishers' revisions for the summary: ``revisions.figures`` (figures about
    a past period revised visibly since the previous edition; 0 in a first edition) and
    ``revisions.largest`` (the largest, relative to the previous figure, in words)."""
    from levelup.data.periods import span_label
    from levelup.findings.labels import with_labels

    figures = comparison.revised_figures() if comparison is not None else pd.DataFrame()
    findings.add(
        "revisions.figures",
        float(len(figures)),
        decimals=0,
        statistic="count",
        display=count(len(figures), "figure"),
    )
    if figures.empty:
        findings.add("revisions.largest", None, statistic="revision", display="none")
        return
    top = with_labels(figures.head(1), titles or {}).iloc[0]
    findings.add(
        "revisions.largest",
        None,
        statistic="revision",
        metric=str(top.get("metric", "")),
        period=str(top.get("period", "")),
        display=(
            f"{top['metric_title']} ({top['area_label']}, {span_label(top['period'])}): "
            f"{top['display_previous']} in the previous edition, {top['display']} now"
        ),
    )
