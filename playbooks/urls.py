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
    path("<id:case_pk>/playbook/choose/", views.choose, name="playbook_choose"),
    path("<id:case_pk>/playbook/steps/<id:step_pk>/complete/", views.step_complete, name="step_complete"),
    path("<id:case_pk>/playbook/steps/<id:step_pk>/skip/", views.step_skip, name="step_skip"),
    path("<id:case_pk>/playbook/options/", views.option_add, name="option_add"),
    path("<id:case_pk>/playbook/concessions/", views.concession_add, name="concession_add"),
    path("<id:case_pk>/playbook/concessions/<id:pk>/decide/", views.concession_decide, name="concession_decide"),
    path("<id:case_pk>/playbook/fault/", views.fault_record, name="fault_record"),
    path("<id:case_pk>/playbook/replies/<id:pk>/", views.reply_render, name="reply_render"),
]
