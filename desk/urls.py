from django.urls import path

from . import chats, views, workspace

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/root-causes/", views.root_causes, name="root_causes"),
    path("my-day/", views.my_day, name="my_day"),
    path("me/outcomes/", views.my_outcomes, name="my_outcomes"),
    path("team/<id:user_id>/outcomes/", views.team_outcomes, name="team_outcomes"),
    path("chats/", chats.queue, name="chats"),
    path("chats/<id:pk>/", chats.chat_detail, name="chat"),
    path("chats/rows/", chats.queue_rows, name="chats_rows"),
    path("chats/<id:pk>/take/", chats.take, name="chat_take"),
    path("chats/<id:pk>/hand-over/", chats.hand_over, name="chat_hand_over"),
]

# The case workspace, in the "clients" and "cases" namespaces beside the apps' own pages
# (casebook/urls.py mounts them).
client_patterns = [
    path("<id:pk>/", workspace.client_detail, name="detail"),
]
case_patterns = [
    path("", views.case_list, name="list"),
    path("<id:pk>/", workspace.case_detail, name="detail"),
    path("<id:pk>/timeline/<id:before>/", workspace.timeline_earlier, name="timeline_earlier"),
    path("<id:pk>/status/", workspace.case_status, name="status"),
    path("<id:pk>/escalate/", workspace.case_escalate_view, name="escalate"),
    path("<id:case_pk>/interactions/", workspace.log_interaction, name="log_interaction"),
    path("<id:case_pk>/interactions/<id:pk>/correct/", workspace.correct_interaction, name="correct_interaction"),
    path("<id:case_pk>/playbook/choose/", workspace.choose, name="playbook_choose"),
    path("<id:case_pk>/playbook/steps/<id:step_pk>/complete/", workspace.step_complete, name="step_complete"),
    path("<id:case_pk>/playbook/steps/<id:step_pk>/skip/", workspace.step_skip, name="step_skip"),
    path("<id:case_pk>/playbook/options/", workspace.option_add, name="option_add"),
    path("<id:case_pk>/playbook/concessions/", workspace.concession_add, name="concession_add"),
    path("<id:case_pk>/playbook/concessions/<id:pk>/decide/", workspace.concession_decide, name="concession_decide"),
    path("<id:case_pk>/playbook/fault/", workspace.fault_record, name="fault_record"),
]
