import factory
from django.utils import timezone

from clients.tests.factories import CaseFactory
from interactions.models import Channel, Direction, Interaction, Mood


class InteractionFactory(factory.django.DjangoModelFactory):
    """An interaction row for read-side tests; behaviour tests log through interaction_log."""

    class Meta:
        model = Interaction

    case = factory.SubFactory(CaseFactory)
    client = factory.SelfAttribute("case.client")
    channel = Channel.CALL
    direction = Direction.INBOUND
    occurred_at = factory.LazyFunction(timezone.now)
    mood = Mood.CALM
    summary = factory.Faker("paragraph")
    logged_by = factory.SelfAttribute("case.owner")
