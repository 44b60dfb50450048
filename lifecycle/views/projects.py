"""STUB: replaced by the real views."""

from django.http import HttpResponse


def project_list(request, **kwargs):
    return HttpResponse("TODO projects.project_list", status=501)


def project_create(request, **kwargs):
    return HttpResponse("TODO projects.project_create", status=501)


def project_detail(request, **kwargs):
    return HttpResponse("TODO projects.project_detail", status=501)


def project_edit(request, **kwargs):
    return HttpResponse("TODO projects.project_edit", status=501)


def project_resume(request, **kwargs):
    return HttpResponse("TODO projects.project_resume", status=501)


def project_history(request, **kwargs):
    return HttpResponse("TODO projects.project_history", status=501)
