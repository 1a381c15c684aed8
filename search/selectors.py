"""One search over clients, cases and interactions, ranked and limited to the user's teams.

PostgreSQL: full-text search (English stemming, "quoted phrases", -exclusions and OR via
websearch_to_tsquery), ranked with ts_rank over the GIN-indexed documents, with a
headline showing where the words matched. SQLite: a plain case-insensitive match.
Three queries whatever the data size: one per kind of record.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import OperationalError, connection, transaction
from django.db.models import Expression, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import scope_to_user_teams
from clients.models import Case, Client
from interactions.models import Interaction

from .documents import DOCUMENTS

PER_KIND = 20
CANDIDATES = 200
# Control characters never typed into a form: the headline marks matches with them, and
# they become <mark> only after the text around them has been escaped.
START, STOP = "\x02", "\x03"


@dataclass
class Hit:
    kind: str
    title: str
    url: str
    snippet: SafeString
    rank: float


def _snippet(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))


class StoredDocument(Expression):
    """The table's own `search_document` column, named through the query's alias for it
    (the cases and interactions queries join other tables that have one too)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.{connection.ops.quote_name('search_document')}", []


def _document(table: str) -> Expression:
    if DOCUMENTS[table] == "search_document":
        return StoredDocument()
    return RawSQL(DOCUMENTS[table], [], output_field=SearchVectorField())


def _ranked(queryset: QuerySet, table: str, query: SearchQuery, text) -> QuerySet:
    # Ranking reads every row's text, so only the newest CANDIDATES matches are ranked:
    # a common word then costs the same on 500,000 interactions as on 500.
    candidates = (
        queryset.annotate(document=_document(table))
        .filter(document=query)
        .order_by("-pk")
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    return (
        queryset.filter(pk__in=candidates)
        .annotate(document=_document(table))
        .annotate(
            rank=SearchRank(F("document"), query),
            headline=SearchHeadline(
                text, query, config="english", start_sel=START, stop_sel=STOP, max_words=30, min_words=10
            ),
        )
        .order_by("-rank", "-pk")[:PER_KIND]
    )


def search(user: User, text: str) -> list[Hit]:
    """The best matches of every kind the user may see, best first."""
    text = text.strip()
    if not text:
        return []
    clients = scope_to_user_teams(Client.objects.all(), user)
    cases = scope_to_user_teams(Case.objects.select_related("client"), user)
    interactions = scope_to_user_teams(Interaction.objects.select_related("case"), user, team_field="case__team")
    if connection.vendor == "postgresql":
        hits = _postgres(clients, cases, interactions, text)
    else:
        hits = _fallback(clients, cases, interactions, text)
    return sorted(hits, key=lambda hit: -hit.rank)


class SearchTooBroad(Exception):
    """The words match so many records that the search was stopped to keep the database free."""


def _postgres(clients, cases, interactions, text: str) -> list[Hit]:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A phrase of very common words makes PostgreSQL re-read every row holding
            # them; past this limit the user is asked for more precise words instead.
            cursor.execute("SET LOCAL statement_timeout = %s", [int(settings.CASEBOOK_SEARCH_TIMEOUT_MS)])
            return _postgres_hits(clients, cases, interactions, text)
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == "57014":  # query_canceled
            raise SearchTooBroad from error
        raise


def _postgres_hits(clients, cases, interactions, text: str) -> list[Hit]:
    query = SearchQuery(text, search_type="websearch", config="english")
    client_text = RawSQL("concat_ws(' ', name, company, email, notes)", [])
    case_text = RawSQL("concat_ws(' ', title, problem_statement)", [])
    hits = [
        Hit(_("Client"), c.name, c.get_absolute_url(), _snippet(c.headline), c.rank)
        for c in _ranked(clients, "clients_client", query, client_text)
    ]
    hits += [
        Hit(_("Case"), f"{c.title} ({c.client.name})", c.get_absolute_url(), _snippet(c.headline), c.rank)
        for c in _ranked(cases, "clients_case", query, case_text)
    ]
    hits += [
        Hit(
            _("Interaction"),
            _("On %(case)s") % {"case": i.case.title},
            i.case.get_absolute_url(),
            _snippet(i.headline),
            i.rank,
        )
        for i in _ranked(interactions, "interactions_interaction", query, F("summary"))
    ]
    return hits


def _fallback(clients, cases, interactions, text: str) -> list[Hit]:
    def matched(value: str) -> SafeString:
        marked = re.sub(re.escape(text), lambda m: f"{START}{m.group(0)}{STOP}", value[:300], flags=re.IGNORECASE)
        return _snippet(marked)

    found_clients = clients.filter(Q(name__icontains=text) | Q(company__icontains=text) | Q(notes__icontains=text))
    found_cases = cases.filter(Q(title__icontains=text) | Q(problem_statement__icontains=text))
    found_interactions = interactions.filter(summary__icontains=text)
    hits = [
        Hit(_("Client"), c.name, c.get_absolute_url(), matched(f"{c.name} {c.company} {c.notes}"), 0)
        for c in found_clients[:PER_KIND]
    ]
    hits += [
        Hit(_("Case"), c.title, c.get_absolute_url(), matched(f"{c.title} {c.problem_statement}"), 0)
        for c in found_cases[:PER_KIND]
    ]
    hits += [
        Hit(
            _("Interaction"),
            _("On %(case)s") % {"case": i.case.title},
            i.case.get_absolute_url(),
            matched(i.summary),
            0,
        )
        for i in found_interactions[:PER_KIND]
    ]
    return hits
