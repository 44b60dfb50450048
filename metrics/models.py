# Metric snapshots arrive with the metrics engine (issue: metrics and dashboards).
