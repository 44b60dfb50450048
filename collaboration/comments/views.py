"""The comment thread of a target, written in place with htmx.

A thread is one fragment: it is rendered inside the target's page (``{% comment_thread target %}``) and swapped
whole after a post, so the new comment, the emptied form or the refused form with its text and errors all come
from the same template. A plain (non-htmx) post redirects to the comment, or shows the refused form on its own page.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboration.comments import services
from collaboration.comments.forms import CommentForm
from collaboration.comments.models import Comment
from collaboration.comments.rules import ThreadPermissions
from collaboration.comments.selectors import comment_thread, comments_visible_to, mention_candidates
from collaboration.comments.targets import comment_url, target_get, target_kind_of, target_page, target_project
from lifecycle.models import Project
from lifecycle.selectors import projects_visible_to
from portal.exceptions import DomainError
from portfolio.access import AnyUser

THREAD = "collaboration/comments/_thread.html"
COMMENT = "collaboration/comments/_comment.html"
EDIT_FORM = "collaboration/comments/_edit_form.html"
# "@pre" at the end of what was typed so far: the name being typed (Django's username characters).
TYPED_MENTION = r"(?:^|\s)@([\w.@+-]*)$"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _with_permissions(user: AnyUser, comment: Comment, rights: ThreadPermissions | None = None) -> Comment:
    rights = rights or ThreadPermissions.of(user, comment.project)
    comment.can_edit = rights.can_edit(comment)  # type: ignore[attr-defined]
    comment.can_delete = rights.can_delete(comment)  # type: ignore[attr-defined]
    return comment


def thread_context(
    user: AnyUser,
    target: models.Model,
    form: CommentForm | None = None,
    *,
    project: Project | None = None,
    rights: ThreadPermissions | None = None,
    comments: list[Comment] | None = None,
) -> dict[str, Any]:
    """What the thread template shows. A page with several threads passes what it loaded once for all of them."""
    kind = target_kind_of(target)
    project = project or target_project(target)
    rights = rights or ThreadPermissions.of(user, project)  # two queries for the whole thread, not two per comment
    if comments is None:
        comments = list(comment_thread(target))
    rows = [_with_permissions(user, comment, rights) for comment in comments]
    return {
        "kind": kind,
        "target": target,
        "project": project,
        "comments": rows,
        "live_count": sum(1 for comment in rows if not comment.is_deleted),
        "can_comment": rights.may_comment,
        "form": form or CommentForm(),
        "thread_id": f"comments-{kind}-{target.pk}",
    }


def _refused_into(form: CommentForm, error: DomainError) -> None:
    details = error.details if isinstance(error.details, dict) else {}
    for message in details.get("body") or [error.message]:
        form.add_error("body", message)


@login_required
@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """GET: the thread fragment. POST: add a comment and answer the thread (htmx) or go to the comment."""
    target = target_get(request.user, kind, target_id)
    compact = {"compact": request.POST.get("compact", request.GET.get("compact")) == "1"}
    if request.method == "GET":
        return render(request, THREAD, {**thread_context(request.user, target), **compact})
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(actor=request.user, target=target, body=form.cleaned_data["body"])
        except DomainError as error:
            _refused_into(form, error)
        else:
            if not is_htmx(request):
                return redirect(comment_url(comment))
            return render(request, THREAD, {**thread_context(request.user, target), **compact}, status=201)
    context = {**thread_context(request.user, target, form), **compact}
    if is_htmx(request):
        return render(request, THREAD, context, status=422)
    return render(request, "collaboration/comments/refused.html", {**context, "back": target_page(target)}, status=422)


def _visible_comment(request: HttpRequest, pk: int) -> Comment:
    queryset = comments_visible_to(request.user).select_related(
        "project", "author", "deleted_by", "gate_review", "charter", "artifact", "model_alert__deployed_model"
    )
    return get_object_or_404(queryset, pk=pk)


@login_required
@require_GET
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One comment as the thread shows it (what "Cancel" on the inline edit swaps back)."""
    comment = _visible_comment(request, pk)
    if not is_htmx(request):
        return redirect(comment_url(comment))
    return render(request, COMMENT, {"comment": _with_permissions(request.user, comment)})


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(request, pk)
    if request.method == "GET":
        form = CommentForm(initial={"body": comment.body})
        return render(request, EDIT_FORM, {"comment": comment, "form": form})
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_edit(actor=request.user, comment=comment, body=form.cleaned_data["body"])
        except DomainError as error:
            _refused_into(form, error)
        else:
            if not is_htmx(request):
                return redirect(comment_url(comment))
            comment = _visible_comment(request, pk)
            return render(request, COMMENT, {"comment": _with_permissions(request.user, comment)})
    return render(request, EDIT_FORM, {"comment": comment, "form": form}, status=422)


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _visible_comment(request, pk)
    try:
        comment = services.comment_delete(actor=request.user, comment=comment)
    except DomainError as error:
        response = render(request, "lifecycle/includes/htmx_alert.html", {"message": error.message}, status=422)
        response["HX-Retarget"] = "#htmx-alerts"
        response["HX-Reswap"] = "innerHTML"
        return response
    if not is_htmx(request):
        return redirect(comment_url(comment))
    comment = _visible_comment(request, pk)
    return render(request, COMMENT, {"comment": _with_permissions(request.user, comment)})


@login_required
@require_GET
def mention_suggestions(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Members of the project's portfolio matching the name typed after the last "@" of ``body`` (or ``q``)."""
    project = get_object_or_404(projects_visible_to(request.user), pk=project_pk)
    typed = request.GET.get("q")
    if typed is None:
        match = re.search(TYPED_MENTION, request.GET.get("body", "")[-200:])
        typed = match.group(1) if match else None
    people = mention_candidates(project, typed) if typed is not None else []
    return render(request, "collaboration/comments/_mentions.html", {"people": people, "typed": typed})
