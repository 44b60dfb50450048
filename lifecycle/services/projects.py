import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lifecycle import hooks
from lifecycle.catalog import PHASES
from lifecycle.choices import Phase, ProjectState, RaciRole, RiskTier
from lifecycle.models import Activity, Charter, CharterVersion, PhaseTransition, Project, RaciAssignment
from lifecycle.services.audit import audit_write, changed_fields, json_safe
from lifecycle.services.charter import charter_snapshot
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_edit_project, can_manage_portfolio, is_executive_in, roles_in
from portfolio.choices import EXECUTIVE_ROLES, MANAGER_ROLES
from portfolio.models import BusinessUnit, Portfolio, StrategicGoal

# Fields a manager may edit directly; phase and state change only through gates and resume.
EDITABLE_FIELDS = (
    "name",
    "business_unit",
    "strategic_goal",
    "owner",
    "sponsor",
    "risk_tier",
    "ideation_date",
    "start_date",
    "target_end_date",
)


CODE_MAX_LENGTH = 32  # Project.code
NAME_MAX_LENGTH = 200  # Project.name


def project_snapshot(project: Project) -> dict[str, Any]:
    return json_safe(
        {
            "code": project.code,
            "name": project.name,
            "portfolio": project.portfolio_id,
            "business_unit": project.business_unit_id,
            "strategic_goal": project.strategic_goal_id,
            "owner": project.owner_id,
            "sponsor": project.sponsor_id,
            "risk_tier": project.risk_tier,
            "ideation_date": project.ideation_date,
            "start_date": project.start_date,
            "target_end_date": project.target_end_date,
            "actual_end_date": project.actual_end_date,
            "phase": project.phase,
            "state": project.state,
            "overall_rag": project.overall_rag,
        }
    )


def _check_people(portfolio_id: int, owner: User, sponsor: User) -> None:
    errors: dict[str, str] = {}
    if not (owner.is_superuser or roles_in(owner, portfolio_id) & MANAGER_ROLES):
        errors["owner"] = f"{owner} is not a program or project manager of this portfolio."
    if not (sponsor.is_superuser or roles_in(sponsor, portfolio_id) & EXECUTIVE_ROLES):
        errors["sponsor"] = f"{sponsor} is not an executive leader of this portfolio."
    if owner.pk == sponsor.pk:
        # The seeded RACI makes the owner Responsible and the sponsor Accountable; one person cannot hold both.
        errors["sponsor"] = "The sponsor must be someone other than the owner."
    if errors:
        raise ValidationFailed("The owner or sponsor cannot take that role here.", details=errors)


def _check_values(*, code: str, name: str, risk_tier: str) -> None:
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Required."
    elif len(code) > CODE_MAX_LENGTH:
        errors["code"] = "Too long."
    if not name:
        errors["name"] = "Required."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = "Too long."
    if risk_tier not in RiskTier.values:
        errors["risk_tier"] = f"One of {', '.join(RiskTier.values)}."
    if errors:
        raise ValidationFailed("Some project fields are invalid.", details=errors)


def _check_dates(
    ideation_date: datetime.date, start_date: datetime.date | None, target_end_date: datetime.date | None
) -> None:
    errors: dict[str, str] = {}
    if start_date and start_date < ideation_date:
        errors["start_date"] = "The start date cannot be before the ideation date."
    if target_end_date and target_end_date < (start_date or ideation_date):
        errors["target_end_date"] = "The target end date cannot be before the start (or ideation) date."
    if errors:
        raise ValidationFailed("The dates are not in order.", details=errors)


def _seed_activities(project: Project) -> None:
    """Copy the standard checklist; the owner is Responsible and the sponsor Accountable for each line."""
    position = 0
    assignments = []
    for phase in Phase.ordered():
        definition = PHASES[phase]
        names = [(name, False) for name in definition.activities] + [(definition.gate_activity_name, True)]
        for name, is_gate in names:
            position += 1
            activity = Activity.objects.create(
                project=project, phase=phase, name=name, position=position, is_gate=is_gate
            )
            assignments.append(RaciAssignment(activity=activity, user=project.owner, role=RaciRole.RESPONSIBLE))
            if project.sponsor_id != project.owner_id:
                assignments.append(RaciAssignment(activity=activity, user=project.sponsor, role=RaciRole.ACCOUNTABLE))
            else:
                assignments[-1].role = RaciRole.ACCOUNTABLE
    RaciAssignment.objects.bulk_create(assignments)


def _seed_charter(project: Project, actor: User) -> None:
    """An empty charter at version 1, with its first version kept so later edits have something to diff against."""
    charter = Charter.objects.create(project=project, version=1, updated_by=actor)
    CharterVersion.objects.create(
        charter=charter,
        number=1,
        content=charter_snapshot(charter),
        created_at=timezone.now(),
        created_by=actor,
        note="Created with the project",
    )


