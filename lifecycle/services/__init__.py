"""Every write of the lifecycle goes through a function here.

Each one is atomic, locks the row whose state it changes, checks the actor's rights and the
domain rules, writes an audit record, and raises a portal.exceptions.DomainError when refused,
leaving nothing behind.
"""

from lifecycle.services.artifacts import artifact_add_version, artifact_waive, artifacts_missing_for_gate
from lifecycle.services.charter import charter_snapshot, charter_update
from lifecycle.services.checklist import activity_add, activity_remove, activity_rename, activity_set_done
from lifecycle.services.gates import gate_action_complete, gate_decide, gate_review_request, gate_vote
from lifecycle.services.projects import project_create, project_resume, project_update
from lifecycle.services.raci import raci_update

__all__ = [
    "activity_add",
    "activity_remove",
    "activity_rename",
    "activity_set_done",
    "artifact_add_version",
    "artifact_waive",
    "artifacts_missing_for_gate",
    "charter_snapshot",
    "charter_update",
    "gate_action_complete",
    "gate_decide",
    "gate_review_request",
    "gate_vote",
    "project_create",
    "project_resume",
    "project_update",
    "raci_update",
]
