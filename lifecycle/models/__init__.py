from .artifacts import Artifact, ArtifactType, ArtifactVersion, ArtifactWaiver
from .audit import AuditRecord
from .charter import Charter, CharterVersion, DataDictionaryEntry, DataSource, Milestone, SuccessMetric
from .gates import GateAction, GateReview, GateVote
from .project import PhaseTransition, Project
from .raci import Activity, RaciAssignment

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
