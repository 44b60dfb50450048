"""Where the audit trail takes part in token changes, without portal importing it.

The audit table belongs to lifecycle, a higher layer; ``lifecycle.apps.LifecycleConfig.ready`` installs its
``audit_write`` here (with no project). Called inside the service's transaction.
"""

from __future__ import annotations

from typing import Any

from portal.hooks import Hook


def _not_audited(**record: Any) -> object:
    return None


#: One audit record: ``actor`` (a user, or None when the system acted), ``action``, ``target`` (a model instance),
#: ``before``, ``after``, ``reason``. What it returns (the record) is not used.
token_audit: Hook[..., object] = Hook("token_audit", _not_audited)
