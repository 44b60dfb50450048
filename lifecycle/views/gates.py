"""STUB: replaced by the real views."""

from django.http import HttpResponse


def gate_request(request, **kwargs):
    return HttpResponse("TODO gates.gate_request", status=501)


def gate_review_detail(request, **kwargs):
    return HttpResponse("TODO gates.gate_review_detail", status=501)


def gate_vote(request, **kwargs):
    return HttpResponse("TODO gates.gate_vote", status=501)


def gate_decide(request, **kwargs):
    return HttpResponse("TODO gates.gate_decide", status=501)


def gate_action_complete(request, **kwargs):
    return HttpResponse("TODO gates.gate_action_complete", status=501)
