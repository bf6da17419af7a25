"""Fault injection for the crash tests: pause a build at a named point, or say it got there.

``INCIDENTMAP_CHECKPOINT=name`` makes :func:`checkpoint` with that name print
``checkpoint name`` on stderr and sleep, so that a test can SIGKILL (or
SIGINT) the real process exactly there.  ``INCIDENTMAP_TRACE=name,name...``
makes the named checkpoints print the same line and carry on, so that a test
can wait for an event ("this build found the store busy") instead of guessing
with a sleep.  Unset (always, outside tests), both do nothing.
"""

from __future__ import annotations

import os
import sys
import time

CHECKPOINT_ENV = "INCIDENTMAP_CHECKPOINT"
TRACE_ENV = "INCIDENTMAP_TRACE"
#: Long enough for any test to kill the paused process.
PAUSE_S = 120.0


def checkpoint(name: str) -> None:
    """Pause here when the environment names this checkpoint; say so when it traces it."""
    if os.environ.get(CHECKPOINT_ENV) == name:
        print(f"checkpoint {name}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_S)
    elif name in os.environ.get(TRACE_ENV, "").split(","):
        print(f"checkpoint {name}", file=sys.stderr, flush=True)
