"""Worker functions for the dead-worker tests of test_reliability.py.

In a module of their own, importing nothing heavy: worker processes import the module
of the function they run, and each replaced worker does so again.
"""

import os
import signal
import time


def kill_on(path: str, victim: str = "victim") -> str:
    """Die by SIGKILL on files whose name starts with `victim`, else echo the path."""
    if os.path.basename(path).startswith(victim):
        os.kill(os.getpid(), signal.SIGKILL)
    return path.upper()


def slow_analyse(path: str, log: str):
    """Stand-in analysis for `index`: 30 ms, SIGKILL on "victim*" files, the path
    appended to `log` once done."""
    from affect_features.features import FeatureVector

    time.sleep(0.03)
    if os.path.basename(path).startswith("victim"):
        os.kill(os.getpid(), signal.SIGKILL)
    with open(log, "a") as fh:
        fh.write(path + "\n")
    return FeatureVector(("x.a", "x.b"), [1.0, 2.0], "x-1")


def stuck(path: str) -> str:
    """A call the per-file alarm cannot stop (SIGALRM blocked, as in a C call that never
    returns), except on files named "quick"."""
    if os.path.basename(path) != "quick":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    return path
