"""The "log a contact" dialog: typeahead, case choice and saving, within the user's teams."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Case, CaseStatus
from clients.tests.factories import CaseFactory, ClientFactory
from interactions.forms import DATETIME_LOCAL
from interactions.models import Interaction

HTMX = {"HX-Request": "true"}


def _closed():
    now = timezone.now()
    return {"status": CaseStatus.CLOSED, "resolved_at": now, "closed_at": now}


def save_data(**overrides):
    data = {
        "channel": "call",
        "direction": "inbound",
        "mood": "angry",
        "summary": "Called about the missed oven visit; promised a call back at four.",
        "duration_minutes": "",
        "occurred_at": "",
        "request_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def search(client, q, **params):
    return client.get(reverse("quick_log:clients"), {"q": q, **params}, headers=HTMX)


# --- The typeahead -------------------------------------------------------------------


def test_the_typeahead_lists_matching_clients_of_the_users_teams_only(agent_client, customer, case, other_team):
    ClientFactory(team=other_team, name="Greta Outside", company="Elsewhere Ltd")
    response = search(agent_client, "gret")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Greta Holm" in html and "Holm Bakery" in html
    assert "Greta Outside" not in html and "Elsewhere" not in html
    assert "1 open case" in html
    assert f'data-pick="{reverse("quick_log:cases", args=[customer.pk])}"' in html
    assert 'role="option"' in html


def test_the_typeahead_says_when_nothing_matches_and_lists_nothing_for_no_text(agent_client, customer):
    assert "No client of your teams matches “zzz”" in search(agent_client, "zzz").content.decode()
    assert search(agent_client, "  ").content.decode().strip() == ""


def test_the_typeahead_follows_the_chosen_team_and_refuses_another_teams(agent, client, team, other_team):
    from accounts.tests.factories import TeamFactory

    third = TeamFactory(name="Field service")
    agent.teams.add(third)
    ClientFactory(team=team, name="Anna Care")
    ClientFactory(team=third, name="Anna Field")
    client.force_login(agent)
    html = search(client, "anna", team=third.pk).content.decode()
    assert "Anna Field" in html and "Anna Care" not in html
    assert "Anna Care" in search(client, "anna").content.decode()
    assert search(client, "anna", team=other_team.pk).status_code == 404
    assert search(client, "anna", team="x").status_code == 404


def test_a_nul_character_in_the_search_is_a_422_not_a_server_error(agent_client, customer):
    assert search(agent_client, "gr\x00eta").status_code == 422


def test_typeahead_queries_do_not_grow_with_the_number_of_clients(agent_client, team, agent):
    def add(n):
        for i in range(n):
            client = ClientFactory(team=team, name=f"Marta Example {i}")
            CaseFactory(client=client, owner=agent)

    def count() -> int:
        search(agent_client, "marta")  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            response = search(agent_client, "marta")
        assert response.status_code == 200
        return len(queries)

    add(3)
    small = count()
    add(60)
    assert count() == small
    assert small <= 6  # session, user, permissions (2), team ids, the clients


# --- Picking the client, then the case -------------------------------------------------


def test_picking_a_client_offers_their_open_cases_latest_first_and_a_new_case(agent_client, customer, agent):
    older = CaseFactory(
        client=customer, owner=agent, title="Older case", last_activity_at=timezone.now() - timedelta(days=3)
    )
    latest = CaseFactory(client=customer, owner=agent, title="Latest case")
    CaseFactory(client=customer, owner=agent, title="Closed case", **_closed())
    response = agent_client.get(reverse("quick_log:cases", args=[customer.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Latest case") < html.index("Older case")
    assert "Closed case" not in html
    assert f'<option value="{latest.pk}" selected>' in html and f'<option value="{older.pk}">' in html
    assert "Open a new case" in html
    assert f'name="client" value="{customer.pk}"' in html


def test_a_client_without_open_cases_starts_on_a_new_case(agent_client, customer):
    html = agent_client.get(reverse("quick_log:cases", args=[customer.pk]), headers=HTMX).content.decode()
    assert '<option value="new" selected>' in html


def test_another_teams_client_is_a_404(outsider_client, customer, case):
    response = outsider_client.get(reverse("quick_log:cases", args=[customer.pk]), headers=HTMX)
    assert response.status_code == 404
    assert case.title not in response.content.decode()


# --- Saving ----------------------------------------------------------------------------


def test_saving_logs_the_contact_through_the_case_service(agent_client, customer, case, agent):
    assert case.status == CaseStatus.NEW
    response = agent_client.post(reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk), headers=HTMX)
    assert response.status_code == 200
    interaction = Interaction.objects.get()
    assert interaction.case == case and interaction.logged_by == agent and interaction.mood == "angry"
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS  # the first contact started work, as on the case page
    assert case.events.filter(kind="interaction_logged").count() == 1
    html = response.content.decode()
    assert "Call logged on" in html
    assert f'href="{case.get_absolute_url()}#interaction-{interaction.pk}"' in html
    # A fresh form for the next contact, with a new one-time key.
    assert 'id="quick-log-q"' in html and "promised a call back" not in html
    trigger = json.loads(response["HX-Trigger"])
    assert trigger == {"contact-logged": {"case": case.pk, "interaction": interaction.pk}}


def test_an_inbound_contact_ends_a_wait_on_the_client_like_the_case_page(agent_client, customer, case, agent):
    from clients.services import case_wait_on_client

    case_wait_on_client(actor=agent, case=case, waiting=True)
    agent_client.post(reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk), headers=HTMX)
    case.refresh_from_db()
    assert case.waiting_on_client_since is None


def test_on_the_case_page_the_timeline_and_status_come_along(agent_client, customer, case):
    response = agent_client.post(
        reverse("quick_log:save"),
        save_data(client=customer.pk, case=case.pk),
        headers={**HTMX, "HX-Current-URL": f"http://testserver{case.get_absolute_url()}"},
    )
    html = response.content.decode()
    assert 'id="timeline" aria-label="Case timeline" hx-swap-oob="true"' in html
    assert "promised a call back at four" in html
    assert 'id="case-badges"' in html and "In progress" in html


def test_elsewhere_no_timeline_is_sent(agent_client, customer, case):
    other = CaseFactory(client=customer, owner=case.owner)
    for page in ["http://testserver/my-day/", f"http://testserver{other.get_absolute_url()}", None]:
        headers = {**HTMX, **({"HX-Current-URL": page} if page else {})}
        response = agent_client.post(
            reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk), headers=headers
        )
        assert response.status_code == 200
        assert "hx-swap-oob" not in response.content.decode()


def test_a_new_case_is_opened_and_the_contact_logged_on_it(agent_client, customer, agent):
    response = agent_client.post(
        reverse("quick_log:save"),
        save_data(client=customer.pk, case="new", new_case_title="Invoice sent twice"),
        headers=HTMX,
    )
    assert response.status_code == 200
    case = Case.objects.get(title="Invoice sent twice")
    assert case.client == customer and case.owner == agent and case.team == customer.team
    assert Interaction.objects.get().case == case
    assert "Case opened and call logged on" in response.content.decode()


def test_files_go_with_the_contact_and_a_refused_one_saves_nothing(agent_client, customer, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = SimpleUploadedFile("page.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    data = save_data(client=customer.pk, case=case.pk, attachments=[page])
    response = agent_client.post(reverse("quick_log:save"), data, headers=HTMX)
    assert response.status_code == 422
    assert Interaction.objects.count() == 0
    assert "Called about the missed oven visit" in response.content.decode()  # the text comes back

    from interactions.tests.test_attachments import PDF

    pdf = SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf")
    data = save_data(client=customer.pk, case=case.pk, attachments=[pdf])
    assert agent_client.post(reverse("quick_log:save"), data, headers=HTMX).status_code == 200
    (attachment,) = Interaction.objects.get().attachments.all()
    assert attachment.original_name == "contract.pdf" and attachment.content_type == "application/pdf"


def test_the_same_form_sent_twice_opens_one_case_and_logs_one_contact(agent_client, customer):
    data = save_data(client=customer.pk, case="new", new_case_title="Invoice sent twice")
    for _ in range(2):
        assert agent_client.post(reverse("quick_log:save"), data, headers=HTMX).status_code == 200
    assert Case.objects.filter(title="Invoice sent twice").count() == 1
    assert Interaction.objects.count() == 1


def test_errors_show_in_the_dialog_with_everything_typed_kept(agent_client, customer, case):
    response = agent_client.post(
        reverse("quick_log:save"),
        save_data(client=customer.pk, case="new", new_case_title="", summary="Every word I typed", mood=""),
        headers=HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give the new case a title" in html
    assert "Every word I typed" in html
    assert f'name="client" value="{customer.pk}"' in html  # the picked client stays picked
    assert '<option value="new" selected>' in html
    assert "Nothing was saved yet" in html
    assert Interaction.objects.count() == 0 and Case.objects.count() == 1


def test_without_a_client_the_dialog_asks_for_one(agent_client):
    response = agent_client.post(reverse("quick_log:save"), save_data(), headers=HTMX)
    assert response.status_code == 422
    assert "Pick a client first." in response.content.decode()


def test_a_contact_the_service_refuses_leaves_no_new_case_behind(agent_client, customer):
    future = (timezone.localtime() + timedelta(days=1)).strftime(DATETIME_LOCAL)
    response = agent_client.post(
        reverse("quick_log:save"),
        save_data(client=customer.pk, case="new", new_case_title="Never opened", occurred_at=future),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "A contact cannot be in the future" in response.content.decode()
    assert not Case.objects.filter(title="Never opened").exists()


def test_a_closed_case_or_another_clients_case_is_refused(agent_client, customer, agent, team):
    closed = CaseFactory(client=customer, owner=agent, **_closed())
    someone_else = CaseFactory(client=ClientFactory(team=team), owner=agent)
    for case in (closed, someone_else):
        response = agent_client.post(
            reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk), headers=HTMX
        )
        assert response.status_code == 422
        assert "Pick one of the client&#x27;s open cases" in response.content.decode()
    assert Interaction.objects.count() == 0


def test_another_teams_client_or_case_is_a_404_and_nothing_is_saved(
    agent_client, outsider_client, customer, case, other_team, outsider
):
    response = outsider_client.post(
        reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk), headers=HTMX
    )
    assert response.status_code == 404
    # Their own client with our case: still a 404.
    theirs = ClientFactory(team=other_team)
    response = outsider_client.post(reverse("quick_log:save"), save_data(client=theirs.pk, case=case.pk), headers=HTMX)
    assert response.status_code == 404
    assert Interaction.objects.count() == 0


def test_without_javascript_saving_goes_to_the_case_with_a_message(agent_client, customer, case):
    response = agent_client.post(reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk))
    interaction = Interaction.objects.get()
    assert response.status_code == 302
    assert response.url == f"{case.get_absolute_url()}#interaction-{interaction.pk}"
    page = agent_client.get(response.url).content.decode()
    assert "Call logged." in page


def test_the_dialog_form_starts_on_the_team_chosen_on_the_page(agent, client, team, other_team):
    agent.teams.add(other_team)
    client.force_login(agent)
    html = client.get(
        reverse("quick_log:form"), headers={**HTMX, "HX-Current-URL": f"http://testserver/?team={other_team.pk}"}
    ).content.decode()
    assert f'<option value="{other_team.pk}" selected>' in html
    assert 'hx-include="#quick-log-team"' in html


@pytest.mark.parametrize("path", ["/", "/my-day/", "/cases/", "/clients/"])
def test_every_page_has_the_button_the_dialog_and_the_shortcut_help(client, manager, agent, path):
    client.force_login(manager if path == "/" else agent)
    html = client.get(path).content.decode()
    assert 'id="quick-log-open"' in html and 'aria-keyshortcuts="l"' in html
    assert 'id="quick-log"' in html and f'data-src="{reverse("quick_log:form")}"' in html
    assert 'id="shortcuts-help"' in html and 'data-shortcut="l"' in html and 'data-shortcut="?"' in html
    assert "js/casebook.js" in html


# --- An abusive contact goes to a manager at once, and the agent sees it -----------------

ESCALATED = "This contact was abusive: the case went to a manager for review."


def test_an_abusive_contact_from_the_dialog_says_the_case_went_to_a_manager(agent_client, customer, case, manager):
    response = agent_client.post(
        reverse("quick_log:save"),
        save_data(client=customer.pk, case=case.pk, mood="abusive"),
        headers={**HTMX, "HX-Current-URL": f"http://testserver{case.get_absolute_url()}"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert ESCALATED in html
    assert 'id="case-badges"' in html and ">Escalated</span>" in html  # the case page's header follows
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.escalations.count() == 1


def test_an_abusive_first_contact_on_a_new_case_escalates_it(agent_client, customer, manager):
    response = agent_client.post(
        reverse("quick_log:save"),
        save_data(client=customer.pk, case="new", new_case_title="Threats on the phone", mood="abusive"),
        headers=HTMX,
    )
    assert ESCALATED in response.content.decode()
    case = Case.objects.get(title="Threats on the phone")
    assert case.status == CaseStatus.ESCALATED and case.escalations.count() == 1


def test_an_abusive_contact_from_the_dialog_without_javascript_says_so_on_the_case_page(
    agent_client, customer, case, manager
):
    response = agent_client.post(
        reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk, mood="abusive"), follow=True
    )
    assert ESCALATED in response.content.decode()
    assert case.escalations.count() == 1


def test_a_contact_that_is_not_abusive_says_nothing_of_a_manager_in_the_dialog(agent_client, customer, case):
    response = agent_client.post(reverse("quick_log:save"), save_data(client=customer.pk, case=case.pk), headers=HTMX)
    assert ESCALATED not in response.content.decode()
