"""STUB: replaced by the real views."""

from django.http import HttpResponse


def artifact_list(request, **kwargs):
    return HttpResponse("TODO artifacts.artifact_list", status=501)


def artifact_waive(request, **kwargs):
    return HttpResponse("TODO artifacts.artifact_waive", status=501)


def artifact_download(request, **kwargs):
    return HttpResponse("TODO artifacts.artifact_download", status=501)
