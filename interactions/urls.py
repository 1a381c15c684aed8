from django.urls import path

from . import views

# Mounted under /cases/<case_pk>/interactions/ by casebook/urls.py, in the "cases" namespace.
urlpatterns = [
    path("<int:case_pk>/interactions/", views.log_interaction, name="log_interaction"),
    path("<int:case_pk>/interactions.csv", views.interactions_export, name="export_interactions"),
    path("<int:case_pk>/interactions/<int:pk>/correct/", views.correct_interaction, name="correct_interaction"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("<int:case_pk>/follow-ups/", views.follow_up_create, name="follow_up_create"),
    path("<int:case_pk>/summary/", views.client_summary_view, name="client_summary"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("follow-ups/<int:pk>/reschedule/", views.follow_up_reschedule_view, name="follow_up_reschedule"),
    path("follow-ups/<int:pk>/cancel/", views.follow_up_cancel_view, name="follow_up_cancel"),
]
