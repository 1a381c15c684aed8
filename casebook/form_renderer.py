"""The form renderer: Django's own, with the plain widgets written in Python.

Django renders each widget through two or three nested templates (input, attrs, and one per
<option> of a select): the case page's forms took about a quarter of its rendering time
that way. For the widgets whose templates are Django's stock input, textarea and select
templates, this renderer writes the same markup directly; every other template (custom
widgets, crispy-forms, form and field layouts) goes through the template engine as before.

The fast path checks, once, that Django's templates still read exactly as the code below
reproduces them; after a Django upgrade that changes them, it turns itself off.
"""

from functools import cache
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

_WIDGETS = "django/forms/widgets/"
# The stock templates as this module reproduces them.
_EXPECTED = {
    "input.html": '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
    'value="{{ widget.value|stringformat:\'s\' }}"{% endif %}{% include "django/forms/widgets/attrs.html" %}>',
    "attrs.html": "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}",
    "textarea.html": '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
    "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>",
    "select.html": '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
    "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
    '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
    "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
    "  </optgroup>{% endif %}{% endfor %}\n</select>",
    "select_option.html": "<option value=\"{{ widget.value|stringformat:'s' }}\""
    '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>',
}
_INPUT_INCLUDE = '{% include "django/forms/widgets/input.html" %}'


@cache
def _fast_templates() -> dict[str, str]:
    """Template name -> "input" / "textarea" / "select" for the templates read as expected."""
    folder = Path(django.forms.__file__).parent / "templates" / _WIDGETS
    read = {path.name: path.read_text().strip() for path in folder.glob("*.html")}
    if any(read.get(name) != text for name, text in _EXPECTED.items()):
        return {}
    kinds = {_WIDGETS + name: "input" for name, text in read.items() if text == _INPUT_INCLUDE}
    kinds[_WIDGETS + "input.html"] = "input"
    kinds[_WIDGETS + "textarea.html"] = "textarea"
    kinds[_WIDGETS + "select.html"] = "select"
    return kinds


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _WIDGETS + "select_option.html":
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"  # the included file's last line break
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_WRITERS = {"input": _input, "textarea": _textarea, "select": _select}


class FastWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with the stock input, textarea and select widgets in Python."""

    def render(self, template_name, context, request=None):
        kind = _fast_templates().get(template_name)
        if kind is not None and "widget" in context:
            html = _WRITERS[kind](context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)
