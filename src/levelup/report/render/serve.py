"""``levelup preview``'s server: serves the rendered site, reloads the browser after each rebuild
and shows a failed rebuild's error in the page.

Every HTML page is served with a small script injected (into the response only, never into the
files): it polls ``/__levelup/status`` (``{"version": n, "error": text or null}``) once a second,
reloads the page when the version changes and overlays the error while the last rebuild failed.
"""

from __future__ import annotations

import errno
import functools
import html
import json
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import RenderError

STATUS_PATH = "/__levelup/status"

LIVE_RELOAD_SCRIPT = """<script id="levelup-live-reload">
(function () {
  var seen = null;
  function show(error) {
    var box = document.getElementById("levelup-build-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "levelup-build-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0 0 auto 0;max-height:60vh;overflow:auto;" +
        "margin:0;padding:1em;background:#fff0f0;color:#600;border-bottom:3px solid #c00;" +
        "font:14px/1.4 monospace;white-space:pre-wrap;z-index:99999";
      document.body.appendChild(box);
    }
    box.textContent = "The last rebuild failed (this page is the previous build):\\n\\n" + error;
  }
  function poll() {
    fetch("__STATUS__", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.version !== seen && !s.error) { location.reload(); return; }
      seen = s.version;
      show(s.error);
    }).catch(function () {}).finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>""".replace("__STATUS__", STATUS_PATH)


class PortInUseError(OSError):
    """The preview's port is taken (another preview, or another server)."""


class _PreviewHandler(SimpleHTTPRequestHandler):
    preview: PreviewServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == STATUS_PATH:
            self._send(200, "application/json", json.dumps(self.preview.status()).encode())
            return
        local = Path(self.translate_path(path))
        if local.is_dir():
            local = local / "index.html"
        if local.suffix == ".html" and local.is_file():
            self._send(200, "text/html; charset=utf-8", inject_live_reload(local.read_bytes()))
            return
        if not local.exists() and self.preview.error:
            page = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Build failed"
                f"</title></head><body><h1>Build failed</h1><pre>{html.escape(self.preview.error)}"
                "</pre></body></html>"
            )
            self._send(500, "text/html; charset=utf-8", inject_live_reload(page.encode()))
            return
        super().do_GET()

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def inject_live_reload(page: bytes) -> bytes:
    """``page`` with the live-reload script before its ``</body>`` (appended when it has none)."""
    script = LIVE_RELOAD_SCRIPT.encode()
    at = page.rfind(b"</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


class PreviewServer:
    """The preview's HTTP server, bound at construction (so a busy port is refused before any
    build) and serving ``site_dir`` once ``start()`` is called."""

    def __init__(self, site_dir: Path, host: str = "127.0.0.1", port: int = 4200):
        self.site_dir = Path(site_dir).resolve()
        self.version = 0
        self.error: str | None = None
        self._lock = threading.Lock()
        handler = type("Handler", (_PreviewHandler,), {"preview": self})
        try:
            self.httpd = ThreadingHTTPServer(
                (host, port), functools.partial(handler, directory=str(self.site_dir))
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    exc.errno,
                    f"port {port} on {host} is already in use (another `levelup preview`?): stop "
                    "it or pass --port N (0: any free port)",
                ) from None
            raise
        self.url = f"http://{host}:{self.httpd.server_address[1]}/"
        self._thread: threading.Thread | None = None

    def status(self) -> dict:
        with self._lock:
            return {"version": self.version, "error": self.error}

    def reloaded(self) -> None:
        """A rebuild succeeded: browsers reload."""
        with self._lock:
            self.version += 1
            self.error = None

    def failed(self, message: str) -> None:
        """A rebuild failed: browsers show ``message`` over the previous build."""
        with self._lock:
            self.version += 1
            self.error = message

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="levelup-preview", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()


def serve_and_watch(
    site_dir: Path,
    rebuild: Callable[[set[Path]], object],
    watch_paths: Iterable[Path],
    host: str = "127.0.0.1",
    port: int = 4200,
    *,
    server: PreviewServer | None = None,
    known_errors: tuple[type[Exception], ...] = (),
    stop_event: threading.Event | None = None,
    log: Callable[[str], None] = print,
    debounce_ms: int = 300,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``site_dir`` on http://host:port/ and call ``rebuild(changed_paths)`` on changes.

    If ``rebuild`` returns a RenderResult, the pages it re-rendered are printed.

    Runs until Ctrl-C (or ``stop_event`` is set). A failing rebuild is reported in the terminal
    and in the browser, and the previous site keeps being served; a successful one reloads the
    browser. Changes under the site's output directory are ignored. ``port=0`` picks a free port;
    ``server`` is an already bound PreviewServer; ``ready(url)`` is called once it serves.
    ``known_errors`` are reported by their message alone (others with their traceback).
    """
    import watchfiles

    site_dir = Path(site_dir).resolve()
    server = server or PreviewServer(site_dir, host, port)
    server.start()
    log(f"Serving {site_dir} at {server.url} (Ctrl-C to stop)")
    if ready is not None:
        ready(server.url)
    stop = stop_event or threading.Event()
    ignore = [str(site_dir.parent)]
    watch_filter = watchfiles.DefaultFilter(ignore_paths=ignore)
    paths = [Path(p) for p in watch_paths]
    try:
        for changes in watchfiles.watch(
            *paths,
            watch_filter=watch_filter,
            stop_event=stop,
            debounce=debounce_ms,
            raise_interrupt=True,
        ):
            changed = {Path(p) for _, p in changes}
            names = ", ".join(sorted(p.name for p in changed))
            t0 = time.perf_counter()
            try:
                outcome = rebuild(changed)
            except (RenderError, *known_errors) as exc:
                log(f"Rebuild failed after changes to {names}:\n{exc}")
                server.failed(f"Rebuild failed after changes to {names}:\n{exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - keep serving the previous site
                log(f"Rebuild failed after changes to {names}:\n{traceback.format_exc()}")
                server.failed(f"Rebuild failed after changes to {names}:\n{exc}")
                continue
            server.reloaded()
            pages = getattr(outcome, "rendered_pages", None)
            what = (
                f": re-rendered {', '.join(pages) if pages else 'no pages (all cached)'}"
                if pages is not None
                else ""
            )
            log(f"Rebuilt in {time.perf_counter() - t0:.2f}s after changes to {names}{what}")
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        log("Preview stopped.")
