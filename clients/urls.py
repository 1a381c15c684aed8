from django.urls import path

from . import views

# Two URL trees live in this app: /clients/ (namespace "clients") and /cases/ ("cases").
client_patterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create_view, name="create"),
    path("<id:pk>/edit/", views.client_edit, name="edit"),
    path("<id:pk>/history/", views.client_history, name="history"),
    path("<id:client_pk>/cases/new/", views.case_create, name="open_case"),
    path("<id:pk>/written-contact/", views.client_written_contact, name="written_contact"),
]

case_patterns = [
    path("export.csv", views.case_export, name="export"),
    path("<id:pk>/edit/", views.case_edit, name="edit"),
    path("<id:pk>/history/", views.case_history, name="history"),
    path("<id:pk>/waiting/", views.case_waiting, name="waiting"),
    path("<id:pk>/boundary-warning/", views.case_boundary_warning, name="boundary_warning"),
]
