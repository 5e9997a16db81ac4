"""The metric registry: schema, completeness against the annex, and resolution to real data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from levelup.metrics.registry import (
    CAPITALS,
    Registry,
    RegistryError,
    coverage_summary,
    is_file_input,
)
from levelup.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry()


def _normalise(text: str) -> str:
    text = (
        text.replace("’", "'")
        .replace("–", "-")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
    )
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def test_covers_all_missions_and_capitals(registry):
    for number in range(1, 13):
        assert any(m.role == "headline" for m in registry.for_mission(number)), number
    for capital in CAPITALS:
        assert registry.for_capital(capital), capital


def test_every_annex_figure_15_metric_is_registered(registry):
    titles = {_normalise(m.title) for m in registry.metrics}
    for expected in [
        "gross value added (gva) per hour worked",
        "gross median weekly pay (£)",
        "employment rate for 16-64-year olds",
        "proportion of jobs that are low paid",
        "disability employment rate gap",
        "usual method of travel to work by region of workplace",
        "percentage of premises with gigabit-capable broadband",
        "healthy life expectancy (hle)",
        "average anxiety ratings",
        "proportion of non-decent rented homes",
        "number of first time buyers",
        "hospital admissions for assault with a sharp object amongst under-25s",
        "percent of the population living in an area covered by the highest level of devolution",
    ]:
        assert expected in titles, expected


def test_mission_statements_and_target_quotes_come_from_the_annex(registry, annex_text):
    annex = _normalise(annex_text)
    for number in range(1, 13):
        assert _normalise(registry.mission(number).statement) in annex, number
    for metric in registry.metrics:
        for target in (metric.target, metric.area_target, metric.gap_target):
            if target is None:
                continue
            for fragment in re.split(r"\s*\.\.\.\s*", target.quote):
                fragment = _normalise(fragment).strip("'\" .")
                assert fragment in annex, (metric.id, fragment)


def test_quantified_targets_are_data(registry):
    targets = {m.id: m.target for m in registry.metrics if m.target}
    assert (targets["m10-non-decent-rented"].kind, targets["m10-non-decent-rented"].value) == (
        "change_rel",
        -0.5,
    )
    assert (targets["m05-ks2-rwm"].kind, targets["m05-ks2-rwm"].value) == ("level", 90)
    assert (
        targets["m06-fe-achievements"].value,
        targets["m06-fe-achievements"].baseline_period,
    ) == (200000, "2018-08-01/P1Y")
    assert targets["m04-gigabit"].value == 99 and targets["m04-4g-coverage"].value == 95
    assert (targets["m07-hle"].value, targets["m07-hle"].target_year) == (5, 2035)
    assert (targets["m02-public-rd"].kind, targets["m02-public-rd"].value) == ("change_rel", 0.40)


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_every_mapping_resolves_in_the_editions_it_claims(registry, edition, request):
    from levelup.metrics.cli import available_indicators

    loader = request.getfixturevalue(f"loader_{edition}")
    ids = available_indicators(loader)
    for metric in registry.metrics:
        for mapping in (metric.data, metric.proxy):
            if mapping is None or (
                mapping.editions is not None and edition not in mapping.editions
            ):
                continue
            if mapping.indicator:
                assert mapping.indicator in ids, (metric.id, mapping.indicator)
                if mapping.dataset:
                    assert mapping.indicator in set(loader.load(mapping.dataset)["indicator_id"]), (
                        metric.id
                    )
            for other in mapping.breakdown + [i for i in mapping.inputs if not is_file_input(i)]:
                assert other in ids, (metric.id, other)
    rows = registry.coverage(edition, ids)
    summary = coverage_summary(rows)
    assert summary["with_data"] >= 35 and summary["annex_metrics"] >= 49
    assert {r["status"] for r in rows} <= {
        "data",
        "derived",
        "proxy",
        "not in this edition",
        "unavailable",
    }
    unavailable = [r for r in rows if r["status"] == "unavailable"]
    assert all(r["reason"] for r in unavailable)


def _broken(tmp_path: Path, edit) -> Path:
    document = yaml.safe_load((PROJECT_ROOT / "data" / "metrics.yaml").read_text())
    edit(document)
    path = tmp_path / "metrics.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["metrics"][0].pop("data"),
            "metrics.0: Value error, m01-gva-per-hour: give exactly one of `data` or `unavailable`",
        ),
        (lambda d: d["metrics"][1].update(missions=[13]), "missions are numbered 1-12"),
        (
            lambda d: d["metrics"].append(dict(d["metrics"][0])),
            "duplicate metric ids: ['m01-gva-per-hour']",
        ),
        (lambda d: d["metrics"][0].update(polarity="up"), "metrics.0.polarity"),
        (lambda d: d["missions"].pop(7), "all 12 missions"),
        (
            lambda d: d["metrics"][0]["target"].pop("quote"),
            "metrics.0.target.quote: Field required",
        ),
        (lambda d: d["metrics"][0]["target"].update(kind="level"), "a level target needs a value"),
    ],
)
def test_broken_registries_are_refused_with_the_location(tmp_path, edit, message):
    with pytest.raises(RegistryError) as info:
        Registry(_broken(tmp_path, edit))
    assert message in str(info.value)


def test_annex_figures_are_quoted_verbatim_from_the_annex(registry, annex_text):
    """Every annex figure is quoted as printed; the withheld ones are the working copy's '[…]'."""
    annex = _normalise(annex_text)
    figures = registry.annex_figures()
    assert {f.mission for f in figures} >= {2, 3, 4, 5, 6, 7, 10, 11, 12}
    for figure in figures:
        quote = _normalise(figure.quote)
        assert quote in annex, figure.id
        assert ("[…]" in quote) == figure.withheld, figure.id
        for printed in figure.figures:
            assert printed in figure.quote, (figure.id, printed)


