from django.urls import path

from . import views

# Two URL trees live in this app: /clients/ (namespace "clients") and /cases/ ("cases").
client_patterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create_view, name="create"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/history/", views.client_history, name="history"),
    path("<int:client_pk>/cases/new/", views.case_create, name="open_case"),
    path("<int:pk>/written-contact/", views.client_written_contact, name="written_contact"),
]

case_patterns = [
    path("", views.case_list, name="list"),
    path("export.csv", views.case_export, name="export"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/history/", views.case_history, name="history"),
    path("<int:pk>/status/", views.case_status, name="status"),
    path("<int:pk>/escalate/", views.case_escalate_view, name="escalate"),
    path("<int:pk>/waiting/", views.case_waiting, name="waiting"),
    path("<int:pk>/boundary-warning/", views.case_boundary_warning, name="boundary_warning"),
]
