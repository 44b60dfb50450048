"""STUB: replaced by the real views."""

from django.http import HttpResponse


def charter_detail(request, **kwargs):
    return HttpResponse("TODO charter.charter_detail", status=501)


def charter_edit(request, **kwargs):
    return HttpResponse("TODO charter.charter_edit", status=501)


def charter_row_new(request, **kwargs):
    return HttpResponse("TODO charter.charter_row_new", status=501)


def charter_versions(request, **kwargs):
    return HttpResponse("TODO charter.charter_versions", status=501)


def charter_diff(request, **kwargs):
    return HttpResponse("TODO charter.charter_diff", status=501)
