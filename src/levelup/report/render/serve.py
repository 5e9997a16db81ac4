"""``serve_and_watch``: serve the rendered site locally and rebuild it when sources change."""

from __future__ import annotations

import functools
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import RenderError


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def serve_and_watch(
    site_dir: Path,
    rebuild: Callable[[set[Path]], object],
    watch_paths: Iterable[Path],
    host: str = "127.0.0.1",
    port: int = 4200,
    *,
    stop_event: threading.Event | None = None,
    log: Callable[[str], None] = print,
    debounce_ms: int = 300,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``site_dir`` on http://host:port/ and call ``rebuild(changed_paths)`` on changes.

    If ``rebuild`` returns a RenderResult, the pages it re-rendered are printed.

    Runs until Ctrl-C (or ``stop_event`` is set). A failing rebuild is reported and the previous
    site keeps being served. Changes under the site's output directory are ignored. ``port=0``
    picks a free port; ``ready(url)`` is called once the server listens.
    """
    import watchfiles

    site_dir = Path(site_dir).resolve()
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer((host, port), handler)
    url = f"http://{host}:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, name="levelup-preview", daemon=True)
    thread.start()
    log(f"Serving {site_dir} at {url} (Ctrl-C to stop)")
    if ready is not None:
        ready(url)
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
            except RenderError as exc:
                log(f"Render failed after changes to {names}:\n{exc}")
                continue
            except Exception:  # noqa: BLE001 - keep serving the previous site
                log(f"Rebuild failed after changes to {names}:\n{traceback.format_exc()}")
                continue
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
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        log("Preview stopped.")
