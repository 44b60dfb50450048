"""Extension points: a lower layer calls a hook, a higher app installs what it does when Django starts.

The layers only import downwards (see the import-linter contracts in pyproject.toml), yet a lifecycle decision
must also freeze the metrics app's MLflow evidence, and a project edit must mark its dashboards for recompute.
The lower layer declares a ``Hook`` with a default that does nothing; the higher app's ``AppConfig.ready``
installs the implementation. One implementation per hook: a second install replaces the first (``ready`` may run
more than once in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    def __init__(self, name: str, default: Callable[P, R]) -> None:
        self.name = name
        self.default = default
        self.implementation: Callable[P, R] = default

    def install(self, implementation: Callable[P, R]) -> None:
        self.implementation = implementation

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.implementation(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {getattr(self.implementation, '__qualname__', self.implementation)}>"
