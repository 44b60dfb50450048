"""HTML pages of the lifecycle. Views are thin: they call lifecycle.services and render."""

from django.urls import path

from lifecycle.views import artifacts, charter, checklist, gates, projects, raci

urlpatterns = [
    # projects
    path("projects/", projects.project_list, name="project-list"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<int:pk>/resume/", projects.project_resume, name="project-resume"),
    path("projects/<int:pk>/history/", projects.project_history, name="project-history"),
    # checklist
    path("projects/<int:pk>/checklist/", checklist.checklist, name="project-checklist"),
    path("projects/<int:pk>/checklist/add/", checklist.activity_add, name="activity-add"),
    path("activities/<int:pk>/rename/", checklist.activity_rename, name="activity-rename"),
    path("activities/<int:pk>/toggle/", checklist.activity_toggle, name="activity-toggle"),
    path("activities/<int:pk>/remove/", checklist.activity_remove, name="activity-remove"),
    # RACI
    path("projects/<int:pk>/raci/", raci.raci_grid, name="project-raci"),
    # artifacts
    path("projects/<int:pk>/artifacts/", artifacts.artifact_list, name="project-artifacts"),
    path("projects/<int:pk>/artifacts/waive/", artifacts.artifact_waive, name="artifact-waive"),
    path("artifact-versions/<int:pk>/download/", artifacts.artifact_download, name="artifact-download"),
    # charter
    path("projects/<int:pk>/charter/", charter.charter_detail, name="charter-detail"),
    path("projects/<int:pk>/charter/edit/", charter.charter_edit, name="charter-edit"),
    path("projects/<int:pk>/charter/rows/<str:section>/new/", charter.charter_row_new, name="charter-row-new"),
    path("projects/<int:pk>/charter/versions/", charter.charter_versions, name="charter-versions"),
    path("projects/<int:pk>/charter/diff/", charter.charter_diff, name="charter-diff"),
    # gate reviews
    path("projects/<int:pk>/gate-reviews/request/", gates.gate_request, name="gate-request"),
    path("gate-reviews/<int:pk>/", gates.gate_review_detail, name="gate-review-detail"),
    path("gate-reviews/<int:pk>/vote/", gates.gate_vote, name="gate-vote"),
    path("gate-reviews/<int:pk>/decide/", gates.gate_decide, name="gate-decide"),
    path("gate-actions/<int:pk>/complete/", gates.gate_action_complete, name="gate-action-complete"),
]
