"""Browser gate: every page loads cleanly in headless Chromium and passes axe-core.

The site is served over HTTP on ``127.0.0.1`` (random free port; ``file://`` would break
``fetch()``-based search) and every ``.html`` page is loaded in one headless Chromium
(Debian ``chromium``) driven over the DevTools protocol. For each page the gate fails on:

* console errors (``console.error``/``console.assert`` and browser-logged errors) and
  uncaught exceptions or unhandled promise rejections;
* failed requests (HTTP status >= 400, network errors) — e.g. a ``fetch()`` of a missing
  file;
* any request to a host other than the local server: the site must be self-contained
  (such requests are blocked, so nothing leaves the machine);
* a page that does not finish loading within the per-page timeout;
* axe-core violations of impact ``serious`` or ``critical`` (rule id, impact, help, target
  selectors and page are printed), axe being ``node_modules/axe-core/axe.min.js`` (``npm ci``).

A full-page PNG of the front page is saved to ``<out>/screenshots/index.png`` and a JSON
report of every page to ``<out>/browser-report.json``.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from levelup.gates._cdp import BrowserError, Chromium, find_chromium
from levelup.gates._html import html_files
from levelup.gates.result import GateResult

GATE = "browser"
AXE_RELATIVE = Path("node_modules") / "axe-core" / "axe.min.js"
AXE_INSTALL_HINT = "install it with `npm ci` at the repository root (package.json pins axe-core)"
FAILING_IMPACTS = ("serious", "critical")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
VIEWPORT = (1280, 800)
MAX_SCREENSHOT_HEIGHT = 12000


class AxeNotFound(FileNotFoundError):
    pass


def find_axe(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``axe.min.js``: ``explicit``, ``$LEVELUP_AXE``, or ``node_modules`` above cwd/package."""
    if explicit:
        path = Path(explicit)
        if path.is_file():
            return path
        raise AxeNotFound(f"axe-core not found at {path}: {AXE_INSTALL_HINT}")
    if os.environ.get("LEVELUP_AXE"):
        path = Path(os.environ["LEVELUP_AXE"])
        if path.is_file():
            return path
    starts = [Path.cwd().resolve(), Path(__file__).resolve().parent]
    looked = []
    for start in starts:
        for base in (start, *start.parents):
            candidate = base / AXE_RELATIVE
            if candidate.is_file():
                return candidate
        looked.append(str(start / AXE_RELATIVE))
    raise AxeNotFound(f"axe-core not found ({AXE_RELATIVE} above {looked[0]}): {AXE_INSTALL_HINT}")


