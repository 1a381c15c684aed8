"""Demo data that tells a story: one support team, its difficult clients, and their cases.

Idempotent: people and teams are matched by name, and a client's story is written only
when the client does not exist yet, so running it twice duplicates nothing.

The story reads like real work: contacts at times of the working day, on working days, in
the team's time zone; promises due in working hours; status changes and escalations soon
after the contact that led to them, so each case's last activity is its own.
"""

from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User
from accounts.roles import Role
from accounts.services import user_create
from chat.models import TeamChat
from clients.business_hours import Calendar, calendar_for_team
from clients.models import Case, CaseEvent, CaseEventKind, CaseStatus, Client, Priority, RootCause, Temperament
from clients.services import case_change_status, case_open, client_create
from escalations.models import Escalation
from inbox.models import Mailbox
from inbox.services import message_take_in
from interactions.models import Channel, Direction, FollowUpKind, Mood
from interactions.services import follow_up_schedule, interaction_log
from playbooks.demo import seed_playbook_progress

DEMO_PASSWORD = "casebook-demo"

TEAMS = ["Customer Care", "Billing"]
# username, first, last, role, team
PEOPLE = [
    ("agent", "Ana", "Silva", Role.AGENT, "Customer Care"),
    ("sam", "Sam", "Okafor", Role.AGENT, "Customer Care"),
    ("manager", "Marcus", "Lee", Role.MANAGER, "Customer Care"),
    ("bea", "Bea", "Novak", Role.AGENT, "Billing"),
    ("admin", "Ada", "Admin", Role.ADMIN, None),
]

