"""``{% comment_thread target %}``: the comment thread of a gate review, charter, artifact or model alert.

Rendered inside the target's page (no change to the page's view), so a link to ``#comment-<id>`` lands on the
comment at once; the thread's own htmx requests then replace it in place. A page holding many threads (one per
artifact, one per alert) loads the project's comments and the reader's rights once for all of them.
"""

from collections import defaultdict
from typing import Any

from django import template
from django.db import models
from django.http import HttpRequest

from collaboration.comments.models import Comment
from collaboration.comments.rules import ThreadPermissions
from collaboration.comments.selectors import project_comments
from collaboration.comments.targets import target_kind_of, target_project, target_project_id
from collaboration.comments.views import thread_context
from lifecycle.models import Project

register = template.Library()

PageThreads = tuple[ThreadPermissions, dict[tuple[str, int], list[Comment]]]


def _page_threads(request: HttpRequest, project: Project) -> PageThreads:
    loaded: dict[int, PageThreads] = request.__dict__.setdefault("_comment_threads", {})
    if project.pk not in loaded:
        threads: dict[tuple[str, int], list[Comment]] = defaultdict(list)
        for comment in project_comments(project):
            threads[(comment.target_kind, comment.target_id)].append(comment)
        loaded[project.pk] = (ThreadPermissions.of(request.user, project), threads)
    return loaded[project.pk]


@register.inclusion_tag("collaboration/comments/_thread.html", takes_context=True)
def comment_thread(context: template.Context, target: models.Model, compact: bool = False) -> dict[str, Any]:
    request = context["request"]
    page_project = context.get("project")
    if isinstance(page_project, Project) and page_project.pk == target_project_id(target):
        project = page_project
    else:
        project = target_project(target)
    rights, threads = _page_threads(request, project)
    comments = threads.get((target_kind_of(target), target.pk), [])
    return {
        **thread_context(request.user, target, project=project, rights=rights, comments=comments),
        "compact": compact,
        "with_script": True,  # the page loads the thread's few lines of JavaScript once (the file guards itself)
        "csrf_token": context.get("csrf_token"),
    }
