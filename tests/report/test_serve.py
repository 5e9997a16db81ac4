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
            urllib.request.urlopen(urls[0] + "index.html", timeout=5).read() == b"<html>v1</html>"
        )
        time.sleep(0.3)  # let the watcher start
        (src / "a.qmd").write_text("# A changed\n")
        deadline = time.time() + 10
        while not calls and time.time() < deadline:
            time.sleep(0.05)
        assert calls and any(p.name == "a.qmd" for p in calls[0])
        assert (
            urllib.request.urlopen(urls[0] + "index.html", timeout=5).read() == b"<html>v2</html>"
        )
        assert any(line.startswith("Rebuilt in") and "a.qmd" in line for line in logs)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert logs[-1] == "Preview stopped."
