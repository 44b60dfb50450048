"""Helpers for race tests on real PostgreSQL: calls started together, each on its own connection."""

import threading
import time

from django.db import connection

# How long a slowed step holds its lock: long enough for the other thread to arrive and wait on it.
HOLD_LOCK_SECONDS = 0.3


def run_at_once(*calls):
    """Start every call at the same moment, each in its own thread and database connection.

    Returns one ("ok", result) or ("error", exception) per call, in order.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, object]] = [("not run", None)] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except Exception as exc:  # the refusal is the expected outcome of the loser
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return outcomes


def slow_down(monkeypatch, module, name):
    """Make ``module.name`` sleep first, so the other thread arrives while this one holds its lock."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(HOLD_LOCK_SECONDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)
