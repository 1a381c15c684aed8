"""Statements are compiled once per shape, run with each call's values, and prepared on PostgreSQL."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from accounts.models import Notice, Team, User
from casebook.querysets import id_or_404, one_or_404, statement

# --- statements ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _count_only_real_builds(settings):
    settings.CASEBOOK_STATEMENT_VERIFY = False  # it builds every statement again on each call


def _counting(build):
    """The statement of `build`, and the list of the shapes it was built for."""
    builds = []

    def counted(*args, **options):
        builds.append((args, options))
        return build(*args, **options)

    counted.__name__ = build.__name__
    return statement(counted), builds


def test_a_statement_reads_what_its_queryset_reads_and_is_built_once_per_shape(db, django_assert_num_queries):
    teams = [Team.objects.create(name=name) for name in ("Ada", "Bea", "Cy")]
    by_ids, builds = _counting(lambda ids: Team.objects.filter(pk__in=ids).order_by("name"))

    assert by_ids((teams[0].pk, teams[2].pk)) == [teams[0], teams[2]]
    assert by_ids((teams[1].pk, teams[0].pk)) == [teams[0], teams[1]]  # same shape: not built again
    assert len(builds) == 1
    with django_assert_num_queries(1):
        assert by_ids((teams[2].pk,)) == [teams[2]]  # one id: another shape, built once more
    assert len(builds) == 2
    Team.objects.filter(pk=teams[2].pk).update(name="Cyrus")
    assert by_ids((teams[2].pk,))[0].name == "Cyrus"  # the rows are read afresh each time


def test_a_statement_runs_no_query_for_an_empty_tuple(db, django_assert_num_queries):
    by_ids, _ = _counting(lambda ids: Team.objects.filter(pk__in=ids))
    with django_assert_num_queries(0):
        assert by_ids(()) == []


def test_none_and_options_are_part_of_a_statements_shape(db):
    ada, bea = Team.objects.create(name="Ada"), Team.objects.create(name="Bea")
    named, builds = _counting(
        lambda pk, *, newest_first: (Team.objects.all() if pk is None else Team.objects.filter(pk=pk)).order_by(
            "-name" if newest_first else "name"
        )
    )
    assert named(None, newest_first=False) == [ada, bea]
    assert named(None, newest_first=True) == [bea, ada]
    assert named(ada.pk, newest_first=True) == [ada]
    assert len(builds) == 3


def test_a_statement_keeps_select_related_annotations_and_prefetches(db, agent, django_assert_num_queries):
    Notice.objects.create(user=agent, message="Call back")
    with_count, _ = _counting(
        lambda pk: User.objects.filter(pk=pk).annotate(n=Count("notices")).prefetch_related("teams")
    )
    with_count(agent.pk)
    with django_assert_num_queries(2):  # the user with the count, and the teams
        (found,) = with_count(agent.pk)
        assert found.n == 1 and [team.name for team in found.teams.all()] == ["Customer Care"]


def test_a_statement_refuses_arguments_that_could_not_be_parameters(db):
    by_pk, _ = _counting(lambda pk: Team.objects.filter(pk=pk))
    for wrong in ("1", 1.0, True, [1], ("1",)):
        with pytest.raises(TypeError):
            by_pk(wrong)
    first, _ = _counting(lambda n: Team.objects.all()[:n])  # a limit is written into the SQL
    with pytest.raises(TypeError, match="as a parameter"):
        first(3)
    unread, _ = _counting(lambda pk: list(Team.objects.filter(pk=pk)))
    with pytest.raises(AttributeError):
        unread(1)


def test_verification_catches_sql_that_depends_on_a_value(db, settings):
    # Wrong: the SQL changes with the value itself, not only its shape (compiled with an
    # even stand-in, run with an odd id).
    odd, _ = _counting(lambda pk: Team.objects.filter(pk=pk) if pk % 2 else Team.objects.filter(pk=pk, name="Ada"))
    settings.CASEBOOK_STATEMENT_VERIFY = True
    with pytest.raises(AssertionError, match="differs"):
        odd(1)


# --- prepared on PostgreSQL -------------------------------------------------------------

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")


def _odd_teams():
    # `%` in the SQL itself (the modulo), beside the parameters.
    return _counting(lambda ids: Team.objects.filter(pk__in=ids).annotate(odd=F("pk") % 2).order_by("pk"))[0]


@postgres_only
def test_a_statement_runs_prepared_with_its_sql_in_the_log(db, settings):
    settings.CASEBOOK_PREPARED_STATEMENTS = True
    ada, bea = Team.objects.create(name="Ada"), Team.objects.create(name="Bea")
    odd_teams = _odd_teams()
    with CaptureQueriesContext(connection) as queries:
        rows = odd_teams((ada.pk, bea.pk))
    assert [(row.pk, row.odd) for row in rows] == [(ada.pk, ada.pk % 2), (bea.pk, bea.pk % 2)]
    (query,) = queries.captured_queries  # preparing it is not one of the page's queries
    assert query["sql"].startswith("EXECUTE casebook_")
    assert 'FROM "accounts_team"' in query["sql"] and '"accounts_team"."id" %' in query["sql"]


@postgres_only
def test_a_prepared_statement_outlives_a_rollback_and_is_prepared_again_on_a_new_connection(transactional_db, settings):
    settings.CASEBOOK_PREPARED_STATEMENTS = True
    ada = Team.objects.create(name="Ada")
    odd_teams = _odd_teams()
    with transaction.atomic():
        assert [row.pk for row in odd_teams((ada.pk,))] == [ada.pk]
        transaction.set_rollback(True)
    assert [row.pk for row in odd_teams((ada.pk,))] == [ada.pk]
    connection.close()
    assert [row.pk for row in odd_teams((ada.pk,))] == [ada.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%accounts_team%"])
        assert cursor.fetchone()[0] == 1


def test_without_preparing_a_statement_runs_its_sql(db, settings):
    settings.CASEBOOK_PREPARED_STATEMENTS = False
    ada = Team.objects.create(name="Ada")
    with CaptureQueriesContext(connection) as queries:
        assert [row.pk for row in _odd_teams()((ada.pk,))] == [ada.pk]
    assert queries.captured_queries[0]["sql"].startswith("SELECT")


def test_a_statement_of_values_gives_the_rows_its_queryset_gives(db):
    ada = Team.objects.create(name="Ada")
    pairs, _ = _counting(lambda pk: Team.objects.filter(pk=pk).values_list("pk", "name"))
    names, _ = _counting(lambda pk: Team.objects.filter(pk=pk).values_list("name", flat=True))
    dicts, _ = _counting(lambda pk: Team.objects.filter(pk=pk).values("name"))
    assert pairs(ada.pk) == [(ada.pk, "Ada")]
    assert names(ada.pk) == ["Ada"]
    assert dicts(ada.pk) == [{"name": "Ada"}]


def test_ids_from_a_request_are_whole_numbers_or_404():
    assert id_or_404("42") == 42 and id_or_404(7) == 7
    for wrong in ("x", None, "4.2"):
        with pytest.raises(Http404):
            id_or_404(wrong)
    with pytest.raises(Http404, match="No Team matches"):
        one_or_404([], Team)


def test_a_statement_takes_moments(db):
    early, late = Team.objects.create(name="Early"), Team.objects.create(name="Late")
    Team.objects.filter(pk=early.pk).update(created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    Team.objects.filter(pk=late.pk).update(created_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))
    since, _ = _counting(lambda moment: Team.objects.filter(created_at__gte=moment).order_by("name"))
    assert since(datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)) == [late]
    assert since(datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)) == [early, late]
    with pytest.raises(TypeError):
        since(datetime.datetime(2026, 3, 1))  # a naive datetime is no moment
