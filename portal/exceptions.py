"""The domain errors services raise. HTML views show them as messages; the API maps them to 4xx."""

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the action. Nothing was written."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.message}
        if self.details is not None:
            body["errors"] = self.details
        return body


class ValidationFailed(DomainError):
    """Input that breaks a domain rule (e.g. a RACI row without an Accountable)."""


class NotAllowed(DomainError):
    """The actor's roles do not allow this action on an object they can see."""

    status_code = 403
    code = "not_allowed"


class TransitionNotAllowed(DomainError):
    """The object is not in a state where this transition can happen."""

    status_code = 409
    code = "transition_not_allowed"


class MissingArtifacts(TransitionNotAllowed):
    """A gate review was requested while required artifacts are neither provided nor waived."""

    code = "missing_artifacts"


class StaleEdit(DomainError):
    """The edit was based on an older version than the current one; nothing was overwritten."""

    status_code = 409
    code = "stale_edit"

    def __init__(self, message: str, *, current_version: int, current: dict[str, Any]) -> None:
        super().__init__(message, details={"current_version": current_version})
        self.current_version = current_version
        self.current = current
