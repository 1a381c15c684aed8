from django.urls import path

from . import quick_log as views

app_name = "quick_log"

# /contacts/log/: the "log a contact" dialog every page can open.
urlpatterns = [
    path("", views.quick_log_form, name="form"),
    path("clients/", views.quick_log_clients, name="clients"),
    path("clients/<id:client_pk>/cases/", views.quick_log_cases, name="cases"),
    path("save/", views.quick_log_save, name="save"),
]
