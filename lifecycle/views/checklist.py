"""STUB: replaced by the real views."""

from django.http import HttpResponse


def checklist(request, **kwargs):
    return HttpResponse("TODO checklist.checklist", status=501)


def activity_add(request, **kwargs):
    return HttpResponse("TODO checklist.activity_add", status=501)


def activity_rename(request, **kwargs):
    return HttpResponse("TODO checklist.activity_rename", status=501)


def activity_toggle(request, **kwargs):
    return HttpResponse("TODO checklist.activity_toggle", status=501)


def activity_remove(request, **kwargs):
    return HttpResponse("TODO checklist.activity_remove", status=501)
