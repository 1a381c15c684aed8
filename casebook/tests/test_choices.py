"""get_FOO_display() from the kept labels reads as Django's own, in the active language."""

from django.apps import apps
from django.db import models
from django.utils import translation

from casebook.choices import ChoiceLabels


def choice_fields():
    for model in apps.get_models():
        if issubclass(model, ChoiceLabels):
            yield from ((model, field) for field in model._meta.fields if field.choices)


def test_every_choice_reads_as_django_reads_it():
    checked = 0
    for model, field in choice_fields():
        for value, _label in field.flatchoices:
            row = model(**{field.attname: value})
            assert row._get_FIELD_display(field) == models.Model._get_FIELD_display(row, field)
            checked += 1
        row = model(**{field.attname: "not-a-choice"})
        assert row._get_FIELD_display(field) == "not-a-choice"
    assert checked > 40


def test_labels_are_kept_per_language_so_each_request_gets_its_own():
    model, field = next(choice_fields())
    row = model(**{field.attname: field.flatchoices[0][0]})
    for language in ("en", "fr"):
        with translation.override(language):
            assert row._get_FIELD_display(field) == models.Model._get_FIELD_display(row, field)
    assert {"en", "fr"} <= set(field._casebook_choice_labels)
    assert all(isinstance(label, str) for label in field._casebook_choice_labels["fr"].values())
