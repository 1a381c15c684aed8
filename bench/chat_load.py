"""Benchmark (not a test): 200 live chats at once through one real daphne, against a bare
Channels echo consumer on the same server and Redis channel layer.

    .venv/bin/python bench/chat_load.py       # run by `make bench` (BENCH_CHAT=0 skips it)
    BENCH_CHATS=50 BENCH_CHAT_MESSAGES=10 .venv/bin/python bench/chat_load.py

It uses a throw-away PostgreSQL database (casebook_chat_bench beside DATABASE_URL's, made
again each run, so the bench database's figures stay comparable) and REDIS_URL's Redis
(default redis://127.0.0.1:6379/0). One daphne serves bench/chat_asgi.py: the real chat's
websockets as casebook/asgi.py routes them, and the echo consumer (bench/chat_echo.py).

The chats are started and taken beforehand through the services (chat_start, chat_take).
Then every chat has a client socket (from Casebook's own origin) and an agent socket
(a signed-in agent), and each side sends BENCH_CHAT_MESSAGES messages (default 20), one
every BENCH_CHAT_INTERVAL seconds (default 10, a person typing: 40 messages a second in
all; started at a random moment so the chats do not beat in step). Measured per message:
from the send to the other side's receipt.
Counted: messages lost (acknowledged but never received by the other side) and doubled
(received twice by the other side, by seq and by the sender's id). Then the same load
through the echo consumer. Prints p50/p99 of both and the ratio of the p99s (target:
within 3x), and saves it under bench/results/.
"""

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8767
BASE = f"http://127.0.0.1:{PORT}"
from production_env import configure  # noqa: E402 (bench/ is the script folder)

database = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook_bench")
if not database.startswith("postgres"):
    sys.exit("The chat benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
server_url = database.rsplit("/", 1)[0]
os.environ["DATABASE_URL"] = f"{server_url}/casebook_chat_bench"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
# The per-chat message limit (20 per 10 s a side) is the real one's business, not this
# measure's: a backlog delivered at once must not be refused.
configure(base_url=BASE, default_database=os.environ["DATABASE_URL"], CASEBOOK_CHAT_RATE_MESSAGES="1000")

import django  # noqa: E402
import psycopg2  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.core.management import call_command  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from accounts.models import Team  # noqa: E402
from accounts.roles import Role  # noqa: E402
from accounts.services import user_create  # noqa: E402
from chat.availability import availability_set  # noqa: E402
from chat.models import ChatMessage, TeamChat  # noqa: E402
from chat.services import chat_start, chat_take, chat_token  # noqa: E402

CHATS = int(os.environ.get("BENCH_CHATS", "200"))
MESSAGES = int(os.environ.get("BENCH_CHAT_MESSAGES", "20"))
INTERVAL = float(os.environ.get("BENCH_CHAT_INTERVAL", "10"))
LOG = ROOT / "var" / "chat-bench-daphne.log"
GRACE = 10.0
CONNECTING = 20  # sockets opening at once  # seconds to wait for the last deliveries before counting them lost
TARGET_P99_RATIO = 3.0


def _reset_database() -> None:
    admin = psycopg2.connect(f"{server_url}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS casebook_chat_bench")
        cursor.execute("CREATE DATABASE casebook_chat_bench")
    admin.close()
    call_command("migrate", verbosity=0)


def _session_cookie(user) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend"))
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _setup() -> tuple[list[tuple[str, str]], str]:
    """The chats, started and taken through the services: (client path, agent path) each,
    and the agent's session cookie."""
    team = Team.objects.create(name="Chat bench")
    agent = user_create(username="chat-bench-agent", password=None, role=Role.AGENT, teams=[team])
    TeamChat.objects.create(team=team, owner=agent)
    availability_set(user=agent, available=True)
    paths = []
    for n in range(CHATS):
        chat = chat_start(team=team, name=f"Visitor {n}", email=f"visitor{n}@example.com", origin=BASE)
        chat, _joined = chat_take(chat=chat, agent=agent)
        paths.append((f"/ws/chat/client/{chat_token(chat)}/", f"/ws/chat/agent/{chat.pk}/"))
    return paths, _session_cookie(agent)


class Tally:
    """Send and receipt times of one run, and what arrived twice."""

    def __init__(self) -> None:
        self.opened = 0
        self.connecting = asyncio.Semaphore(CONNECTING)
        self.sent: dict[tuple, float] = {}  # (pair, side, id) -> send time
        self.acked: set[tuple] = set()
        self.latencies: list[float] = []
        self.seen_ids: set[tuple] = set()
        self.seen_seqs: set[tuple] = set()
        self.doubled_ids = 0
        self.doubled_seqs = 0
        self.errors: list[str] = []

    def received(self, pair: int, frame: dict, at: float) -> None:
        key = (pair, frame.get("side"), frame.get("id"))
        if key in self.seen_ids:
            self.doubled_ids += 1
        self.seen_ids.add(key)
        seq_key = (pair, frame.get("side"), frame.get("seq"))
        if seq_key in self.seen_seqs:
            self.doubled_seqs += 1
        self.seen_seqs.add(seq_key)
        if key in self.sent:
            self.latencies.append((at - self.sent[key]) * 1000)

    @property
    def lost(self) -> int:
        return len(self.acked - self.seen_ids)


async def _side(url, headers, origin, pair: int, side: str, other: str, tally: Tally, start: asyncio.Event, done):
    """One socket: send MESSAGES paced messages, and note every frame the other side sent."""
    # A few sockets open at a time: hundreds of handshakes at once take more Redis
    # connections (group_add) than the channel layer's pool holds, and fail with a 500.
    async with tally.connecting:
        ws = await connect(url, origin=origin, additional_headers=headers, open_timeout=60, max_queue=None)
    async with ws:

        async def reader():
            async for raw in ws:
                at = time.perf_counter()
                frame = json.loads(raw)
                if frame.get("type") == "message" and frame.get("side") == other:
                    tally.received(pair, frame, at)
                elif frame.get("type") == "ack":
                    tally.acked.add((pair, side, frame.get("id")))
                elif frame.get("type") == "error":
                    tally.errors.append(str(frame.get("message")))

        reading = asyncio.create_task(reader())
        tally.opened += 1
        await start.wait()
        await asyncio.sleep(random.uniform(0, INTERVAL))
        for n in range(1, MESSAGES + 1):
            message_id = f"{side}-{pair}-{n}"
            tally.sent[(pair, side, message_id)] = time.perf_counter()
            await ws.send(json.dumps({"type": "send", "id": message_id, "seq": n, "text": f"Message {n} of {side}"}))
            await asyncio.sleep(INTERVAL)
        await done.wait()
        reading.cancel()


async def _run(pairs: list[tuple[tuple, tuple]], sides: tuple[str, str]) -> Tally:
    """Open every socket, then let them all talk at once; wait for the last deliveries."""
    tally = Tally()
    start, done = asyncio.Event(), asyncio.Event()
    tasks = []
    for pair, (first, second) in enumerate(pairs):
        for (url, headers, origin), side, other in ((first, sides[0], sides[1]), (second, sides[1], sides[0])):
            tasks.append(asyncio.create_task(_side(url, headers, origin, pair, side, other, tally, start, done)))
    # Every socket opens first, so the measure is of talking, not connecting.
    opening = time.monotonic() + 60
    while tally.opened < len(tasks) and time.monotonic() < opening and not any(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    start.set()
    expected = len(tasks) * MESSAGES
    deadline = time.monotonic() + MESSAGES * INTERVAL + 2 + GRACE
    while len(tally.latencies) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    done.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    tally.errors += [
        repr(r) for r in results if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)
    ]
    return tally


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _line(name: str, tally: Tally, expected: int) -> str:
    return (
        f"{name}: {len(tally.latencies)}/{expected} messages, p50 {_percentile(tally.latencies, 50):.1f} ms, "
        f"p99 {_percentile(tally.latencies, 99):.1f} ms, lost {tally.lost}, doubled {tally.doubled_seqs} by seq / "
        f"{tally.doubled_ids} by id, errors {len(tally.errors)}"
    )


@contextlib.contextmanager
def daphne(env: dict):
    """One daphne serving bench/chat_asgi.py; its output's tail is shown when it fails."""
    command = [
        sys.executable,
        "-m",
        "daphne",
        "--bind",
        "127.0.0.1",
        "--port",
        str(PORT),
        "bench.chat_asgi:application",
    ]
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("w+b") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", PORT), timeout=1):
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    sys.exit("daphne did not start:\n" + log.read().decode(errors="replace")[-2000:])
                time.sleep(0.1)
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> None:
    started = time.monotonic()
    _reset_database()
    paths, cookie = _setup()
    ws = f"ws://127.0.0.1:{PORT}"
    with daphne(dict(os.environ)):
        chat_pairs = [
            ((f"{ws}{client}", None, BASE), (f"{ws}{agent}", {"Cookie": cookie}, BASE)) for client, agent in paths
        ]
        real = asyncio.run(_run(chat_pairs, ("client", "agent")))
        echo_pairs = [
            ((f"{ws}/ws/bench/echo/{n}/client/", None, BASE), (f"{ws}/ws/bench/echo/{n}/agent/", None, BASE))
            for n in range(CHATS)
        ]
        echo = asyncio.run(_run(echo_pairs, ("client", "agent")))
    expected = CHATS * 2 * MESSAGES
    stored = ChatMessage.objects.filter(sender__in=["client", "agent"]).count()
    ratio = _percentile(real.latencies, 99) / _percentile(echo.latencies, 99)
    verdict = "ok" if ratio <= TARGET_P99_RATIO else "MISSED"
    lines = [
        f"{CHATS} chats at once, {MESSAGES} messages each way, one every {INTERVAL:g} s a side, one daphne, "
        f"PostgreSQL, Redis channel layer",
        _line("chat (stored, then delivered)", real, expected),
        f"stored messages: {stored}/{expected}",
        _line("echo (bare Channels consumer, no database)", echo, expected),
        f"ratio of the p99s chat / echo: {ratio:.2f} (target <= {TARGET_P99_RATIO:g}: {verdict})",
        f"errors (first 3): {(real.errors + echo.errors)[:3]}",
        f"took {time.monotonic() - started:.0f} s",
    ]
    text = "\n".join(lines)
    print(text)
    stamp = time.strftime("%Y-%m-%dT%H%M")
    (ROOT / "bench" / "results" / f"chat_load-{stamp}.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
