"""Search a project's mirrored MLflow runs: one parser and one query builder for the page and the API.

Query parameters (all optional, combined with AND):

- ``q``: text in the run name or run id;
- ``metric``: ``<key><op><number>`` with op one of >=, >, <=, <, =, repeatable (``metric=val_auc>=0.8``);
- ``param``: ``<key>=<value>``, repeatable (values are compared as the strings MLflow stores);
- ``tag``: ``<key>=<value>``, repeatable;
- ``status``: FINISHED, RUNNING, FAILED, KILLED or SCHEDULED;
- ``sort``: a metric key, ``-<key>`` for descending (runs without the metric last); default newest first;
- ``deleted``: ``true`` (or ``1``) to include runs deleted in MLflow.

Metric values live in a JSON column; each filter and the sort cast the key's text to a float in SQL, so a
search is one query whatever the number of filters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import F, FloatField, Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from metrics.mirror.models import MlflowRun
from portal.exceptions import ValidationFailed
from portal.filters import YES_NO_VALUES

RUN_STATUSES = ("FINISHED", "RUNNING", "FAILED", "KILLED", "SCHEDULED")
OPERATORS = (">=", "<=", ">", "<", "=")
MAX_FILTERS = 10
KEY_MAX = 250
_METRIC = re.compile(r"^\s*(?P<key>[^<>=]+?)\s*(?P<op>>=|<=|>|<|=)\s*(?P<value>\S+)\s*$")
_LOOKUPS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt", "=": "exact"}


class QueryParams(Protocol):
    def get(self, key: str, default: Any = ...) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


@dataclass(frozen=True)
class MetricFilter:
    key: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.key}{self.op}{self.value:g}"


@dataclass(frozen=True)
class RunQuery:
    text: str = ""
    metrics: tuple[MetricFilter, ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    status: str = ""
    sort_key: str = ""
    descending: bool = True
    include_deleted: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def sort(self) -> str:
        if not self.sort_key:
            return ""
        return f"-{self.sort_key}" if self.descending else self.sort_key


def _pair(raw: str, field_name: str, errors: dict[str, str]) -> tuple[str, str] | None:
    key, sep, value = raw.partition("=")
    key = key.strip()
    if not sep or not key or len(key) > KEY_MAX:
        errors[field_name] = f"Write {field_name}s as key=value (got {raw[:40]!r})."
        return None
    return key, value.strip()


def _metric(raw: str, errors: dict[str, str]) -> MetricFilter | None:
    match = _METRIC.match(raw)
    if match is None or len(match["key"]) > KEY_MAX:
        errors["metric"] = f"Write metric filters as key>=number (got {raw[:40]!r})."
        return None
    try:
        value = float(match["value"])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors["metric"] = f"{match['value'][:40]!r} is not a finite number."
        return None
    return MetricFilter(match["key"], match["op"], value)


def _values(data: QueryParams, name: str) -> list[str]:
    return [str(value) for value in data.getlist(name) if str(value).strip()]


def run_query_parse(data: QueryParams) -> RunQuery:
    """The query from request parameters; `errors` (field -> message) lists what could not be read."""
    errors: dict[str, str] = {}
    metrics = [m for m in (_metric(raw, errors) for raw in _values(data, "metric")) if m is not None]
    params = [p for p in (_pair(raw, "param", errors) for raw in _values(data, "param")) if p is not None]
    tags = [t for t in (_pair(raw, "tag", errors) for raw in _values(data, "tag")) if t is not None]
    for name in ("metric", "param", "tag"):  # each list bounded on its own: a bound the API schema can state
        if len(_values(data, name)) > MAX_FILTERS:
            errors[name] = f"At most {MAX_FILTERS} {name} filters."
    status = str(data.get("status") or "").strip().upper()
    if status and status not in RUN_STATUSES:
        errors["status"] = f"One of {', '.join(RUN_STATUSES)}."
        status = ""
    sort = str(data.get("sort") or "").strip()
    descending = sort.startswith("-")
    sort_key = sort.lstrip("-").strip()[:KEY_MAX]
    deleted = str(data.get("deleted") or "").lower()
    if deleted not in YES_NO_VALUES:
        errors["deleted"] = "Must be true or false."
    return RunQuery(
        text=str(data.get("q") or "").strip()[:200],
        metrics=tuple(metrics),
        params=tuple(params),
        tags=tuple(tags),
        status=status,
        sort_key=sort_key,
        descending=descending if sort_key else True,
        include_deleted=bool(YES_NO_VALUES.get(deleted)),
        errors=errors,
    )


def run_query_checked(data: QueryParams) -> RunQuery:
    """Like run_query_parse, but refuses a query with errors (the API answers 400)."""
    query = run_query_parse(data)
    if query.errors:
        raise ValidationFailed("Some run filters could not be read.", details=query.errors)
    return query


def _metric_value(key: str) -> Cast:
    return Cast(KeyTextTransform(key, "metrics"), FloatField())


def runs_search(runs: QuerySet[MlflowRun], query: RunQuery) -> QuerySet[MlflowRun]:
    """`runs` (already scoped to the project's linked experiments) narrowed and ordered by `query`."""
    if not query.include_deleted:
        runs = runs.filter(deleted=False)
    if query.status:
        runs = runs.filter(status=query.status)
    if query.text:
        runs = runs.filter(Q(run_name__icontains=query.text) | Q(run_id__istartswith=query.text))
    conditions: dict[str, Any] = {}
    aliases: dict[str, Any] = {}
    for index, metric in enumerate(query.metrics):
        aliases[f"_metric_{index}"] = _metric_value(metric.key)
        conditions[f"_metric_{index}__{_LOOKUPS[metric.op]}"] = metric.value
    for prefix, column, pairs in (("_param", "params", query.params), ("_tag", "tags", query.tags)):
        for index, (key, value) in enumerate(pairs):
            # Cast: a bare key transform compares as JSON on SQLite; these are the plain strings MLflow stores.
            aliases[f"{prefix}_{index}"] = Cast(KeyTextTransform(key, column), TextField())
            conditions[f"{prefix}_{index}"] = value
    if aliases:
        runs = runs.alias(**aliases).filter(**conditions)
    if query.sort_key:
        runs = runs.alias(_sort=_metric_value(query.sort_key))
        order = F("_sort").desc(nulls_last=True) if query.descending else F("_sort").asc(nulls_last=True)
        return runs.order_by(order, "-start_time", "pk")
    return runs.order_by(F("start_time").desc(nulls_last=True), "pk")


def metric_keys(runs: Sequence[MlflowRun] | QuerySet[MlflowRun], limit: int = 500) -> list[str]:
    """Metric keys logged by (up to `limit` of) the runs, sorted: the choices of the sort and chart pickers."""
    keys: set[str] = set()
    rows = runs.values_list("metrics", flat=True)[:limit] if isinstance(runs, QuerySet) else [r.metrics for r in runs]
    for metrics in rows:
        keys.update((metrics or {}).keys())
    return sorted(keys)


def query_as_params(query: RunQuery) -> Mapping[str, list[str]]:
    """The query back as request parameters (to keep a search in links)."""
    params: dict[str, list[str]] = {
        "metric": [str(metric) for metric in query.metrics],
        "param": [f"{k}={v}" for k, v in query.params],
        "tag": [f"{k}={v}" for k, v in query.tags],
    }
    for name, value in (("q", query.text), ("status", query.status), ("sort", query.sort)):
        if value:
            params[name] = [value]
    return {name: values for name, values in params.items() if values}