# Each client: contact details, then cases, each with its contacts
# (days ago, channel, direction, mood, minutes, summary) and the statuses it moved through.
STORIES = [
    {
        "team": "Customer Care",
        "client": dict(
            name="Greta Holm",
            email="greta@holm-bakery.example",
            phone="+45 20 11 22 33",
            company="Holm Bakery",
            temperament=Temperament.COMPLAINER,
            notes="Prefers a phone call in the morning, before the shop opens. Wants facts, not excuses.",
        ),
        "cases": [
            {
                "title": "Oven service visit missed twice",
                "problem": "The technician did not come on two booked days and nobody warned her; "
                "she lost a morning's baking each time.",
                "root_cause": RootCause.COMMUNICATION_BREAKDOWN,
                "priority": Priority.HIGH,
                "owner": "agent",
                "opened_days_ago": 6,
                "contacts": [
                    (
                        6,
                        Channel.CALL,
                        Direction.INBOUND,
                        Mood.FRUSTRATED,
                        12,
                        "Called to say the technician never came. Listened, apologised for the missed visit, "
                        "promised to find out what happened by tomorrow.",
                    ),
                    (
                        5,
                        Channel.CALL,
                        Direction.OUTBOUND,
                        Mood.ANGRY,
                        18,
                        "Told her the booking was moved without notice. She was angry that nobody called; "
                        "let her finish, agreed that she should have been told.",
                    ),
                    (
                        3,
                        Channel.EMAIL,
                        Direction.OUTBOUND,
                        Mood.CALM,
                        None,
                        "Wrote down the new visit (Thursday 7:00) and the name of the technician.",
                    ),
                ],
                # (working hours from now, kind, note): promises made on the calls above.
                "follow_ups": [
                    (3, FollowUpKind.CALL_BACK, "Call Greta to confirm the technician is booked for Thursday 7:00."),
                    (50, FollowUpKind.INTERNAL_CHECK, "Check with dispatch that the Thursday visit happened."),
                ],
                "statuses": [],
            }
        ],
    },
    {
        "team": "Customer Care",
        "client": dict(
            name="Victor Crane",
            email="victor.crane@crane-logistics.example",
            company="Crane Logistics",
            temperament=Temperament.DEMANDER,
            notes="Asks for the manager in every call. Agreed: replies within one working day, not one hour.",
        ),
        "cases": [
            {
                "title": "Wants all scanners replaced the same day",
                "problem": "Two handheld scanners failed; he wants all forty replaced today at no cost.",
                "root_cause": RootCause.UNREALISTIC_EXPECTATIONS,
                "priority": Priority.NORMAL,
                "owner": "sam",
                "opened_days_ago": 2,
                "contacts": [
                    (
                        2,
                        Channel.CALL,
                        Direction.INBOUND,
                        Mood.FRUSTRATED,
                        9,
                        "Demanded a full replacement today. Explained what we can do: the two broken units "
                        "swapped tomorrow, the rest checked remotely.",
                    ),
                ],
                "follow_ups": [
                    (
                        20,
                        FollowUpKind.EMAIL_CLIENT,
                        "Dear Victor, the two replacement scanners leave our warehouse "
                        "today and reach you tomorrow morning. We will check the other units remotely this week.",
                    ),
                ],
                "statuses": [],
            },
            {
                "title": "Invoice questions after the spring order",
                "problem": "Wanted every line of the spring invoice explained in writing.",
                "root_cause": RootCause.NEED_FOR_CONTROL,
                "priority": Priority.LOW,
                "owner": "agent",
                "opened_days_ago": 40,
                "contacts": [
                    (40, Channel.EMAIL, Direction.INBOUND, Mood.CALM, None, "Asked for a breakdown of the invoice."),
                    (38, Channel.EMAIL, Direction.OUTBOUND, Mood.CALM, None, "Sent the breakdown line by line."),
                ],
                "statuses": [
                    (CaseStatus.RESOLVED, "He confirmed the breakdown answers his questions."),
                    (CaseStatus.CLOSED, ""),
                ],
            },
        ],
    },
    {
        "team": "Customer Care",
        "client": dict(
            name="Rosa Delgado",
            email="rosa.delgado@example.net",
            phone="+34 600 123 456",
            temperament=Temperament.ANGRY,
            notes="Has been rude on the phone twice. Written contact is calmer; keep calls short.",
        ),
        "cases": [
            {
                "title": "Charged twice for the same subscription",
                "problem": "Her card was charged twice in March and the second charge is still not refunded.",
                "root_cause": RootCause.BAD_PAST_EXPERIENCE,
                "priority": Priority.URGENT,
                "owner": "agent",
                "opened_days_ago": 4,
                "contacts": [
                    (
                        4,
                        Channel.CALL,
                        Direction.INBOUND,
                        Mood.ANGRY,
                        15,
                        "Shouted about the double charge. Let her vent, then confirmed the duplicate "
                        "payment and asked Billing to refund it.",
                    ),
                    (
                        1,
                        Channel.CALL,
                        Direction.INBOUND,
                        Mood.ABUSIVE,
                        6,
                        "Insulted the agent when told the refund takes five days. Said: I want to help, and "
                        "I need us to keep this respectful. Ended the call politely.",
                    ),
                    (
                        1,
                        Channel.NOTE,
                        Direction.INTERNAL,
                        Mood.ANGRY,
                        None,
                        "The abusive call sent the case to the manager: second hostile call this week.",
                    ),
                ],
                "statuses": [],
            }
        ],
    },
    {
        "team": "Customer Care",
        "client": dict(
            name="Tom Becker",
            email="tom.becker@example.org",
            company="Becker Dental",
            temperament=Temperament.SILENT,
            notes="Says little on the phone. Always follow a call with a short written summary.",
        ),
        "cases": [
            {
                "title": "Installation left unfinished",
                "problem": "The new reception system was installed without the printer; he did not say so for weeks.",
                "root_cause": RootCause.COMMUNICATION_BREAKDOWN,
                "priority": Priority.NORMAL,
                "owner": "agent",
                "opened_days_ago": 20,
                "contacts": [
                    (
                        20,
                        Channel.CALL,
                        Direction.OUTBOUND,
                        Mood.CALM,
                        7,
                        "Routine check-in. Short answers; asked open questions and learned the printer was "
                        "never connected.",
                    ),
                    (
                        19,
                        Channel.EMAIL,
                        Direction.OUTBOUND,
                        Mood.CALM,
                        None,
                        "Sent a summary of the call and the date of the technician's visit.",
                    ),
                    (
                        12,
                        Channel.CALL,
                        Direction.OUTBOUND,
                        Mood.CALM,
                        4,
                        "Printer works. He thanked us and said he will call sooner next time.",
                    ),
                ],
                "statuses": [(CaseStatus.RESOLVED, "Printer connected and tested with the client.")],
            }
        ],
    },
    {
        "team": "Customer Care",
        "client": dict(
            name="Ines Moreau",
            email="ines@moreau-studio.example",
            company="Moreau Studio",
            temperament=Temperament.INDECISIVE,
            notes="Needs two clear options at most, and time to think.",
        ),
        "cases": [
            {
                "title": "Cannot choose between the two upgrade plans",
                "problem": "Asked the same question about the plans on three calls; worried about choosing wrong.",
                "root_cause": RootCause.PERSONAL_CIRCUMSTANCES,
                "priority": Priority.LOW,
                "owner": "sam",
                "opened_days_ago": 30,
                "contacts": [
                    (
                        30,
                        Channel.CHAT,
                        Direction.INBOUND,
                        Mood.FRUSTRATED,
                        20,
                        "Compared the plans again. Offered a side-by-side table and a trial month.",
                    ),
                    (
                        27,
                        Channel.MEETING,
                        Direction.OUTBOUND,
                        Mood.CALM,
                        30,
                        "Walked through the table together; she chose the smaller plan with the trial.",
                    ),
                ],
                "statuses": [(CaseStatus.RESOLVED, "She chose a plan."), (CaseStatus.CLOSED, "")],
            }
        ],
    },
    {
        "team": "Customer Care",
        "client": dict(name="Paul Novak", email="paul.novak@example.com", temperament=Temperament.UNKNOWN),
        "cases": [
            {
                "title": "Delivery arrived damaged",
                "problem": "",
                "root_cause": RootCause.UNKNOWN,
                "priority": Priority.NORMAL,
                "owner": "sam",
                "opened_days_ago": 0,
                "contacts": [],
                "statuses": [],
            }
        ],
    },
    {
        "team": "Billing",
        "client": dict(
            name="Lena Fischer",
            email="lena.fischer@example.de",
            company="Fischer Optik",
            temperament=Temperament.COMPLAINER,
        ),
        "cases": [
            {
                "title": "Refund for cancelled order not received",
                "problem": "The refund for a cancelled order has not reached her account after three weeks.",
                "root_cause": RootCause.COMMUNICATION_BREAKDOWN,
                "priority": Priority.HIGH,
                "owner": "bea",
                "opened_days_ago": 3,
                "contacts": [
                    (
                        3,
                        Channel.EMAIL,
                        Direction.INBOUND,
                        Mood.FRUSTRATED,
                        None,
                        "Third email about the missing refund.",
                    ),
                ],
                "statuses": [],
            }
        ],
    },
]