def test_an_annex_figure_is_either_printed_or_withheld():
    from levelup.metrics.registry import AnnexFigure

    common = {"id": "x", "mission": 1, "quote": "q", "period": "2019"}
    common["computed_by"] = {"metric": "m", "statistic": "s"}
    AnnexFigure(**common, figures=["2%"], status="computed")
    AnnexFigure(**common, withheld=True, status="computed")
    for wrong in ({"figures": []}, {"figures": ["2%"], "withheld": True}):
        with pytest.raises(ValueError, match="printed figures, or mark it withheld"):
            AnnexFigure(**common, **wrong, status="computed")


def test_annex_chart_points_must_be_printed_figures():
    from levelup.metrics.registry import AnnexFigure

    common = {"id": "x", "mission": 4, "quote": "q", "period": "2017", "status": "computed"}
    common["computed_by"] = {"metric": "m", "statistic": "s"}
    figure = AnnexFigure(
        **common, figures=["80%"], points=[{"figure": "80%", "value": 80, "period": "2017"}]
    )
    assert figure.points[0].value == 80
    with pytest.raises(ValueError, match="not one of its printed figures"):
        AnnexFigure(
            **common, figures=["80%"], points=[{"figure": "92%", "value": 92, "period": "2021"}]
        )
    with pytest.raises(ValueError, match="does not match the printed"):
        AnnexFigure(
            **common, figures=["80%"], points=[{"figure": "80%", "value": 8, "period": "2017"}]
        )


def test_the_mission_4_annex_figures_carry_their_chart_points(registry):
    points = {p.figure: p.period for f in registry.annex_figures(4) for p in f.points}
    assert points == {"80%": "2017-01-01/P1Y", "92%": "2021-12-01/P1M", "63%": "2022-01-01/P1M"}


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_annex_figures_of_missions_4_to_10_name_statistics_the_report_computes(registry, edition):
    """``computed_by`` names a (metric, statistic) pair recorded in the accepted findings."""
    import pandas as pd

    from levelup.paths import PROJECT_ROOT

    findings = pd.read_csv(PROJECT_ROOT / "tests" / "ground_truth" / f"findings-{edition}.csv")
    recorded = set(zip(findings["metric"], findings["statistic"], strict=True))
    for figure in registry.annex_figures():
        if figure.mission not in (4, 5, 6, 7, 8, 10) or figure.status == "unavailable":
            continue
        pair = (figure.computed_by["metric"], figure.computed_by["statistic"])
        assert pair in recorded, (figure.id, pair)
