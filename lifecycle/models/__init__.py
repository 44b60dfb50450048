from lifecycle.models.artifacts import Artifact, ArtifactType, ArtifactVersion, ArtifactWaiver
from lifecycle.models.audit import AuditRecord
from lifecycle.models.charter import Charter, CharterVersion, DataDictionaryEntry, DataSource, Milestone, SuccessMetric
from lifecycle.models.gates import GateAction, GateReview, GateVote
from lifecycle.models.project import PhaseTransition, Project
from lifecycle.models.raci import Activity, RaciAssignment

__all__ = [
    "Activity",
    "Artifact",
    "ArtifactType",
    "ArtifactVersion",
    "ArtifactWaiver",
    "AuditRecord",
    "Charter",
    "CharterVersion",
    "DataDictionaryEntry",
    "DataSource",
    "GateAction",
    "GateReview",
    "GateVote",
    "Milestone",
    "PhaseTransition",
    "Project",
    "RaciAssignment",
    "SuccessMetric",
]
