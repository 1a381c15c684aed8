from django.urls import path

from . import views

app_name = "playbooks"

# /playbooks/: managers edit their teams' playbooks, concession limits and saved replies.
urlpatterns = [
    path("", views.playbook_list, name="list"),
    path("<id:pk>/edit/", views.playbook_edit, name="edit"),
    path("limits/", views.limits_edit, name="limits"),
    path("replies/new/", views.reply_edit, name="reply_create"),
    path("replies/<id:pk>/", views.reply_edit, name="reply_edit"),
]

# Mounted under /cases/ in the "cases" namespace by casebook/urls.py.
case_patterns = [
    path("<id:case_pk>/file/", views.case_file, name="file"),
    path("<id:case_pk>/close/", views.case_close_review, name="close_review"),
    path("<id:case_pk>/playbook/replies/<id:pk>/", views.reply_render, name="reply_render"),
]
