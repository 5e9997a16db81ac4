"""``levelup build -P NAME=VALUE``: a notebook parameter overridden as ``quarto render -P`` does."""

from __future__ import annotations

import pytest

from levelup.report.build import Builder, ParameterError, parse_parameter

from .build_support import make_project, options


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("p") / "project")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("target_year=2035", ("target_year", 2035)),
        ("target_year:2035", ("target_year", 2035)),  # Quarto's spelling
        ("reference_geography=E12000001", ("reference_geography", "E12000001")),
        ("baseline_period=2019-20", ("baseline_period", "2019-20")),
        ("baseline_period=2019-04-01", ("baseline_period", "2019-04-01")),  # a date stays text
        ("flag=true", ("flag", True)),
        ("ratio=0.5", ("ratio", 0.5)),
        ("empty=", ("empty", "")),
        ("url=http://x.org/a:b", ("url", "http://x.org/a:b")),
    ],
)
def test_values_are_read_as_yaml_scalars(text, expected):
    assert parse_parameter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("target_year", "write -P name=value"),
        ("=3", "write -P name=value"),
        ("x=[1, 2]", "a single number, text or boolean"),
        ("x={a: 1}", "a single number, text or boolean"),
    ],
)
def test_malformed_overrides_are_refused(text, message):
    with pytest.raises(ParameterError, match=message):
        parse_parameter(text)


def test_an_override_reaches_this_editions_notebooks_and_their_cache_keys(project, tmp_path):
    plain = Builder(options(project, tmp_path / "cache", edition="2026"))
    builder = Builder(
        options(project, tmp_path / "cache", edition="2026", parameters={"target_year": 2035})
    )
    rel = "analysis/missions/m07-health.ipynb"
    job = builder.job(rel, builder.edition)
    assert job.parameters["target_year"] == 2035
    assert job.key_parameters["target_year"] == 2035  # another cache entry than the default's
    assert "target_year" not in plain.job(rel, plain.edition).parameters
    previous = builder.catalogue.edition("2025")  # the comparison edition keeps its defaults
    assert "target_year" not in builder.job(rel, previous).parameters


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nosuch", "no notebook has a parameter 'nosuch'; parameters: baseline_period, "),
        ("edition", "set by the build from data/editions.toml"),
        ("output_dir", "set by the build"),
    ],
)
def test_unknown_or_build_set_parameters_are_refused_before_any_work(
    project, tmp_path, name, message
):
    with pytest.raises(ParameterError, match=message):
        Builder(options(project, tmp_path / "cache", parameters={name: 1}))
    assert not (tmp_path / "cache" / "build" / "runs").exists()  # no notebook ran