# -- local static server ---------------------------------------------------------------------
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".csv": "text/csv",
        ".svg": "image/svg+xml",
        ".wasm": "application/wasm",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".webmanifest": "application/manifest+json",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser dropping a connection is not our problem


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 at a free port; yields the base URL (ending in ``/``)."""
    handler = partial(_QuietHandler, directory=str(root))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="gates-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- per-page collection ---------------------------------------------------------------------
@dataclass
class AxeViolation:
    id: str
    impact: str
    help: str
    help_url: str
    targets: list[str]


@dataclass
class PageReport:
    page: str
    url: str
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    axe_violations: list[AxeViolation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # could not load / check the page
    load_seconds: float | None = None
    screenshot: str | None = None

    def failures(self, impacts: Sequence[str] = FAILING_IMPACTS) -> list[str]:
        out = [f"{self.page}: {e}" for e in self.errors]
        out += [f"{self.page}: console error: {m}" for m in self.console_errors]
        out += [f"{self.page}: uncaught exception: {m}" for m in self.exceptions]
        out += [f"{self.page}: failed request: {m}" for m in self.failed_requests]
        out += [
            f"{self.page}: request to external host blocked (site must be self-contained): {u}"
            for u in self.external_requests
        ]
        for v in self.axe_violations:
            if v.impact in impacts:
                targets = ", ".join(v.targets[:5]) + (" ..." if len(v.targets) > 5 else "")
                out.append(
                    f"{self.page}: axe {v.impact} violation '{v.id}': {v.help} "
                    f"[targets: {targets}] ({v.help_url})"
                )
        return out


def _implicit_favicon(url: str) -> bool:
    """Chromium asks every site for /favicon.ico by itself; its absence is not a page error
    (a favicon the page links explicitly is checked by the links gate)."""
    return urlsplit(url).path == "/favicon.ico"


def _remote_text(obj: dict[str, Any]) -> str:
    if "value" in obj:
        value = obj["value"]
        return value if isinstance(value, str) else json.dumps(value)
    return str(obj.get("description") or obj.get("unserializableValue") or obj.get("type", ""))


def _location(params: dict[str, Any]) -> str:
    frames = (params.get("stackTrace") or {}).get("callFrames") or []
    if frames:
        f = frames[0]
        return f" ({f.get('url') or 'inline'}:{f.get('lineNumber', 0) + 1})"
    if params.get("url"):
        return f" ({params['url']}:{params.get('lineNumber', 0) + 1})"
    return ""


class _PageWatcher:
    """Collects the events of one tab (runs on the CDP reader thread)."""

    def __init__(self, browser: Chromium, session_id: str, report: PageReport, base: str) -> None:
        self.browser = browser
        self.session_id = session_id
        self.report = report
        self.base_netloc = urlsplit(base).netloc
        self.loaded = threading.Event()
        self.recording = True
        self.inflight: set[str] = set()
        self.last_activity = time.monotonic()
        self._blocked: set[str] = set()
        self._urls: dict[str, str] = {}  # requestId -> URL, to name failed requests

    def _is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            return True  # data:, blob:, about:, chrome-error: ...
        return (parts.hostname or "") in LOCAL_HOSTS and parts.netloc == self.base_netloc

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        self.last_activity = time.monotonic()
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if self._is_local(url):
                self.browser.call_nowait(
                    "Fetch.continueRequest", {"requestId": params["requestId"]}, self.session_id
                )
            else:
                self._blocked.add(url)
                if self.recording and url not in self.report.external_requests:
                    self.report.external_requests.append(url)
                self.browser.call_nowait(
                    "Fetch.failRequest",
                    {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                    self.session_id,
                )
            return
        if method == "Page.loadEventFired":
            self.loaded.set()
            return
        if method == "Page.javascriptDialogOpening":
            self.browser.call_nowait(
                "Page.handleJavaScriptDialog", {"accept": True}, self.session_id
            )
            if self.recording:
                self.report.console_errors.append(
                    f"page opened a {params.get('type')} dialog: {params.get('message', '')!r}"
                )
            return
        if method == "Network.requestWillBeSent":
            self.inflight.add(params["requestId"])
            self._urls[params["requestId"]] = params.get("request", {}).get("url", "")
            return
        if method in (
            "Network.responseReceived",
            "Network.loadingFinished",
            "Network.loadingFailed",
        ):
            # answered is enough: an unread fetch() body never "finishes"
            self.inflight.discard(params["requestId"])
        if not self.recording:
            return
        if method == "Runtime.consoleAPICalled":
            if params.get("type") in ("error", "assert"):
                text = " ".join(_remote_text(a) for a in params.get("args", []))
                self.report.console_errors.append(text + _location(params))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exc = details.get("exception") or {}
            text = exc.get("description") or details.get("text", "exception")
            self.report.exceptions.append(text.splitlines()[0] + _location(details))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            # network errors are reported (once, with their URL) by the Network events below
            if entry.get("level") == "error" and entry.get("source") != "network":
                self.report.console_errors.append(entry.get("text", "") + _location(entry))
        elif method == "Network.responseReceived":
            response = params.get("response", {})
            status = int(response.get("status", 0))
            if status >= 400 and not _implicit_favicon(response.get("url", "")):
                self.report.failed_requests.append(
                    f"HTTP {status} {response.get('statusText', '')} {response.get('url')}".replace(
                        "  ", " "
                    )
                )
        elif method == "Network.loadingFailed":
            if params.get("canceled"):
                return
            url = self._urls.get(params.get("requestId", ""), "")
            error = params.get("errorText", "failed")
            if url in self._blocked:
                return  # already reported as an external request
            self.report.failed_requests.append(f"{error} {url}".strip())

    def settle(self, quiet: float, limit: float) -> None:
        """Wait until no request is in flight for ``quiet`` seconds (at most ``limit``)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            idle = time.monotonic() - self.last_activity
            if not self.inflight and idle >= quiet:
                return
            time.sleep(0.05)


