"""Form pieces shared by every app."""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

# --- Drawing fields: Django's form rendering with Bootstrap 5 markup ----------------------


class BootstrapBoundField(BoundField):
    """A field that gives its widget Bootstrap 5's class (form-control, form-select or
    form-check-input, with is-invalid while it has errors), wherever it is drawn:
    `{{ form }}`, `{{ field.as_field_group }}` (templates/forms/) or `{{ field }}` alone.
    A class the form already set (form-select-sm, ...) is kept."""

    @property
    def bootstrap_kind(self) -> str:
        """How templates/forms/field.html lays the field out: "choices" (radio buttons or
        checkboxes, one per option), "check" (one checkbox), "select" or "control"."""
        widget = self.field.widget
        if isinstance(widget, forms.RadioSelect):  # CheckboxSelectMultiple is one too
            return "choices"
        if isinstance(widget, forms.CheckboxInput):
            return "check"
        if isinstance(widget, forms.Select):
            return "select"
        return "control"

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        classes = (attrs.get("class") or widget.attrs.get("class") or "").split()
        wanted = [_BOOTSTRAP_CLASS[self.bootstrap_kind]]
        if self.errors:
            wanted.append("is-invalid")
        attrs["class"] = " ".join(classes + [name for name in wanted if name not in classes])
        return attrs


_BOOTSTRAP_CLASS = {
    "choices": "form-check-input",
    "check": "form-check-input",
    "select": "form-select",
    "control": "form-control",
}


