"""Reads of the portfolio inputs' snapshots for the dashboards and the portfolio roll-up, with a fixed number of
queries whatever the number of projects. One module per part of the portfolio dashboard; every name is here too."""

from metrics.portfolio_inputs.selectors.health import (  # noqa: F401
    CHART_ROW_LIMIT,
    COST_SERIES_METRICS,
    DIMENSION_METRICS,
    MOBILIZE_BIN_DAYS,
    RAG_NAMES,
    CostTotals,
    GateThroughput,
    HealthRow,
    PersonWeeks,
    PhaseAges,
    cost_series,
    cost_totals,
    cumulative_series,
    gate_throughput,
    health_rows,
    last_computed,
    percentiles_by,
    phase_counts,
    phase_duration_snapshots,
    project_snapshots,
    status_counts,
    utilization_rows,
)
from metrics.portfolio_inputs.selectors.project import (  # noqa: F401
    project_dashboard_snapshots,
    project_gate_history,
    project_open_conditions,
)
from metrics.portfolio_inputs.selectors.rollups import (  # noqa: F401
    ROLLUP_METRIC,
    ROLLUP_VALUES_METRIC,
    merged_cumulative_series,
    mobilize_bins,
    percentiles,
    phase_ages,
    portfolio_rollup,
    portfolio_rollups,
    snapshots_version,
)
from metrics.portfolio_inputs.selectors.values import (  # noqa: F401
    BenefitTotals,
    MobilizeStats,
    ProjectValue,
    balance_rows,
    benefit_rows,
    mobilize_stats,
    roadmap_rows,
    roi_rows,
)
