"""Browser gate: real headless Chromium + axe-core (skipped only when chromium is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from levelup.gates._cdp import BrowserError, Chromium
from levelup.gates.browser import check_browser
from levelup.gates.result import GateResult

from .helpers import make_site, page

BAD_PAGES = {
    "no-alt.html": '<h1>No alt</h1><img src="img/chart.png">',
    "console-error.html": "<h1>Console</h1><script>console.error('chart data missing');</script>",
    "throws.html": "<h1>Throws</h1><script>undefinedFunction();</script>",
    "rejects.html": "<h1>Rejects</h1><script>Promise.reject(new Error('no data'));</script>",
    "external.html": '<h1>External</h1><img src="https://cdn.example.com/logo.png" alt="Logo">',
    "fetch404.html": "<h1>Fetch</h1><script>fetch('missing.json');</script>",
}


@pytest.fixture(scope="module")
def good_result(chromium: str, axe_js: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("browser-good")
    site = make_site(base / "site")
    return check_browser(site, base / "out", chromium=chromium, axe_path=axe_js), base / "out"


@pytest.fixture(scope="module")
def bad_result(chromium: str, axe_js: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("browser-bad")
    site = make_site(base / "site")
    for name, body in BAD_PAGES.items():
        (site / name).write_text(page(name, body))
    return check_browser(site, base / "out", chromium=chromium, axe_path=axe_js)


def _failures_for(result: GateResult, page_name: str) -> list[str]:
    return [f for f in result.failures if f.startswith(f"{page_name}: ")]


def test_good_site_passes_and_keeps_front_page_screenshot(good_result) -> None:
    result, out = good_result
    assert result.passed, result.failures
    shot = out / "screenshots" / "index.png"
    assert shot.is_file()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.artifacts["screenshot:index.html"] == shot
    assert (out / "browser-report.json").is_file()
    assert any("axe-core run on 3 page(s)" in n for n in result.notes)
    reports = {r.page: r for r in result.details["reports"]}
    assert set(reports) == {"index.html", "chapters/pay.html", "chapters/health.html"}
    # the fetch()-based search worked over http://, so no failed request
    assert all(not r.failed_requests for r in reports.values())


def test_good_pages_of_bad_site_stay_clean(bad_result) -> None:
    assert _failures_for(bad_result, "index.html") == []
    assert _failures_for(bad_result, "chapters/pay.html") == []


def test_missing_alt_is_a_critical_axe_violation(bad_result) -> None:
    failures = _failures_for(bad_result, "no-alt.html")
    assert len(failures) == 1, failures
    assert "axe critical violation 'image-alt'" in failures[0]
    assert "Images must have alternative text" in failures[0]
    assert "[targets: img]" in failures[0]


def test_console_error_fails(bad_result) -> None:
    failures = _failures_for(bad_result, "console-error.html")
    assert len(failures) == 1, failures
    assert failures[0].startswith("console-error.html: console error: chart data missing")


def test_uncaught_exception_and_rejection_fail(bad_result) -> None:
    thrown = _failures_for(bad_result, "throws.html")
    assert len(thrown) == 1, thrown
    assert "uncaught exception: ReferenceError: undefinedFunction is not defined" in thrown[0]
    rejected = _failures_for(bad_result, "rejects.html")
    assert len(rejected) == 1, rejected
    assert "uncaught exception" in rejected[0] and "no data" in rejected[0]


def test_request_to_external_host_fails(bad_result) -> None:
    failures = _failures_for(bad_result, "external.html")
    assert failures == [
        "external.html: request to external host blocked (site must be self-contained): "
        "https://cdn.example.com/logo.png"
    ]


def test_failed_fetch_fails(bad_result) -> None:
    failures = _failures_for(bad_result, "fetch404.html")
    assert len(failures) == 1, failures
    assert "failed request: HTTP 404" in failures[0] and "/missing.json" in failures[0]


def test_missing_tools_give_install_hints(good_site: Path, tmp_path: Path) -> None:
    result = check_browser(
        good_site, tmp_path / "out", chromium="/nonexistent/chromium", axe_path=tmp_path / "no.js"
    )
    assert not result.passed
    joined = "\n".join(result.failures)
    assert "chromium not found" in joined and "apt-get install -y chromium" in joined
    assert "axe-core not found" in joined and "npm ci" in joined


def _live_processes_in_group(pgid: int) -> list[int]:
    """Non-zombie processes of a process group (zombies wait for init to reap them)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            live.append(int(stat.parent.name))
    return live


def test_chromium_is_shut_down_cleanly(chromium: str) -> None:
    browser = Chromium(chromium).start()
    assert browser.version.startswith(("Chrome/", "HeadlessChrome/"))
    pid, profile = browser._proc.pid, browser._profile  # type: ignore[union-attr]
    assert profile and os.path.isdir(profile)
    browser.close()
    browser.close()  # idempotent
    assert _live_processes_in_group(pid) == []
    assert not os.path.exists(profile)
    with pytest.raises(BrowserError, match="not running"):
        browser.call("Browser.getVersion")


def test_chromium_killed_mid_run_is_reported(chromium: str, tmp_path: Path) -> None:
    browser = Chromium(chromium).start()
    try:
        os.killpg(browser._proc.pid, 9)  # type: ignore[union-attr]
        with pytest.raises(BrowserError):
            browser.call("Browser.getVersion", timeout=10)
    finally:
        browser.close()


def test_without_chromium_on_path_the_gate_fails_clearly(
    good_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.delenv("LEVELUP_CHROMIUM", raising=False)
    result = check_browser(good_site, tmp_path / "out", run_axe=False)
    assert result.failures == [
        "chromium not found (looked for chromium, chromium-browser, google-chrome-stable, "
        "google-chrome): install it with `apt-get install -y chromium` (Debian)"
    ]


def test_page_that_never_loads_times_out_and_the_run_goes_on(
    chromium: str, axe_js: Path, tmp_path: Path
) -> None:
    site = make_site(tmp_path / "site")
    (site / "busy.html").write_text(page("Busy", "<h1>Busy</h1><script>while (true) {}</script>"))
    result = check_browser(
        site, tmp_path / "out", chromium=chromium, axe_path=axe_js, page_timeout=2
    )
    assert result.failures == ["busy.html: did not finish loading within 2s"]
    assert (tmp_path / "out" / "screenshots" / "index.png").is_file()
    assert "axe-core run on 3 page(s)" in result.notes
