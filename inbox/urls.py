from django.urls import path

from . import views

app_name = "inbox"

# /mail/: mail from clients.
urlpatterns = [
    path("", views.triage, name="triage"),
    path("<id:pk>/", views.message_detail, name="message"),
    path("<id:pk>/raw/", views.message_raw, name="raw"),
    path("<id:pk>/place/", views.place, name="place"),
    path("<id:pk>/ignore/", views.ignore, name="ignore"),
    path("<id:pk>/mood/", views.confirm_mood, name="confirm_mood"),
    path("contact/<id:interaction_pk>/", views.original_of_interaction, name="original"),
    path("webhook/<id:mailbox_pk>/", views.webhook, name="webhook"),
    path("mailboxes/", views.mailboxes, name="mailboxes"),
    path("mailboxes/new/", views.mailbox_edit, name="mailbox_new"),
    path("mailboxes/<id:pk>/", views.mailbox_edit, name="mailbox_edit"),
    path("mailboxes/<id:pk>/webhook-secret/", views.mailbox_webhook_secret, name="mailbox_webhook_secret"),
]