def _record_start(project: Project, actor: User) -> None:
    """The first phase transition (nowhere to charter, active), so the phase history starts at creation."""
    PhaseTransition.objects.create(
        project=project,
        from_phase="",
        to_phase=Phase.CHARTER,
        from_state="",
        to_state=ProjectState.ACTIVE,
        actor=actor,
        at=timezone.now(),
        reason="Project created",
    )


@transaction.atomic
def project_create(
    *,
    actor: User,
    code: str,
    name: str,
    portfolio: Portfolio,
    owner: User,
    sponsor: User,
    ideation_date: datetime.date,
    business_unit: BusinessUnit | None = None,
    strategic_goal: StrategicGoal | None = None,
    risk_tier: str = RiskTier.MEDIUM,
    start_date: datetime.date | None = None,
    target_end_date: datetime.date | None = None,
) -> Project:
    if not can_manage_portfolio(actor, portfolio.pk):
        raise NotAllowed("Only the portfolio's program or project managers can create projects in it.")
    code = code.strip().upper()
    name = name.strip()
    _check_values(code=code, name=name, risk_tier=risk_tier)
    if Project.objects.filter(code=code).exists():
        raise ValidationFailed(f"The code {code} is already taken.", details={"code": "Already taken."})
    _check_people(portfolio.pk, owner, sponsor)
    _check_dates(ideation_date, start_date, target_end_date)
    try:
        with transaction.atomic():
            project = Project.objects.create(
                code=code,
                name=name,
                portfolio=portfolio,
                business_unit=business_unit,
                strategic_goal=strategic_goal,
                owner=owner,
                sponsor=sponsor,
                risk_tier=risk_tier,
                ideation_date=ideation_date,
                start_date=start_date,
                target_end_date=target_end_date,
                phase=Phase.CHARTER,
                state=ProjectState.ACTIVE,
                # The RAG stays "not assessed" until the metrics computer finds inputs behind it.
            )
    except IntegrityError as exc:  # a concurrent create took the code between check and insert
        raise ValidationFailed(f"The code {code} is already taken.", details={"code": "Already taken."}) from exc
    _seed_charter(project, actor)
    _seed_activities(project)
    _record_start(project, actor)
    audit_write(actor=actor, action="project.create", target=project, project=project, after=project_snapshot(project))
    hooks.project_changed(project)
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, changes: dict[str, Any], reason: str = "") -> Project:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            "These fields cannot be edited here: " + ", ".join(sorted(unknown)) + ".",
            details={key: "Not editable; phase and state change through gate decisions." for key in unknown},
        )
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_edit_project(actor, project):
        raise NotAllowed("Only the portfolio's program or project managers can edit this project.")
    before = project_snapshot(project)
    for field, value in changes.items():
        setattr(project, field, value)
    project.name = (project.name or "").strip()
    _check_values(code=project.code, name=project.name, risk_tier=project.risk_tier)
    _check_people(project.portfolio_id, project.owner, project.sponsor)
    _check_dates(project.ideation_date, project.start_date, project.target_end_date)
    after = project_snapshot(project)
    before_changed, after_changed = changed_fields(before, after)
    if not after_changed:
        return project
    project.save()
    audit_write(
        actor=actor,
        action="project.update",
        target=project,
        project=project,
        before=before_changed,
        after=after_changed,
        reason=reason,
    )
    hooks.project_changed(project)
    return project


@transaction.atomic
def project_resume(*, actor: User, project: Project, reason: str) -> Project:
    """An executive of the portfolio takes a project off hold."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not (actor.is_superuser or is_executive_in(actor, project.portfolio_id)):
        raise NotAllowed("Only an executive leader of the portfolio can resume a project on hold.")
    if project.state != ProjectState.ON_HOLD:
        raise TransitionNotAllowed(f"Only a project on hold can be resumed; this one is {project.get_state_display()}.")
    if not reason.strip():
        raise ValidationFailed("Say why the project resumes.", details={"reason": "Required."})
    before = project_snapshot(project)
    project.state = ProjectState.ACTIVE
    project.save(update_fields=["state", "updated_at"])
    PhaseTransition.objects.create(
        project=project,
        from_phase=project.phase,
        to_phase=project.phase,
        from_state=ProjectState.ON_HOLD,
        to_state=ProjectState.ACTIVE,
        actor=actor,
        at=timezone.now(),
        reason=reason,
    )
    before_changed, after_changed = changed_fields(before, project_snapshot(project))
    audit_write(
        actor=actor,
        action="project.resume",
        target=project,
        project=project,
        before=before_changed,
        after=after_changed,
        reason=reason,
    )
    hooks.project_changed(project)
    return project
