"""``--json``: machine-readable output of the listing and checking commands, JSON only on stdout,
with ids whole (they are what people type next)."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from levelup.cli import app
from levelup.paths import PROJECT_ROOT

runner = CliRunner()


def _json(args: list[str], status: int = 0):
    result = runner.invoke(app, args)
    assert result.exit_code == status, result.output
    return json.loads(result.stdout)


def test_data_validate_json(mirror, tmp_path):
    data = _json(
        ["data", "validate", "curated/community-life-local-area", "--json", "--mirror", str(mirror),
         "--cache", str(tmp_path)]
    )  # fmt: skip
    [row] = data["datasets"]
    assert row["dataset"] == "curated/community-life-local-area" and row["valid"] is True
    assert row["rows"] > 0 and isinstance(row["areas"], int)


def _site(tmp_path, body: str):
    site = tmp_path / "site"
    site.mkdir()
    page = f"<html lang='en'><head><title>T</title></head><body><h1>T</h1>{body}</body></html>"
    (site / "index.html").write_text(page)
    return site


def test_a_gate_as_json(tmp_path):
    ok = _json(["gates", "prose", "--site", str(_site(tmp_path, "<p>Fine.</p>")), "--json"])
    assert ok["name"] == "prose" and ok["passed"] is True and ok["failures"] == []


def test_a_failing_gate_as_json_keeps_its_status(tmp_path):
    site = _site(tmp_path, "<p>Pay grew {{&lt; var pay.growth}}.</p>")
    failed = _json(["gates", "prose", "--site", str(site), "--json"], status=1)
    assert failed["passed"] is False and "raw shortcode" in failed["failures"][0]


def test_all_gates_as_json(tmp_path):
    site = _site(tmp_path, "<p>Fine.</p>")
    args = ["gates", "all", "--site", str(site), "--out", str(tmp_path / "g"), "--json"]
    for gate in ("browser", "numbers", "pdf", "links"):
        args += ["--skip", gate]
    results = _json(args)
    assert {r["name"]: r["status"] for r in results}["prose"] == "passed"
    assert all("seconds" in r for r in results)


def _project_with_findings(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / "data", project / "data", ignore=shutil.ignore_patterns("changes")
    )
    out = project / "_output" / "2026"
    out.mkdir(parents=True)
    (out / "findings.csv").write_text(
        "key,metric,statistic,geography,area,area_name,period,value,lower,upper,unit,n,method,"
        "notebook,display\n"
        "m07-health.hle.gap-between-regions-with-a-long-name,m07,gap,,,,2019,10.3,,,years,,,"
        "m07-health,10.3 years\n"
        "m01-living-standards.pay.growth,m01,growth,,,,2025,4.2,,,%,,,m01-living-standards,4.2%\n"
    )
    return project


def test_findings_lists_keys_with_value_display_and_notebook(tmp_path):
    project = _project_with_findings(tmp_path)
    data = _json(["findings", "hle", "--json", "--project", str(project)])
    assert data == {
        "edition": "2026",
        "findings": [
            {
                "key": "m07-health.hle.gap-between-regions-with-a-long-name",
                "value": "10.3",
                "display": "10.3 years",
                "unit": "years",
                "notebook": "m07-health",
            }
        ],
    }
    assert [
        f["key"]
        for f in _json(["findings", "m0?-*pay*", "--json", "--project", str(project)])["findings"]
    ] == ["m01-living-standards.pay.growth"]
    table = runner.invoke(app, ["findings", "--project", str(project)], terminal_width=60)
    assert table.exit_code == 0
    assert "m07-health.hle.gap-between-regions-with-a-long-name" in table.output
    assert "…" not in table.output


def test_findings_before_any_build_says_what_to_run(tmp_path):
    project = _project_with_findings(tmp_path)
    shutil.rmtree(project / "_output")
    result = runner.invoke(app, ["findings", "--project", str(project)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: no findings for edition 2026 yet: run `levelup build --edition 2026` first"
    )
