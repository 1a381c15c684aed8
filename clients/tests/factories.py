import factory
from django.utils import timezone

from accounts.tests.factories import TeamFactory, UserFactory
from clients.models import Case, Client, Temperament


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    team = factory.SubFactory(TeamFactory)
    name = factory.Faker("name")
    email = factory.Faker("email")
    company = factory.Faker("company")
    temperament = Temperament.COMPLAINER


class CaseFactory(factory.django.DjangoModelFactory):
    """A case row; tests about opening a case call the case_open service instead."""

    class Meta:
        model = Case

    client = factory.SubFactory(ClientFactory)
    team = factory.SelfAttribute("client.team")
    title = factory.Faker("sentence", nb_words=5)
    problem_statement = factory.Faker("paragraph")
    owner = factory.SubFactory(UserFactory)
    opened_by = factory.SelfAttribute("owner")
    opened_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)
