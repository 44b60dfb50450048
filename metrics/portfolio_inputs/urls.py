"""Pages of the portfolio inputs: a project's input hub, one page per input, row actions; the portfolio's capacity."""

from django.urls import path

from metrics.portfolio_inputs.views import actions, capacity, hub, sections

urlpatterns = [
    # portfolio inputs of a project
    path("projects/<int:pk>/inputs/", hub.project_inputs, name="project-inputs"),
    path("projects/<int:pk>/inputs/benefits/define/", sections.benefit_add, name="project-benefit-add"),
    path("projects/<int:pk>/inputs/costs/<int:row_pk>/correct/", actions.cost_correct, name="cost-entry-correct"),
    path("projects/<int:pk>/inputs/risks/<int:row_pk>/update/", actions.risk_update, name="risk-update"),
    path("projects/<int:pk>/inputs/risks/<int:row_pk>/close/", actions.risk_close, name="risk-close"),
    path("projects/<int:pk>/inputs/issues/<int:row_pk>/close/", actions.issue_close, name="issue-close"),
    path("projects/<int:pk>/inputs/status/override/", actions.rag_override_set, name="rag-override-set"),
    path("projects/<int:pk>/inputs/status/override/revoke/", actions.rag_override_revoke, name="rag-override-revoke"),
    path("projects/<int:pk>/inputs/<slug:slug>/", sections.section_page, name="project-input-section"),
    # capacity is per person and week, across projects: kept by the portfolio
    path("portfolios/<int:pk>/capacity/", capacity.portfolio_capacity, name="portfolio-capacity"),
]
