"""The per-project phase checklist (activities). The gate activity of a phase cannot be removed."""

from django.db import transaction
from django.db.models import Max

from lifecycle.choices import Phase, RaciRole
from lifecycle.models import Activity, Project, RaciAssignment
from lifecycle.services.audit import audit_write
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_edit_project


def _locked_activity(actor: User, activity: Activity) -> Activity:
    # Project first, then the activity: the order every service uses. Locking both in one joined
    # SELECT may take the activity first and deadlock with raci_update, which holds the project and
    # then needs a key-share lock on the activity for its RACI rows.
    project = Project.objects.select_for_update().get(pk=activity.project_id)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    activity.project = project
    if not can_edit_project(actor, activity.project):
        raise NotAllowed("Only the portfolio's program or project managers can edit the checklist.")
    return activity


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("An activity needs a name.", details={"name": "Required."})
    if len(name) > 200:
        raise ValidationFailed("Keep the activity name under 200 characters.", details={"name": "Too long."})
    return name


@transaction.atomic
def activity_add(*, actor: User, project: Project, phase: str, name: str) -> Activity:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_edit_project(actor, project):
        raise NotAllowed("Only the portfolio's program or project managers can edit the checklist.")
    if phase not in Phase.values:
        raise ValidationFailed(f"'{phase}' is not a phase.", details={"phase": "Unknown phase."})
    name = _clean_name(name)
    position = (project.activities.aggregate(top=Max("position"))["top"] or 0) + 1
    activity = Activity.objects.create(project=project, phase=phase, name=name, position=position)
    # A new line starts valid: the owner Responsible, the sponsor Accountable.
    RaciAssignment.objects.create(activity=activity, user_id=project.owner_id, role=RaciRole.RESPONSIBLE)
    if project.sponsor_id != project.owner_id:
        RaciAssignment.objects.create(activity=activity, user_id=project.sponsor_id, role=RaciRole.ACCOUNTABLE)
    else:
        RaciAssignment.objects.filter(activity=activity).update(role=RaciRole.ACCOUNTABLE)
    audit_write(
        actor=actor, action="activity.add", target=activity, project=project, after={"phase": phase, "name": name}
    )
    return activity


@transaction.atomic
def activity_rename(*, actor: User, activity: Activity, name: str) -> Activity:
    activity = _locked_activity(actor, activity)
    name = _clean_name(name)
    if name == activity.name:
        return activity
    before = activity.name
    activity.name = name
    activity.save(update_fields=["name"])
    audit_write(
        actor=actor,
        action="activity.rename",
        target=activity,
        project=activity.project,
        before={"name": before},
        after={"name": name},
    )
    return activity


@transaction.atomic
def activity_set_done(*, actor: User, activity: Activity, done: bool) -> Activity:
    activity = _locked_activity(actor, activity)
    if activity.done == done:
        return activity
    activity.done = done
    activity.save(update_fields=["done"])
    audit_write(
        actor=actor,
        action="activity.done" if done else "activity.reopen",
        target=activity,
        project=activity.project,
        before={"done": not done},
        after={"done": done},
    )
    return activity


@transaction.atomic
def activity_remove(*, actor: User, activity: Activity, reason: str = "") -> None:
    activity = _locked_activity(actor, activity)
    if activity.is_gate:
        raise TransitionNotAllowed("The gate review of a phase cannot be removed from its checklist.")
    project = activity.project
    audit_write(
        actor=actor,
        action="activity.remove",
        target=activity,
        project=project,
        before={"phase": activity.phase, "name": activity.name, "done": activity.done},
        reason=reason,
    )
    activity.delete()