class Command(BaseCommand):
    help = "Load the demo team, users (password: casebook-demo) and clients. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        teams = {name: Team.objects.get_or_create(name=name)[0] for name in TEAMS}
        users = {}
        for username, first, last, role, team in PEOPLE:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    teams=list(teams.values()) if team is None else [teams[team]],
                    email=f"{username}@casebook.example",
                    first_name=first,
                    last_name=last,
                )
            users[username] = user
        created = 0
        for turn, story in enumerate(STORIES):
            team = teams[story["team"]]
            if Client.objects.filter(team=team, email=story["client"]["email"]).exists():
                continue
            self._tell(story, team, users, turn)
            created += 1
        seed_playbook_progress(team=teams["Customer Care"], manager=users["manager"])
        _seed_mail(team=teams["Customer Care"], owner=users["manager"])
        # Live chat on Casebook's own /chat/start/ page; new cases from it go to the manager.
        TeamChat.objects.get_or_create(team=teams["Customer Care"], defaults={"owner": users["manager"]})
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {created} new client stories. Log in as agent / {DEMO_PASSWORD}.")
        )

    def _tell(self, story, team, users, turn: int):
        now = timezone.now()
        calendar = calendar_for_team(team)
        first_owner = users[story["cases"][0]["owner"]]
        client = client_create(actor=first_owner, team=team, **story["client"])
        for spec in story["cases"]:
            owner = users[spec["owner"]]
            contacts = _contact_times(calendar, now, [contact[0] for contact in spec["contacts"]], turn * 2)
            opened_at = contacts[0] - timedelta(minutes=12) if contacts else now - timedelta(minutes=25)
            if not contacts and spec["opened_days_ago"]:
                opened_at = _working_time(calendar, now, spec["opened_days_ago"], time(10, 5))
            case = case_open(
                actor=owner,
                client=client,
                title=spec["title"],
                problem_statement=spec["problem"],
                root_cause=spec["root_cause"],
                priority=spec["priority"],
                owner=owner,
                opened_at=opened_at,
            )
            for occurred_at, (_days_ago, channel, direction, mood, minutes, summary) in zip(
                contacts, spec["contacts"], strict=True
            ):
                interaction_log(
                    actor=owner,
                    case=case,
                    channel=channel,
                    direction=direction,
                    mood=mood,
                    duration_minutes=minutes,
                    summary=summary,
                    occurred_at=occurred_at,
                )
            for hours, kind, note in spec.get("follow_ups", []):
                due_at = _round_up_to_quarter(calendar.breach_at(now, hours))
                follow_up_schedule(actor=owner, case=case, kind=kind, due_at=due_at, note=note)
            # What the last contact led to happened soon after it.
            at = min((contacts[-1] if contacts else opened_at) + timedelta(minutes=20), now)
            _date_escalations(case, at=at, since=now)
            for status, note in spec["statuses"]:
                at = min(at + timedelta(minutes=15), now)
                case = case_change_status(actor=owner, case=case, status=status, note=note, at=at)


