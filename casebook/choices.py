"""Choice labels for model fields, read from a dict built once per field."""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


class ChoiceLabels:
    """Model mixin: `get_FOO_display()` without rebuilding the field's choices on each call.

    Django's own builds a dict of all the field's choices on every call, hashing each lazy
    label on the way (a translation lookup each): a 25-row case list calls it about 75 times.
    The labels stay lazy in the kept dict, so each call still shows the active language's text.
    Our choices are fixed enums; a field with choices that change at run time should not use this.
    """

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_casebook_choice_labels")
        if labels is None:
            labels = field._casebook_choice_labels = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