_AXE_RUN = """
(async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help, help_url: v.helpUrl,
    targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : t)
                                      .join(' ')),
  }));
})()
"""


def _url_for(base: str, rel: str) -> str:
    return base + quote(rel)


def check_page(
    browser: Chromium,
    base: str,
    rel: str,
    *,
    axe_source: str | None,
    screenshot_to: Path | None = None,
    timeout: float = 30.0,
    settle: float = 0.3,
) -> PageReport:
    """Load one page in a fresh tab and collect everything the gate judges."""
    url = _url_for(base, rel)
    report = PageReport(page=rel, url=url)
    target_id = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session_id = None
    try:
        session_id = browser.call(
            "Target.attachToTarget", {"targetId": target_id, "flatten": True}
        )["sessionId"]
        watcher = _PageWatcher(browser, session_id, report, base)
        browser.on(session_id, watcher)
        for method, params in (
            ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),
            ("Network.enable", {}),
            ("Page.enable", {}),
            ("Runtime.enable", {}),
            ("Log.enable", {}),
            (
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": VIEWPORT[0],
                    "height": VIEWPORT[1],
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            ),
        ):
            browser.call(method, params, session_id)
        started = time.monotonic()
        nav = browser.call("Page.navigate", {"url": url}, session_id, timeout=timeout)
        if nav.get("errorText"):
            report.errors.append(f"could not load {url}: {nav['errorText']}")
            return report
        if not watcher.loaded.wait(timeout):
            report.errors.append(f"did not finish loading within {timeout:g}s")
            return report
        watcher.settle(settle, limit=min(5.0, timeout))
        report.load_seconds = round(time.monotonic() - started, 3)
        watcher.recording = False  # from here on, our own scripts run

        if screenshot_to is not None:
            _screenshot(browser, session_id, screenshot_to)
            report.screenshot = str(screenshot_to)

        if axe_source is not None:
            _evaluate(browser, session_id, axe_source, timeout)
            violations = _evaluate(browser, session_id, _AXE_RUN, timeout, await_promise=True)
            report.axe_violations = [AxeViolation(**v) for v in violations or []]
    except BrowserError as exc:
        report.errors.append(f"browser error: {exc}")
    finally:
        if session_id is not None:
            browser.on(session_id, None)
        with contextlib.suppress(BrowserError):
            browser.call("Target.closeTarget", {"targetId": target_id}, timeout=10)
        _relativise(report, base)
    return report


def _relativise(report: PageReport, base: str) -> None:
    """Drop the local server's random origin from messages (``/js/app.js:3``, stable)."""
    origin = base.rstrip("/")
    for name in ("console_errors", "exceptions", "failed_requests"):
        setattr(report, name, [m.replace(origin, "") for m in getattr(report, name)])


def _evaluate(
    browser: Chromium,
    session_id: str,
    expression: str,
    timeout: float,
    await_promise: bool = False,
) -> Any:
    result = browser.call(
        "Runtime.evaluate",
        {
            "expression": expression,
            "awaitPromise": await_promise,
            "returnByValue": True,
            "timeout": int(timeout * 1000),
        },
        session_id,
        timeout=timeout + 5,
    )
    if "exceptionDetails" in result:
        details = result["exceptionDetails"]
        text = (details.get("exception") or {}).get("description") or details.get("text")
        raise BrowserError(f"script failed in page: {text}")
    return result.get("result", {}).get("value")


