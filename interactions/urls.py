from django.urls import path

from . import views

# Mounted under /cases/<case_pk>/interactions/ by casebook/urls.py, in the "cases" namespace.
urlpatterns = [
    path("<id:case_pk>/interactions.csv", views.interactions_export, name="export_interactions"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("<id:case_pk>/follow-ups/", views.follow_up_create, name="follow_up_create"),
    path("<id:case_pk>/summary/", views.client_summary_view, name="client_summary"),
    path("follow-ups/<id:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("follow-ups/<id:pk>/reschedule/", views.follow_up_reschedule_view, name="follow_up_reschedule"),
    path("follow-ups/<id:pk>/cancel/", views.follow_up_cancel_view, name="follow_up_cancel"),
]
