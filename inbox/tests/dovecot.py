"""A real Dovecot IMAP server for tests, started from its own configuration in a temp folder.

    with dovecot_server() as server:
        server.deliver(raw)
        with imap_session(server.account("tls")) as session: ...

It listens on 127.0.0.1 on two free ports: `imap_port` (plain, STARTTLS offered) and
`imaps_port` (TLS from the start), with a self-signed certificate made by `openssl`
that `ssl_context()` trusts. One user, mail in a maildir in the temp folder. Nothing
outside the temp folder is touched, and the server is stopped however the test ends.
"""

import contextlib
import grp
import imaplib
import os
import pwd
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.testing import require_dovecot
from inbox.imap import ImapAccount

USER = "mailbox@casebook.test"
PASSWORD = "s3cret-Pässword"  # not ASCII: the client must log in with SASL PLAIN (UTF-8)

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {mail_uid}
auth_mechanisms = plain
disable_plaintext_auth = no
# A wrong password is answered at once, not after Dovecot's usual two seconds.
auth_failure_delay = 0
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
mail_location = maildir:{root}/mail/%u
# A test's mail need not survive a power cut; without fsync, delivering is many times faster.
mail_fsync = never
mail_uid = {mail_uid}
mail_gid = {mail_gid}
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
service imap-login {{
  # chroot needs root; without it the same configuration also runs as an ordinary user.
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
{extra_config}
"""


@dataclass
class DovecotServer:
    host: str
    imap_port: int
    imaps_port: int
    user: str
    password: str
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.root / "cert.pem"))

    def account(self, security: str = "none", **overrides) -> ImapAccount:
        """An ImapAccount for this server's user, on the port that fits `security`."""
        port = self.imaps_port if security == "tls" else self.imap_port
        fields = {"host": self.host, "port": port, "security": security, "user": self.user}
        defaults = {"password": self.password, "ssl_context": self.ssl_context(), "timeout": 10}
        return ImapAccount(**fields, **{**defaults, **overrides})

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        """Put a message in `folder` (IMAP APPEND) as mail arriving would; returns its UID."""
        return self.deliver_many([raw], folder)[0]

    def deliver_many(self, raws: list[bytes], folder: str = "INBOX") -> list[int]:
        """Put several messages in `folder` over one connection; returns their UIDs."""
        uids = []
        with self._admin() as imap:
            for raw in raws:
                typ, data = imap.append(_quoted(folder), "", None, raw)
                assert typ == "OK", data
                # "[APPENDUID <uidvalidity> <uid>] Append completed."
                uids.append(int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1)))
        return uids

    def messages(self, folder: str = "INBOX") -> dict[int, bytes]:
        """Every message in `folder` by UID, as the server has it (read without marking it seen)."""
        found = {}
        with self._admin() as imap:
            imap.select(_quoted(folder), readonly=True)
            typ, data = imap.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
            assert typ == "OK", data
            for part in data:
                if isinstance(part, tuple):
                    found[int(re.search(rb"UID (\d+)", part[0]).group(1))] = part[1]
        return found

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """Every message's flags and keywords in `folder`, by UID."""
        found = {}
        with self._admin() as imap:
            imap.select(_quoted(folder), readonly=True)
            typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            assert typ == "OK", data
            for line in data:
                uid, flags = re.search(rb"UID (\d+)", line or b""), re.search(rb"FLAGS \(([^)]*)\)", line or b"")
                if uid and flags:
                    found[int(uid.group(1))] = set(flags.group(1).decode().split())
        return found

    def folders(self) -> set[str]:
        """The user's folder names, decoded (as Dovecot's own `doveadm mailbox list` shows them)."""
        result = subprocess.run(
            ["doveadm", "-c", str(self.config), "mailbox", "list", "-u", self.user],
            capture_output=True,
            check=True,
        )
        return set(result.stdout.decode().splitlines())

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @contextlib.contextmanager
    def _admin(self) -> Iterator[imaplib.IMAP4]:
        imap = imaplib.IMAP4(self.host, self.imap_port, timeout=10)
        try:
            imap.authenticate("PLAIN", lambda _: f"\0{self.user}\0{self.password}".encode())
            yield imap
        finally:
            imap.logout()


@contextlib.contextmanager
def dovecot_server(extra_config: str = "") -> Iterator[DovecotServer]:
    """Start a Dovecot of its own (`dovecot -F`) and stop it when the block ends.

    `extra_config` is appended to the configuration, e.g. `imap_capability = ...` to
    make the server look like one without MOVE. Skips (or fails, with
    CASEBOOK_REQUIRE_SERVICES) when Dovecot is not installed.
    """
    dovecot = require_dovecot()
    with tempfile.TemporaryDirectory(prefix="casebook-dovecot-") as name:
        root = Path(name)
        # Dovecot's own processes run as other users and must reach the password file and mail.
        root.chmod(0o755)
        server = DovecotServer(
            host="127.0.0.1",
            imap_port=_free_port(),
            imaps_port=_free_port(),
            user=USER,
            password=PASSWORD,
            root=root,
        )
        _write_config(server, extra_config)
        with open(root / "stdout.log", "wb") as output:
            process = subprocess.Popen(
                [dovecot, "-F", "-c", str(server.config)],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stopping it stops its children too
            )
            try:
                _wait_until_listening(server, process)
                yield server
            finally:
                _stop(process)
                sys.stdout.write(f"\n--- dovecot log ---\n{server.log()[-5000:]}\n")


def _write_config(server: DovecotServer, extra_config: str) -> None:
    root = server.root
    me = pwd.getpwuid(os.getuid())
    if me.pw_uid == 0:
        # Dovecot will not run its login processes nor read mail as root: use the users
        # the Debian package creates for the first, and "nobody" for the mail.
        login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
        mail_user = pwd.getpwnam("nobody")
    else:
        login_user = internal_user = me.pw_name
        internal_group = grp.getgrgid(me.pw_gid).gr_name
        mail_user = me
    (root / "mail").mkdir()
    os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
    (root / "passwd").write_text(f"{server.user}:{{PLAIN}}{server.password}\n")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", root / "key.pem", "-out", root / "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    server.config.write_text(
        CONFIG.format(
            root=root,
            imap_port=server.imap_port,
            imaps_port=server.imaps_port,
            login_user=login_user,
            internal_user=internal_user,
            internal_group=internal_group,
            mail_uid=mail_user.pw_uid,
            mail_gid=mail_user.pw_gid,
            extra_config=extra_config,
        )
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(server: DovecotServer, process: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (server.root / "stdout.log").read_text(errors="replace")
            pytest.fail(f"Dovecot exited with {process.returncode}:\n{output}\n{server.log()}")
        try:
            with socket.create_connection((server.host, server.imap_port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"Dovecot did not answer on port {server.imap_port} within {timeout} s:\n{server.log()}")


def _stop(process: subprocess.Popen) -> None:
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait()
    _signal_group(process, signal.SIGKILL)  # a child that outlived the master


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