def _screenshot(browser: Chromium, session_id: str, path: Path) -> None:
    metrics = browser.call("Page.getLayoutMetrics", {}, session_id)
    size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
    height = int(min(max(size.get("height", VIEWPORT[1]), VIEWPORT[1]), MAX_SCREENSHOT_HEIGHT))
    shot = browser.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": VIEWPORT[0], "height": height, "scale": 1},
        },
        session_id,
        timeout=60,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def _front_page(pages: list[str]) -> str:
    return "index.html" if "index.html" in pages else pages[0]


def check_browser(
    site_dir: Path | str,
    out_dir: Path | str,
    *,
    run_axe: bool = True,
    axe_path: str | os.PathLike[str] | None = None,
    chromium: str | None = None,
    page_timeout: float = 30.0,
    impacts: Sequence[str] = FAILING_IMPACTS,
    screenshots: str = "front",
) -> GateResult:
    """Run the browser gate on a built site; artefacts go to ``out_dir``.

    ``screenshots`` is ``"front"`` (only ``screenshots/index.png``), ``"all"`` (one PNG per
    page, named after the page) or ``"none"``.
    """
    site_dir, out_dir = Path(site_dir), Path(out_dir)
    result = GateResult(GATE)
    if not site_dir.is_dir():
        result.fail(f"{site_dir}: site directory does not exist (build the site first)")
        return result
    pages = [p.relative_to(site_dir).as_posix() for p in html_files(site_dir)]
    if not pages:
        result.fail(f"{site_dir}: no .html pages found")
        return result
    executable, axe_source = None, None
    try:
        executable = find_chromium(chromium)
    except BrowserError as exc:
        result.fail(str(exc))
    if run_axe:
        try:
            axe_source = find_axe(axe_path).read_text(encoding="utf-8")
        except AxeNotFound as exc:
            result.fail(str(exc))
    if executable is None or (run_axe and axe_source is None):
        return result

    front = _front_page(pages)
    reports: list[PageReport] = []
    try:
        with serve_directory(site_dir) as base, Chromium(executable) as browser:
            result.note(f"{browser.version} ({executable}), site served at {base}")
            for rel in pages:
                shot = None
                if screenshots == "all" or (screenshots == "front" and rel == front):
                    name = "index.png" if rel == front else rel.replace("/", "__") + ".png"
                    shot = out_dir / "screenshots" / name
                report = check_page(
                    browser, base, rel, axe_source=axe_source, screenshot_to=shot,
                    timeout=page_timeout,
                )  # fmt: skip
                reports.append(report)
                if shot is not None and report.screenshot:
                    result.artifacts[f"screenshot:{rel}"] = shot
            for err in browser.handler_errors:
                result.fail(f"internal error while watching pages: {err}")
    except BrowserError as exc:
        result.fail(f"chromium failed: {exc}")

    for report in reports:
        for failure in report.failures(impacts):
            result.fail(failure)
    if reports and front not in {r.page for r in reports if r.screenshot} and screenshots != "none":
        result.fail(f"{front}: no screenshot of the front page could be taken")
    lesser = sum(1 for r in reports for v in r.axe_violations if v.impact not in impacts)
    if lesser:
        result.note(f"{lesser} axe violation(s) of impact below {'/'.join(impacts)} (not failing)")
    if run_axe:
        result.note(f"axe-core run on {sum(1 for r in reports if not r.errors)} page(s)")
    else:
        result.note("axe-core not run (--no-axe)")
    slow = max((r.load_seconds or 0 for r in reports), default=0)
    result.note(f"{len(reports)} page(s) checked, slowest load {slow:.2f}s")

    out_dir.mkdir(parents=True, exist_ok=True)
    report_path = out_dir / "browser-report.json"
    report_path.write_text(json.dumps([asdict(r) for r in reports], indent=2), encoding="utf-8")
    result.artifacts["report"] = report_path
    result.details["reports"] = reports
    return result
