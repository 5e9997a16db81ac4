"""serve_and_watch: serves the site and rebuilds on change."""

from __future__ import annotations

import threading
import time
import urllib.request

from levelup.report.render import serve_and_watch


def test_serves_site_and_rebuilds_on_change(tmp_path):
    site = tmp_path / "out" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<html>v1</html>")
    src = tmp_path / "chapters"
    src.mkdir()
    (src / "a.qmd").write_text("# A\n")
    calls: list[set] = []
    logs: list[str] = []
    ready = threading.Event()
    urls: list[str] = []
    stop = threading.Event()

    def rebuild(changed):
        calls.append(changed)
        (site / "index.html").write_text("<html>v2</html>")

    def on_ready(url):
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=serve_and_watch,
        args=(site, rebuild, [src]),
        kwargs={
            "port": 0,
            "stop_event": stop,
            "log": logs.append,
            "ready": on_ready,
            "debounce_ms": 50,
        },
        daemon=True,
    )
    thread.start()
    try:
        assert ready.wait(10)
        assert urls[0].startswith("http://127.0.0.1:")
        assert (
            urllib.request.urlopen(urls[0] + "index.html", timeout=5)
            .read()
            .startswith(b"<html>v1</html>")
        )
        time.sleep(0.3)  # let the watcher start
        (src / "a.qmd").write_text("# A changed\n")
        deadline = time.time() + 10
        while not calls and time.time() < deadline:
            time.sleep(0.05)
        assert calls and any(p.name == "a.qmd" for p in calls[0])
        assert (
            urllib.request.urlopen(urls[0] + "index.html", timeout=5)
            .read()
            .startswith(b"<html>v2</html>")
        )
        assert any(line.startswith("Rebuilt in") and "a.qmd" in line for line in logs)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert logs[-1] == "Preview stopped."


def _get(url: str) -> tuple[int, str]:
    import urllib.error

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_pages_reload_after_a_rebuild_and_show_a_failed_one(tmp_path):
    """The live-reload script is injected into served pages (not the files); the status endpoint
    moves on after each rebuild and carries a failed rebuild's error, which the page overlays."""
    import json

    from levelup.report.build import BuildError
    from levelup.report.render import PreviewServer

    site = tmp_path / "out" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<html><body><p>v1</p></body></html>")
    (site / "data.csv").write_text("a,b\n1,2\n")
    src = tmp_path / "chapters"
    src.mkdir()
    (src / "a.qmd").write_text("# A\n")
    fail = {"now": False}
    logs: list[str] = []

    def rebuild(changed):
        if fail["now"]:
            raise BuildError("chapters/a.qmd:3: unknown finding key 'm07.gap'")
        (site / "index.html").write_text("<html><body><p>v2</p></body></html>")

    server = PreviewServer(site, "127.0.0.1", 0)
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_and_watch,
        args=(site, rebuild, [src]),
        kwargs={
            "server": server,
            "known_errors": (BuildError,),
            "stop_event": stop,
            "log": logs.append,
            "debounce_ms": 50,
        },
        daemon=True,
    )
    thread.start()

    def status() -> dict:
        return json.loads(_get(server.url + "__levelup/status")[1])

    def wait_for(version: int) -> dict:
        deadline = time.time() + 10
        while (now := status())["version"] < version and time.time() < deadline:
            time.sleep(0.05)
        return now

    try:
        code, page = _get(server.url)
        assert code == 200 and "<p>v1</p>" in page and 'id="levelup-live-reload"' in page
        assert page.index("levelup-live-reload") < page.index("</body>")
        assert "levelup-live-reload" not in (site / "index.html").read_text()  # files untouched
        assert _get(server.url + "data.csv") == (200, "a,b\n1,2\n")  # other files as they are
        assert status() == {"version": 0, "error": None}
        time.sleep(0.3)  # let the watcher start
        (src / "a.qmd").write_text("# A changed\n")
        assert wait_for(1) == {"version": 1, "error": None}  # browsers reload
        assert "<p>v2</p>" in _get(server.url + "index.html")[1]

        fail["now"] = True
        (src / "a.qmd").write_text("# A broken\n")
        failed = wait_for(2)
        assert failed["version"] == 2
        assert "chapters/a.qmd:3: unknown finding key 'm07.gap'" in failed["error"]
        assert "<p>v2</p>" in _get(server.url)[1]  # the previous site is still served
        assert any("Traceback" not in line and "a.qmd:3" in line for line in logs)
        missing = _get(server.url + "chapters/new.html")
        assert missing[0] == 500 and "unknown finding key" in missing[1]

        fail["now"] = False
        (src / "a.qmd").write_text("# A fixed\n")
        assert wait_for(3) == {"version": 3, "error": None}
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_busy_port_is_refused_when_the_server_is_created(tmp_path):
    import pytest

    from levelup.report.render import PortInUseError, PreviewServer

    first = PreviewServer(tmp_path, "127.0.0.1", 0)
    try:
        port = first.httpd.server_address[1]
        with pytest.raises(PortInUseError, match=f"port {port} on 127.0.0.1 is already in use"):
            PreviewServer(tmp_path, "127.0.0.1", port)
    finally:
        first.close()
