"""Whether a process still runs: the one check the kernels, the Typst worker and the build's
staging clean-up share."""

from __future__ import annotations

import os
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs: signal 0 reaches it, and ``/proc`` does not show it as a zombie (a
    child that exited but was not yet reaped by its parent). Without ``/proc`` the signal is
    trusted; a process of another user (``PermissionError``) runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