def _date_escalations(case, *, at: datetime, since: datetime) -> None:
    """An abusive contact in the story escalated the case as it was logged, which for the
    demo is now: date the escalation when the story has it (soon after the contact), as if
    the contact had been logged as it happened."""
    escalations = Escalation.objects.filter(case=case, raised_at__gte=since)
    if not escalations.exists():
        return
    escalations.update(raised_at=at)
    CaseEvent.objects.filter(case=case, kind=CaseEventKind.ESCALATED, occurred_at__gte=since).update(occurred_at=at)
    last = case.interactions.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    Case.objects.filter(pk=case.pk).update(last_activity_at=max(at, last or at))


# Times of the working day at which the demo's contacts happened, taken in turn.
CONTACT_TIMES = [time(9, 40), time(11, 15), time(14, 5), time(15, 50), time(10, 25), time(15, 35), time(13, 10)]


def _working_time(calendar: Calendar, now: datetime, days_ago: int, at: time) -> datetime:
    """`at` (kept inside the working hours) on the working day `days_ago` days before now in
    the team's time zone, or on the working day before it when that day is off or that time
    has not come yet."""
    zone = ZoneInfo(calendar.time_zone)
    latest = now - timedelta(minutes=45)
    day = now.astimezone(zone).date() - timedelta(days=days_ago)
    at = min(max(at, calendar.starts), (datetime.combine(day, calendar.ends) - timedelta(minutes=30)).time())
    while not calendar.is_working_day(day) or datetime.combine(day, at, zone) > latest:
        day -= timedelta(days=1)
    return datetime.combine(day, at, zone)


def _contact_times(calendar: Calendar, now: datetime, days_ago: list[int], turn: int) -> list[datetime]:
    """When each contact happened: in working hours, in the story's order."""
    times = sorted(
        _working_time(calendar, now, days, CONTACT_TIMES[(turn + index) % len(CONTACT_TIMES)])
        for index, days in enumerate(days_ago)
    )
    for index in range(1, len(times)):
        times[index] = max(times[index], times[index - 1] + timedelta(minutes=20))
    return times


def _round_up_to_quarter(moment: datetime) -> datetime:
    extra = (-moment.minute) % 15
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


# Mail from clients: the team's mailbox (no IMAP server: try it with `manage.py receive_email`
# or the webhook), a client's answer on her case and a stranger's email waiting in triage.
# Fixed Message-IDs: taking them in again stores nothing twice.
DEMO_MAIL = [
    (
        "Rosa Delgado <rosa.delgado@example.net>",
        "Re: Charged twice for the same subscription",
        "<demo-reply-1@mail.example.net>",
        "Hello,\n\nMy bank statement shows the second charge of March "
        "on the 14th. Please refund it to the same card. I prefer to keep this by email.\n\nRosa\n\n"
        "On Fri, Care wrote:\n> Could you tell us the date of the second charge?",
    ),
    (
        "Nina Park <nina.park@example.org>",
        "Kettle from your shop leaks",
        "<demo-new-1@mail.example.org>",
        "Hi, I bought a kettle from you last month and it leaks from the bottom. "
        "What can you do about it?\n\nNina Park",
    ),
]


def _seed_mail(*, team: Team, owner: User) -> None:
    mailbox = Mailbox.objects.filter(address="care@casebook.localhost").first()
    if mailbox is None:
        mailbox = Mailbox.objects.create(
            team=team, owner=owner, name="Customer Care", address="care@casebook.localhost"
        )
    for sender, subject, message_id, body in DEMO_MAIL:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, mailbox.address, subject
        # Sent in the morning of the last working day, like the rest of the story.
        sent = _working_time(calendar_for_team(team), timezone.now(), 1, time(9, 40))
        message["Message-ID"], message["Date"] = message_id, format_datetime(sent)
        message.set_content(body)
        message_take_in(mailbox=mailbox, raw=message.as_bytes())
