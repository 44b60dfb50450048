"""REST API of the metrics app: inputs, imports, snapshots, MLflow links, evidence and alerts."""
