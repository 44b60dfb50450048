"""Pages of the metrics app: MLflow evidence on gate reviews and the automated gate criteria."""

from django.urls import path

from metrics.evidence import views as evidence

urlpatterns = [
    path("gate-reviews/<int:pk>/evidence/", evidence.review_evidence, name="evidence-review"),
    path("gate-reviews/<int:pk>/evidence/attach/", evidence.evidence_attach, name="evidence-attach"),
    path("gate-reviews/<int:pk>/evidence/<int:evidence_pk>/detach/", evidence.evidence_detach, name="evidence-detach"),
    path("gate-reviews/<int:pk>/evidence/compare/", evidence.evidence_compare, name="evidence-compare"),
    path("gate-reviews/<int:pk>/evidence-requests/", evidence.evidence_request_create, name="evidence-request-create"),
    path(
        "gate-reviews/<int:pk>/evidence-requests/<int:request_pk>/withdraw/",
        evidence.evidence_request_withdraw,
        name="evidence-request-withdraw",
    ),
    path("portfolios/<int:pk>/gate-rules/", evidence.gate_rules, name="evidence-gate-rules"),
    path("gate-rules/<int:pk>/active/", evidence.gate_rule_set_active, name="evidence-gate-rule-active"),
]
