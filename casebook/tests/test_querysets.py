"""Querysets built once per process hand out copies."""

from casebook.accounts.models import Team
from casebook.querysets import built_once


def test_a_queryset_built_once_is_built_once_and_each_caller_gets_its_own_copy(db):
    builds = []

    @built_once
    def teams():
        builds.append(1)
        return Team.objects.order_by("name")

    first, second = teams(), teams()
    assert len(builds) == 1 and first is not second
    assert list(first) == list(Team.objects.order_by("name"))  # reading one copy...
    Team.objects.create(name="Late team")
    assert "Late team" in {team.name for team in second}  # ...leaves the others unread
    assert "Late team" in {team.name for team in teams()}
