"""Reading a team's mailbox over IMAP (the standard library's imaplib).

A poll opens one session: `pending_uids` lists what has not been acknowledged yet,
`fetch` reads it without marking anything seen, and `acknowledge` runs only after the
caller has committed the messages, so a crash in between reads them again rather than
losing them (the database deduplicates by UID validity and UID).

Acknowledged mail is either flagged in place (\\Seen and our keyword) or, when the
mailbox names a done folder, moved there.
"""

import base64
import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field

KEYWORD = "$CasebookStored"
FETCH_CHUNK = 50


@dataclass(frozen=True)
class ImapAccount:
    """Where and how to read one mailbox; `ssl_context` lets tests trust their own certificate."""

    host: str
    port: int
    security: str  # "tls" | "starttls" | "none", as inbox.models.Security
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    done_folder: str = ""
    timeout: float = 30
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)


class ImapError(Exception):
    """Any failure talking to the server (connection, login, protocol), with a message fit
    to show a manager (never the password)."""


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    size: int  # the whole message's size on the server
    truncated: bool  # only the header block was fetched (the message is over max_bytes)


class ImapSession:
    """One logged-in connection with the account's folder selected (read-write).

    Use it as a context manager: it connects on entry and logs out on exit, always.
    """

    uidvalidity: int

    def __init__(self, account: ImapAccount):
        self.account = account
        self._imap: imaplib.IMAP4 | None = None
        self._capabilities: set[str] = set()

    def __enter__(self) -> "ImapSession":
        try:
            self._connect()
            self._login()
            self._select()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self._imap is not None:
            # No CLOSE first: it would expunge messages someone else marked \Deleted.
            try:
                self._imap.logout()
            except (imaplib.IMAP4.error, OSError):
                with contextlib.suppress(OSError):  # the connection is broken already
                    self._imap.shutdown()
            self._imap = None

    def pending_uids(self, limit: int = 500) -> list[int]:
        """UIDs in the folder not yet acknowledged, oldest first, at most `limit`.

        Flag mode: those without our keyword; move mode: every message. Messages marked
        \\Deleted are left out in both: they are on their way out of the folder.
        """
        criteria = ["UNDELETED"] if self.account.done_folder else ["UNDELETED", "UNKEYWORD", KEYWORD]
        with self._talking("Searching the folder"):
            typ, data = self._imap.uid("SEARCH", *criteria)
            _expect_ok(typ, data)
            uids = sorted({int(uid) for line in data if line for uid in line.split()})
        return uids[:limit]

    def fetch(self, uids: list[int], *, max_bytes: int) -> Iterator[FetchedMessage]:
        """The messages with these UIDs, in the order given, read in batches.

        Nothing is marked seen (BODY.PEEK). A message over `max_bytes` comes as its header
        block only, with `truncated=True`. A UID no longer on the server is skipped.
        """
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start : start + FETCH_CHUNK]
            with self._talking("Reading messages"):
                sizes = {uid: item["size"] for uid, item in self._fetch(chunk, "(UID RFC822.SIZE)").items()}
                small = [uid for uid in chunk if uid in sizes and sizes[uid] <= max_bytes]
                large = [uid for uid in chunk if uid in sizes and sizes[uid] > max_bytes]
                bodies = {}
                if small:
                    bodies.update(self._fetch(small, "(UID BODY.PEEK[])"))
                if large:
                    bodies.update(self._fetch(large, "(UID BODY.PEEK[HEADER])"))
            for uid in chunk:
                if uid in bodies and "body" in bodies[uid]:
                    raw = bodies[uid]["body"]
                    yield FetchedMessage(uid=uid, raw=raw, size=sizes[uid], truncated=uid in large)

    def acknowledge(self, uids: list[int]) -> None:
        """Mark these messages as stored, once the caller has committed them.

        Flag mode sets \\Seen and our keyword. Move mode moves them to the done folder
        (created when missing): UID MOVE where the server has it, else copy, mark
        \\Deleted and expunge.
        """
        if not uids:
            return
        message_set = ",".join(str(uid) for uid in uids)
        done = self.account.done_folder
        if not done:
            with self._talking("Flagging stored messages"):
                _expect_ok(*self._imap.uid("STORE", message_set, "+FLAGS.SILENT", f"(\\Seen {KEYWORD})"))
            return
        target = _mailbox_name(done)
        with self._talking(f"Moving stored messages to {done!r}"):
            typ, data = self._imap.list('""', target)
            _expect_ok(typ, data)
            if not any(data):
                _expect_ok(*self._imap.create(target))
                self._imap.subscribe(target)  # so mail programs show the new folder
            if "MOVE" in self._capabilities:
                _expect_ok(*self._imap.uid("MOVE", message_set, target))
                return
            _expect_ok(*self._imap.uid("COPY", message_set, target))
            _expect_ok(*self._imap.uid("STORE", message_set, "+FLAGS.SILENT", "(\\Deleted)"))
            if "UIDPLUS" in self._capabilities:
                _expect_ok(*self._imap.uid("EXPUNGE", message_set))
            else:
                # Without UIDPLUS the only way out also expunges what others marked \Deleted.
                _expect_ok(*self._imap.expunge())

    def _connect(self) -> None:
        account = self.account
        context = account.ssl_context or ssl.create_default_context()
        with self._talking("Connecting"):
            if account.security == "tls":
                self._imap = imaplib.IMAP4_SSL(account.host, account.port, ssl_context=context, timeout=account.timeout)
            elif account.security in ("starttls", "none"):
                self._imap = imaplib.IMAP4(account.host, account.port, timeout=account.timeout)
                if account.security == "starttls":
                    self._imap.starttls(context)
            else:
                raise ImapError(f"Unknown security setting {account.security!r}.")

    def _login(self) -> None:
        account = self.account
        with self._talking("Logging in"):
            if "AUTH=PLAIN" in self._imap.capabilities:
                # SASL PLAIN takes UTF-8 user names and passwords; LOGIN only ASCII.
                credentials = f"\0{account.user}\0{account.password}".encode()
                self._imap.authenticate("PLAIN", lambda _challenge: credentials)
            else:
                self._imap.login(account.user, account.password)
            # The capabilities before login may not list the extensions (MOVE, UIDPLUS).
            typ, data = self._imap.capability()
            _expect_ok(typ, data)
            self._capabilities = set(data[-1].decode("ascii", "replace").upper().split())

    def _select(self) -> None:
        with self._talking(f"Opening the folder {self.account.folder!r}"):
            _expect_ok(*self._imap.select(_mailbox_name(self.account.folder)))
            _, data = self._imap.response("UIDVALIDITY")
            if not data or data[-1] is None:
                raise ImapError(f"The server gave no UIDVALIDITY for {self.account.folder!r}.")
            self.uidvalidity = int(data[-1])

    def _fetch(self, uids: list[int], items: str) -> dict[int, dict]:
        """One UID FETCH, parsed into {uid: {"size": int, "body": bytes}} (what was asked for)."""
        typ, data = self._imap.uid("FETCH", ",".join(str(uid) for uid in uids), items)
        _expect_ok(typ, data)
        return _parse_fetch(data)

    @contextlib.contextmanager
    def _talking(self, action: str):
        """Turn whatever imaplib, the socket or TLS raise into an ImapError that says what failed."""
        try:
            yield
        except ImapError:
            raise
        except UnicodeError:
            # Its message quotes the offending characters, which may be the password's: not chained.
            raise ImapError(f"{action} on {self._where()} failed: text the server cannot take.") from None
        except (imaplib.IMAP4.error, OSError, ValueError) as exc:
            raise ImapError(f"{action} on {self._where()} failed: {_describe(exc)}") from exc

    def _where(self) -> str:
        return f"{self.account.host}:{self.account.port}"


