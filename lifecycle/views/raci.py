"""STUB: replaced by the real views."""

from django.http import HttpResponse


def raci_grid(request, **kwargs):
    return HttpResponse("TODO raci.raci_grid", status=501)
