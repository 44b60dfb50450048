"""Pages (htmx fragments) of comment threads."""

from django.urls import path

from collaboration.comments import views

urlpatterns = [
    path("comments/<str:kind>/<int:target_id>/", views.thread, name="comment-thread"),
    path("comments/<int:pk>/", views.comment_detail, name="comment-detail"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment-delete"),
    path("projects/<int:project_pk>/mentions/", views.mention_suggestions, name="comment-mentions"),
]