def imap_session(account: ImapAccount) -> ImapSession:
    """A session on `account`, to use in a `with` block."""
    return ImapSession(account)


# One response's text around a literal, e.g. b'3 (UID 7 RFC822.SIZE 120 BODY[] {120}'.
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_BODY_LITERAL = re.compile(rb"\bBODY\[(?:HEADER)?\] \{\d+\}$")
_BODY_EMPTY = re.compile(rb'\bBODY\[(?:HEADER)?\] (?:NIL|"")')


def _parse_fetch(data: list) -> dict[int, dict]:
    """Parse imaplib's FETCH data: each response is zero or more (text, literal) tuples
    followed by one bytes tail. Items may come in any order; responses without a UID
    (flag changes another client caused) are ignored."""
    parsed, text, body = {}, b"", None
    for part in data:
        if isinstance(part, tuple):
            text += part[0]
            if _BODY_LITERAL.search(part[0]):
                body = part[1]
            continue
        text += part or b""
        if body is None and _BODY_EMPTY.search(text):
            body = b""
        uid = _UID.search(text)
        if uid:
            item = parsed.setdefault(int(uid.group(1)), {})
            if size := _SIZE.search(text):
                item["size"] = int(size.group(1))
            if body is not None:
                item["body"] = body
        text, body = b"", None
    return parsed


def _expect_ok(typ: str, data: list) -> None:
    # imaplib returns NO and BAD for most commands instead of raising; raise as it does
    # elsewhere, so that _talking says which step failed.
    if typ != "OK":
        raise imaplib.IMAP4.error(f"the server answered {typ}: {_describe_data(data)}")


def _describe(exc: BaseException) -> str:
    # imaplib raises with the server's bytes; str() of an OSError is already readable.
    if exc.args and isinstance(exc.args[0], bytes):
        return _describe_data(exc.args)
    return str(exc) or type(exc).__name__


def _describe_data(data) -> str:
    return " ".join(x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in data if x)


def _mailbox_name(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 5.1.3), quoted."""

    def shifted(run: str) -> str:
        return "&" + base64.b64encode(run.encode("utf-16-be")).rstrip(b"=").replace(b"/", b",").decode() + "-"

    # re.split with a group: the odd-numbered parts are the runs of non-ASCII characters.
    parts = re.split(r"([^\x20-\x7e]+)", name)
    encoded = "".join(shifted(part) if i % 2 else part.replace("&", "&-") for i, part in enumerate(parts))
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'
