"""Benchmark (not a test): 2,000 client emails in one IMAP mailbox (a Dovecot of its own),
taken in by the inbox, against a plain imaplib fetch of the same messages.

    .venv/bin/python bench/inbox_ingest.py        # run by `make bench` (BENCH_INBOX=0 skips it)
    BENCH_N=500 .venv/bin/python bench/inbox_ingest.py

It uses a throw-away PostgreSQL database (casebook_inbox_bench beside DATABASE_URL's,
made again each run). The messages are what a support mailbox gets: most are replies
from known clients (threaded onto their open case, mood suggested), some from strangers
(triage), a few automatic replies. Measured:
  1. plain imaplib: log in, list the folder, fetch every message (BODY.PEEK[], 50 a
     command), as the lower bound of reading the mailbox at all;
  2. the inbox: `mailbox_poll`, the Celery task's whole body (fetch, parse, store,
     thread, record the contact, acknowledge on the server), in this one process, as one
     worker runs it.
Prints messages per second of each and the ratio inbox / imaplib (target >= 0.3), and
the SQL queries per ingested message with 10 and with 2,000 open cases (they must not
grow with the number of cases).
"""

import imaplib
import os
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook").rsplit("/", 1)[0]
os.environ["DATABASE_URL"] = f"{base}/casebook_inbox_bench"

import django  # noqa: E402
import psycopg2  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.roles import Role  # noqa: E402
from accounts.services import user_create  # noqa: E402
from clients.models import Case, CaseStatus, Client  # noqa: E402
from inbox.models import InboundMessage, Mailbox  # noqa: E402
from inbox.services import mailbox_poll  # noqa: E402
from inbox.tests.dovecot import dovecot_server  # noqa: E402

N = int(os.environ.get("BENCH_N", "2000"))


def _reset_database() -> None:
    """A fresh database each run, made through the server's maintenance database."""
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS casebook_inbox_bench")
        cursor.execute("CREATE DATABASE casebook_inbox_bench")
    admin.close()
    call_command("migrate", verbosity=0)


def _email(n: int, sender: str, headers: dict | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "care@casebook.example"
    message["Subject"] = f"Re: my order {n}"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(
        f"Hello,\n\nThe parcel {n} still has not arrived and this is the third time I write. "
        "Please call me back today.\n\nRegards\n\nOn Mon, Care <care@casebook.example> wrote:\n"
        "> We are sorry for the delay.\n> It should arrive soon.\n"
    )
    return message.as_bytes()


def _messages(count: int, clients: list[Client]) -> list[bytes]:
    raws = []
    for n in range(count):
        if n % 20 == 19:
            raws.append(_email(n, "Auto <auto@example.net>", {"Auto-Submitted": "auto-replied"}))
        elif n % 10 == 9:
            raws.append(_email(n, f"Stranger {n} <stranger{n}@example.org>"))
        else:
            client = clients[n % len(clients)]
            raws.append(_email(n, f"{client.name} <{client.email}>"))
    return raws


def _setup(cases: int):
    from accounts.models import Team

    team = Team.objects.create(name=f"Bench {cases}")
    owner = user_create(username=f"owner{cases}", password="x", role=Role.MANAGER, teams=[team])
    now = timezone.now()
    clients = Client.objects.bulk_create(
        Client(team=team, name=f"Client {i}", email=f"client{i}.{cases}@example.com", created_by=owner)
        for i in range(cases)
    )
    # Cases being worked (not new): the first email on a new case also moves it along, which
    # would make the larger set look costlier per message for that reason alone.
    fields = {"team": team, "title": "Parcel late", "owner": owner, "opened_by": owner, "opened_at": now}
    Case.objects.bulk_create(
        Case(client=c, status=CaseStatus.IN_PROGRESS, last_activity_at=now, **fields) for c in clients
    )
    return team, owner, clients


def _mailbox(team, owner, server) -> Mailbox:
    return Mailbox.objects.create(
        team=team,
        owner=owner,
        name="Care",
        address=f"care{team.pk}@casebook.example",
        imap_host=server.host,
        imap_port=server.imap_port,
        imap_security="none",
        imap_user=server.user,
        imap_password=server.password,
    )


def _plain_fetch(server) -> tuple[float, int]:
    started = time.perf_counter()
    imap = imaplib.IMAP4(server.host, server.imap_port)
    imap.authenticate("PLAIN", lambda _challenge: f"\0{server.user}\0{server.password}".encode())
    imap.select("INBOX", readonly=True)
    uids = imap.uid("SEARCH", "ALL")[1][0].split()
    fetched = 0
    for i in range(0, len(uids), 50):
        _typ, data = imap.uid("FETCH", b",".join(uids[i : i + 50]), "(BODY.PEEK[])")
        fetched += sum(1 for part in data if isinstance(part, tuple))
    imap.logout()
    return time.perf_counter() - started, fetched


def _queries_per_message(cases: int, sample: int = 100) -> float:
    team, owner, clients = _setup(cases)
    with dovecot_server() as server:
        server.deliver_many(_messages(sample, clients))
        mailbox = _mailbox(team, owner, server)
        reset_queries()  # the capture counts from the log's length, which stops growing at 9,000
        with CaptureQueriesContext(connection) as queries:
            counts = mailbox_poll(mailbox_id=mailbox.pk, limit=10_000)
    return len(queries) / counts["fetched"]


def main() -> None:
    _reset_database()
    team, owner, clients = _setup(200)
    with dovecot_server() as server:
        server.deliver_many(_messages(N, clients))
        plain_seconds, plain_count = _plain_fetch(server)
        mailbox = _mailbox(team, owner, server)
        started = time.perf_counter()
        counts = mailbox_poll(mailbox_id=mailbox.pk, limit=N + 10)
        inbox_seconds = time.perf_counter() - started
    stored = InboundMessage.objects.filter(mailbox=mailbox).count()
    small, large = _queries_per_message(10), _queries_per_message(2000)
    plain_rate, inbox_rate = plain_count / plain_seconds, counts["stored"] / inbox_seconds
    lines = [
        f"Inbox ingest: {N} messages in one Dovecot mailbox, PostgreSQL, one process",
        f"plain imaplib fetch: {plain_count} messages in {plain_seconds:.2f} s = {plain_rate:.0f} messages/s",
        f"inbox (mailbox_poll): {counts['stored']} stored of {counts['fetched']} fetched in {inbox_seconds:.2f} s "
        f"= {inbox_rate:.0f} messages/s",
        f"ratio, inbox / plain imaplib: {inbox_rate / plain_rate:.3f} (target >= 0.3)",
        f"rows stored: {stored} (each message once)",
        f"queries per ingested message: {small:.1f} with 10 cases, {large:.1f} with 2,000 cases",
    ]
    text = "\n".join(lines)
    print(text)
    stamp = time.strftime("%Y-%m-%dT%H%M")
    (ROOT / "bench" / "results" / f"inbox_ingest-{stamp}.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
