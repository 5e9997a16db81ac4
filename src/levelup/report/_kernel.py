"""Code that runs *inside* the build's Jupyter kernels (never in the build process itself).

The build keeps a small pool of warm kernels and executes one notebook after another in each, so
every notebook must start from the same state whichever kernel runs it and whatever ran before:

* :func:`warm` (once per kernel) imports the heavy modules the notebooks use, snapshots the
  pristine state (environment, ``sys.path``, matplotlib ``rcParams``, warning filters), installs
  the read tracking below and an idle watchdog (a kept-alive kernel exits by itself when unused),
  and freezes the imported modules out of the garbage collector's reach (``gc.freeze``: they
  live as long as the kernel, and every full collection would otherwise walk them again);
* :func:`prepare` (before each notebook) empties the user namespace (what ``%reset -f`` does,
  with one garbage collection instead of two), closes every
  figure, restores the snapshot, resets pandas options, re-seeds the global random generators,
  re-arms "show once" warnings, sets the execution counter to 1, changes to the notebook's
  directory and sets the per-notebook environment (``LEVELUP_READS_LOG``, ``SOURCE_DATE_EPOCH``);
* :func:`finish` (after each notebook) writes what the data layer reported (boundary changes of
  every loaded dataset) next to the reads log.

Read tracking: :meth:`levelup.data.fetch.DataStore.path` appends ``<pin>\\t<sha256>`` to
``$LEVELUP_READS_LOG`` for every pinned file it resolves. A dataset served from the data layer's
parsed-table cache never calls ``path()``, so the table cache key is wrapped here too: every pin
that key depends on is logged the same way. The build turns the log into the notebook's discovered
data dependencies (see :mod:`levelup.report.nbcache`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref

_state: dict = {}
_loaders: weakref.WeakSet = weakref.WeakSet()


# ---------------------------------------------------------------------------------- read tracking
def _log_reads(pins) -> None:
    log = os.environ.get("LEVELUP_READS_LOG")
    if not log or not pins:
        return
    with open(log, "a", encoding="utf-8") as handle:
        for pin in pins:
            handle.write(f"{pin.path}\t{pin.sha256}\n")


def _install_read_tracking() -> None:
    try:
        from levelup.data import load
    except Exception:  # noqa: BLE001 - a project without the data layer: nothing to track
        return
    loader_cls = load.DataLoader
    if getattr(loader_cls, "_levelup_tracked", False):
        return
    original_key = getattr(loader_cls, "_cache_key", None)
    original_init = loader_cls.__init__

    def __init__(self, *args, **kwargs):  # noqa: N807 - wraps the data layer's constructor
        original_init(self, *args, **kwargs)
        _loaders.add(self)

    loader_cls.__init__ = __init__
    if original_key is not None:

        def _cache_key(self, spec, harmonised):
            manifest = self.store.manifest
            seen: list = []
            cls = type(manifest)

            def get(path, _get=cls.get):
                pin = _get(manifest, path)
                seen.append(pin)
                return pin

            def select(*args, _select=cls.select, **kwargs):
                pins = _select(manifest, *args, **kwargs)
                seen.extend(pins)
                return pins

            manifest.get, manifest.select = get, select
            try:
                key = original_key(self, spec, harmonised)
            finally:
                del manifest.get, manifest.select
            _log_reads(seen)
            return key

        loader_cls._cache_key = _cache_key
    loader_cls._levelup_tracked = True


# ---------------------------------------------------------------------------------- idle watchdog
def _install_watchdog(idle_seconds: float) -> None:
    """Exit the kernel after ``idle_seconds`` without executing anything (kept-alive kernels)."""
    if idle_seconds <= 0 or _state.get("watchdog"):
        return
    from IPython import get_ipython

    shell = get_ipython()
    _state["busy"] = 0
    _state["last"] = time.monotonic()

    def pre(*_):
        _state["busy"] = 1

    def post(*_):
        _state["busy"] = 0
        _state["last"] = time.monotonic()

    shell.events.register("pre_execute", pre)
    shell.events.register("post_execute", post)

    def watch() -> None:
        while True:
            time.sleep(min(30.0, max(idle_seconds / 4, 0.5)))
            if not _state["busy"] and time.monotonic() - _state["last"] > idle_seconds:
                os._exit(0)

    threading.Thread(target=watch, name="levelup-idle-watchdog", daemon=True).start()
    _state["watchdog"] = True


# ---------------------------------------------------------------------------------- lifecycle
def warm(modules: list[str], idle_seconds: float = 0.0) -> list[str]:
    """Import ``modules`` (failures are returned, not raised) and snapshot the pristine state."""
    import importlib

    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a notebook importing it will report it
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    if "pristine" not in _state:
        _state["pristine"] = {
            "environ": dict(os.environ),
            "path": list(sys.path),
            "cwd": os.getcwd(),
        }
    if "matplotlib" in sys.modules and "rc" not in _state:
        import matplotlib

        _state["rc"] = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}
    import warnings

    if "warnings" not in _state:
        _state["warnings"] = list(warnings.filters)
    _install_read_tracking()
    _install_watchdog(idle_seconds)
    import gc

    gc.collect()
    gc.freeze()
    return failed


def prepare(cwd: str, env: dict, unset: list[str] = ()) -> None:
    """Reset the kernel to its pristine state and set up the next notebook."""
    import random
    import warnings

    from IPython import get_ipython

    shell = get_ipython()
    shell.reset(new_session=False)  # %reset -f, less the magic's second gc.collect()
    shell.execution_count = 1
    pristine = _state["pristine"]
    os.environ.clear()
    os.environ.update(pristine["environ"])
    for name in unset:
        os.environ.pop(name, None)
    os.environ.update({k: str(v) for k, v in env.items()})
    sys.path[:] = pristine["path"]
    os.chdir(cwd)
    if "matplotlib" in sys.modules:
        import matplotlib
        import matplotlib.pyplot as plt

        plt.close("all")
        if "rc" in _state:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                matplotlib.rcParams.update(_state["rc"])
    if "pandas" in sys.modules:
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
    if "numpy" in sys.modules:
        import numpy as np

        np.random.seed(0)
    random.seed(0)
    warnings.filters[:] = _state.get("warnings", warnings.filters)
    reset_once = getattr(warnings, "_filters_mutated", None)
    if reset_once is not None:  # "once"/"default" warnings show again in every notebook
        reset_once()
    _loaders.clear()


def finish(meta_dir: str) -> None:
    """After a notebook: record the boundary changes of every dataset it loaded."""
    import csv
    from pathlib import Path

    rows = []
    for loader in list(_loaders):
        for dataset_id, report in sorted(getattr(loader, "reports", {}).items()):
            for row in getattr(report, "boundaries", None) or []:
                rows.append({"edition": str(loader.edition.year), **row, "dataset_id": dataset_id})
    from levelup.data.schema import BOUNDARY_COLUMNS
    from levelup.safe_output import neutralise_row

    fields = ["edition", *BOUNDARY_COLUMNS]
    target = Path(meta_dir) / "boundaries.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in sorted(rows, key=lambda r: tuple(str(r.get(f, "")) for f in fields)):
            writer.writerow(neutralise_row(row))
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    _loaders.clear()
