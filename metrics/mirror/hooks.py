"""What other areas do after the mirror stored new data (installed by ``metrics.apps.MetricsConfig.ready``)."""

from portal.hooks import Hook

#: An experiment link's sync stored its runs; called with the link's id, after the watermark moved.
experiment_link_synced: Hook[[int], None] = Hook("experiment_link_synced", lambda link_id: None)
