"""How `make test` spreads the suite over its pytest-xdist processes (``-n 2 --dist loadscope``).

Each test is a unit of its own, handed to whichever process is free, in the order pytest-django collected them
(tests that flush the database last: a flush removes the rows the migrations seeded). The groups below run whole
on one process: their tests share a world seeded once per process (a package fixture), or drive Chromium, one
browser at a time. The two seeded groups, the longest work, are handed out first; the browser group keeps its
place among the flushing tests.

(pytest-xdist's own ``loadgroup`` reads ``xdist_group`` marks by renaming node ids, which pytest 9.2 no longer
allows; grouping by path here needs no marks.)
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

# A test whose node id starts with one of these runs on the process that runs the others of its group.
GROUPS: dict[str, str] = {
    "tests/security/": "security world",
    "tests/metrics/seeded_demo/": "seeded demo",
    "tests/e2e/": "browser",
}
BROWSER_SUFFIX = "_browser.py"  # browser tests that live beside their area


def group_of(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    if path.endswith(BROWSER_SUFFIX):
        return "browser"
    return next((group for prefix, group in GROUPS.items() if path.startswith(prefix)), None)


SEEDED_GROUPS = ("security world", "seeded demo")


class GroupScheduling(LoadScopeScheduling):
    def __init__(self, config, log=None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the collection order (see above), not largest scope first
        self._seeded_first = False

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid) or nodeid

    def _assign_work_unit(self, node) -> None:
        if not self._seeded_first:  # the queue is complete before the first unit is handed out
            self._seeded_first = True
            queue = sorted(self.workqueue.items(), key=lambda unit: unit[0] not in SEEDED_GROUPS)  # stable
            self.workqueue.clear()
            self.workqueue.update(queue)
        super()._assign_work_unit(node)
