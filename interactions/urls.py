from django.urls import path

from . import views

# Mounted under /cases/<case_pk>/interactions/ by casebook/urls.py, in the "cases" namespace.
urlpatterns = [
    path("<int:case_pk>/interactions/", views.log_interaction, name="log_interaction"),
    path("<int:case_pk>/interactions/<int:pk>/correct/", views.correct_interaction, name="correct_interaction"),
]