class BootstrapRenderer(TemplatesSetting):
    """The project's form renderer (FORM_RENDERER): `{{ form }}` and
    `{{ field.as_field_group }}` are drawn by templates/forms/ in Bootstrap 5 markup."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = BootstrapBoundField


class RequestKeyForm(forms.Form):
    """Carries a random key per rendered form so that submitting it twice creates one record."""

    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where it has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def phrasing_checked(field: forms.Field, *, field_name: str, target: str) -> None:
    """Have `field`'s text box checked for inflaming phrases while the agent types. Use it
    on every field whose text reaches the client (see templates/emails/).

    `field_name` is the name the browser posts (with any form prefix); warnings land in
    the element `target`. They only warn: nothing is ever blocked.
    """
    from django.urls import reverse

    field.widget.attrs.update(
        {
            "hx-post": f"{reverse('phrasing_check')}?field={field_name}",
            "hx-trigger": "load, input changed delay:400ms",
            "hx-target": target,
            "hx-swap": "innerHTML",
            # Only the text checked: htmx would otherwise post the whole enclosing form
            # each time, files chosen in a contact form included.
            "hx-params": field_name,
        }
    )


# --- Dates and times typed in the user's zone --------------------------------------------

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# The companion value posted beside a date-time input: the same wall time with its UTC
# offset, which says which of a repeated hour's two moments it is.
ZONED_SUFFIX = "_zoned"


def wall_time_moments(wall: datetime.datetime, zone) -> list[datetime.datetime]:
    """The moments a wall-clock time names in `zone`: one, two (in the hour an autumn
    clock change repeats, earlier first) or none (in the hour a spring change skips)."""
    moments = []
    for fold in (0, 1):
        moment = wall.replace(tzinfo=zone, fold=fold)
        # zoneinfo gives a skipped time an offset anyway; only a real one survives the
        # round trip through UTC.
        real = moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) == wall
        if real and all(moment.utcoffset() != seen.utcoffset() for seen in moments):
            moments.append(moment)
    return moments


def _describe(moment: datetime.datetime) -> str:
    offset = moment.strftime("%z")
    return f"{moment:%H:%M} {moment.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def _clocks_forward(wall: datetime.datetime, zone) -> tuple[datetime.datetime, datetime.datetime]:
    """For a skipped wall time: the wall time the clocks left and the one they went to."""
    before = wall.replace(tzinfo=zone, fold=0).utcoffset()
    after = wall.replace(tzinfo=zone, fold=1).utcoffset()
    low, high = wall - max(before, after), wall - min(before, after)  # UTC instants around the change
    while high - low > datetime.timedelta(seconds=1):  # clock changes happen on whole seconds
        middle = low + (high - low) / 2
        if middle.replace(tzinfo=datetime.UTC).astimezone(zone).utcoffset() == min(before, after):
            low = middle
        else:
            high = middle
    left = (high + min(before, after)).replace(microsecond=0)
    return left, left + abs(after - before)


def _parse(text: str, input_formats) -> datetime.datetime | None:
    try:
        value = parse_datetime(text)
    except ValueError:
        return None
    if value is not None:
        return value
    for format in input_formats:
        try:
            return datetime.datetime.strptime(text, format)
        except (ValueError, TypeError):
            continue
    return None


class ZonedDateTimeInput(forms.DateTimeInput):
    """A datetime-local input (the browser's own picker: a wall time, no zone) that keeps
    the one thing a wall time cannot say, which of a repeated hour's moments it is.

    Shown with a moment in the repeated hour (a default of "now", a time typed with an
    offset), it writes that moment with its offset in a hidden `<name>_zoned`; shown with
    a typed time the hour repeats, it offers both moments in a `<name>_zoned` menu. The
    companion is used only while the input still shows its wall time, so a time the user
    changes is never moved by a stale offset. Other times render exactly as before.
    """

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL)

    def value_from_datadict(self, data, files, name):
        shown = super().value_from_datadict(data, files, name)
        zoned = data.get(name + ZONED_SUFFIX)
        if isinstance(shown, str) and zoned:
            wall, moment = _parse(shown.strip(), ()), _parse(str(zoned).strip(), ())
            same_wall_time = (
                wall
                and moment
                and timezone.is_naive(wall)
                and timezone.is_aware(moment)
                and timezone.localtime(moment).replace(tzinfo=None) == wall
            )
            if same_wall_time:
                return moment.isoformat()
        return shown

    def _moments(self, value) -> list[datetime.datetime]:
        if isinstance(value, str):
            value = _parse(value.strip(), ())
        if not isinstance(value, datetime.datetime):
            return []
        if timezone.is_aware(value):
            return [timezone.localtime(value)]
        return wall_time_moments(value, timezone.get_current_timezone())

    def format_value(self, value):
        moment = _parse(value.strip(), ()) if isinstance(value, str) else value
        if isinstance(moment, datetime.datetime) and timezone.is_aware(moment):
            # The wall time in the user's zone: the browser's input takes no offset.
            return timezone.localtime(moment).strftime(DATETIME_LOCAL)
        return super().format_value(value)

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        moments = self._moments(value)
        if not moments:
            return html
        wall = moments[0].replace(tzinfo=None, fold=0)
        repeated = wall_time_moments(wall, moments[0].tzinfo)
        if len(repeated) < 2:
            return html  # a wall time that names one moment needs nothing more
        if len(moments) == 1:
            hidden = format_html(
                '<input type="hidden" name="{}" value="{}">', name + ZONED_SUFFIX, moments[0].isoformat("T", "minutes")
            )
            return html + hidden
        options = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((moment.isoformat("T", "minutes"), _describe(moment)) for moment in repeated),
        )
        return html + format_html(
            '<select name="{}" class="form-select mt-1" aria-label="{}"><option value="">{}</option>{}</select>',
            name + ZONED_SUFFIX,
            _("Which one"),
            _("Which one?"),
            options,
        )


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the user's zone (every form's datetime field).

    Refuses a wall time a clock change skips or repeats with a message that says which and
    names the valid choices, instead of Django's generic "may be ambiguous or may not
    exist"; accepts a time with an explicit offset ("2026-10-25T02:30+01:00"), and the
    choice its widget offers for a repeated hour.
    """

    widget = ZonedDateTimeInput
    default_error_messages = {
        "repeated": _(
            "%(time)s happens twice on %(day)s: %(first)s or %(second)s? Pick which one below "
            "(or type the time with its offset, e.g. %(example)s)."
        ),
        "skipped": _("%(time)s does not exist on %(day)s (clocks go forward from %(start)s to %(end)s)."),
    }

    def prepare_value(self, value):
        # Django's turns a moment into a bare wall time, which loses which of a repeated
        # hour's two moments it was; the widget shows the wall time and keeps the moment.
        # In UTC: two local times of one zone compare (and hash) equal across a repeated hour.
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return value.astimezone(datetime.UTC)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            parsed = _parse(value.strip(), self.input_formats)
            if parsed is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = parsed
        elif not isinstance(value, datetime.datetime):  # a date: its midnight
            value = datetime.datetime(value.year, value.month, value.day)
        if timezone.is_aware(value):
            return value
        zone = timezone.get_current_timezone()
        moments = wall_time_moments(value, zone)
        if len(moments) == 1:
            return moments[0]
        day = date_format(value, "j F")
        if moments:
            first, second = moments
            raise ValidationError(
                self.error_messages["repeated"],
                code="repeated",
                params={
                    "time": f"{value:%H:%M}",
                    "day": day,
                    "first": _describe(first),
                    "second": _describe(second),
                    "example": second.isoformat("T", "minutes"),
                },
            )
        start, end = _clocks_forward(value, zone)
        raise ValidationError(
            self.error_messages["skipped"],
            code="skipped",
            params={"time": f"{value:%H:%M}", "day": day, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
        )
