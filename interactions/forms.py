from django import forms
from django.utils import timezone

from casebook.forms import RequestKeyForm

from .models import Channel, Direction, Interaction, Mood

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class InteractionForm(RequestKeyForm):
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.CALL)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INBOUND)
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="Leave as it is for now; set an earlier time for a contact logged afterwards.",
    )
    duration_minutes = forms.IntegerField(label="Duration (minutes)", required=False, min_value=0, max_value=24 * 60)
    mood = forms.ChoiceField(label="Client's mood", choices=Mood.choices, initial=Mood.CALM)
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        help_text="What was said and agreed, in plain words.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["occurred_at"].widget.attrs["max"] = now.strftime(DATETIME_LOCAL)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", now)

    @classmethod
    def correcting(cls, original: Interaction) -> "InteractionForm":
        """A blank form pre-filled with the entry being corrected."""
        return cls(
            initial={
                "channel": original.channel,
                "direction": original.direction,
                "occurred_at": timezone.localtime(original.occurred_at),
                "duration_minutes": original.duration_minutes,
                "mood": original.mood,
                "summary": original.summary,
            }
        )
