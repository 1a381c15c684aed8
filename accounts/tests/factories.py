import factory
from django.contrib.auth.models import Group

from accounts.models import Team, User
from accounts.roles import GROUP_NAMES, Role


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member; `role` picks the group and `teams` the teams (default: none)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")
    role = Role.AGENT  # not a model field: taken out in _create

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.set([Group.objects.get(name=GROUP_NAMES[self._role])])

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        role = kwargs.pop("role")
        if role == Role.ADMIN:
            kwargs.update(is_superuser=True, is_staff=True)
        user = super()._create(model_class, *args, **kwargs)
        user._role = role
        return user
