import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.urls import reverse

from .factories import complete_current

MODELS = [m for m in apps.get_app_config("playbooks").get_models()]


def test_every_playbooks_model_is_in_the_admin():
    for model in MODELS:
        assert model in django_admin.site._registry, model.__name__


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_playbooks_changelists_render(client, admin, case, agent, model):
    complete_current(case, agent)
    client.force_login(admin)
    url = reverse(f"admin:playbooks_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
