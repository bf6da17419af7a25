"""Fault injection for the crash tests: pause a build at a named point.

``INCIDENTMAP_CHECKPOINT=name`` makes :func:`checkpoint` with that name print
``checkpoint name`` on stderr and sleep, so that a test can SIGKILL the real
process exactly there.  Unset (always, outside tests), it does nothing.
"""

from __future__ import annotations

import os
import sys
import time

CHECKPOINT_ENV = "INCIDENTMAP_CHECKPOINT"
#: Long enough for any test to kill the paused process.
PAUSE_S = 120.0


def checkpoint(name: str) -> None:
    """Pause here when the environment names this checkpoint."""
    if os.environ.get(CHECKPOINT_ENV) == name:
        print(f"checkpoint {name}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_S)
