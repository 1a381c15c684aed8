"""Choice labels for model fields, read from a dict built once per field and language."""

from django.utils.hashable import make_hashable
from django.utils.translation import get_language, override


class ChoiceLabels:
    """Model mixin: `get_FOO_display()` without rebuilding the field's choices on each call.

    Django's own builds a dict of all the field's choices on every call, hashing each lazy
    label on the way, and then translates the label (a lookup in the active catalogue): a
    25-row case list calls it about 75 times. Here the labels are translated once per field
    and language and kept as text, so each call is two dict lookups and still shows the
    active language's text. Our choices are fixed enums; a field with choices that change
    at run time should not use this.
    """

    def _get_FIELD_display(self, field):
        by_language = field.__dict__.get("_casebook_choice_labels")
        if by_language is None:
            by_language = field._casebook_choice_labels = {}
        language = get_language()
        labels = by_language.get(language)
        if labels is None:
            with override(language):
                labels = by_language[language] = {
                    make_hashable(value): str(label) for value, label in field.flatchoices
                }
        value = getattr(self, field.attname)
        try:
            return labels.get(value, value)
        except TypeError:  # an unhashable value (a JSON list): Django's own makes it hashable
            return labels.get(make_hashable(value), value)
