"""inbox.imap against a real Dovecot (inbox/tests/dovecot.py)."""

import time

import pytest

from inbox.imap import KEYWORD, ImapAccount, ImapError, _parse_fetch, imap_session
from inbox.tests.dovecot import dovecot_server

pytestmark = pytest.mark.integration


def message(number: int, body: bytes = b"Hello.\r\n") -> bytes:
    return (
        f"From: Greta Holm <greta@example.com>\r\nTo: care@casebook.test\r\n"
        f"Subject: Oven visit {number}\r\nMessage-ID: <{number}@example.com>\r\n\r\n"
    ).encode() + body


def test_pending_uids_lists_delivered_messages_oldest_first(dovecot):
    uids = [dovecot.deliver(message(n)) for n in range(3)]

    with imap_session(dovecot.account()) as session:
        assert session.pending_uids() == uids
        assert session.pending_uids(limit=2) == uids[:2]


def test_an_empty_folder_has_nothing_pending(dovecot):
    with imap_session(dovecot.account()) as session:
        assert session.pending_uids() == []
        assert list(session.fetch([], max_bytes=1000)) == []


def test_fetch_returns_the_exact_bytes_and_marks_nothing_seen(dovecot):
    # 8-bit text, and lines that look like IMAP, must come back untouched.
    tricky = "Grüße, 5 € cash.\r\n) UID 99 RFC822.SIZE 1 BODY[] {3}\r\n".encode()
    raws = [message(1), message(2, tricky), message(3, b"")]
    uids = dovecot.deliver_many(raws)

    with imap_session(dovecot.account()) as session:
        fetched = list(session.fetch(uids, max_bytes=10_000))

    assert [(m.uid, m.raw, m.size, m.truncated) for m in fetched] == [
        (uid, raw, len(raw), False) for uid, raw in zip(uids, raws, strict=True)
    ]
    assert all("\\Seen" not in flags for flags in dovecot.flags().values())


def test_an_over_size_message_comes_as_its_headers_with_its_full_size(dovecot):
    small = message(1)
    large = message(2, b"x" * 5000 + b"\r\n")
    uids = dovecot.deliver_many([small, large])

    with imap_session(dovecot.account()) as session:
        fetched = {m.uid: m for m in session.fetch(uids, max_bytes=1000)}

    assert fetched[uids[0]].raw == small
    assert not fetched[uids[0]].truncated
    header_block = large.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    assert fetched[uids[1]].raw == header_block
    assert fetched[uids[1]].truncated
    assert fetched[uids[1]].size == len(large)


def test_a_uid_gone_from_the_server_is_skipped(dovecot):
    uid = dovecot.deliver(message(1))

    with imap_session(dovecot.account()) as session:
        assert [m.uid for m in session.fetch([uid, uid + 100], max_bytes=1000)] == [uid]


def test_acknowledge_in_flag_mode_hides_them_and_leaves_them_flagged_on_the_server(dovecot):
    first, second = dovecot.deliver_many([message(1), message(2)])

    with imap_session(dovecot.account()) as session:
        session.acknowledge([first])
        assert session.pending_uids() == [second]

    with imap_session(dovecot.account()) as session:
        assert session.pending_uids() == [second]
    assert set(dovecot.messages()) == {first, second}
    flags = dovecot.flags()
    assert {"\\Seen", KEYWORD} <= flags[first]
    assert "\\Seen" not in flags[second]
    assert KEYWORD not in flags[second]


def test_acknowledge_in_move_mode_moves_them_to_the_done_folder_it_creates(dovecot):
    raws = [message(1), message(2), message(3)]
    first, second, third = dovecot.deliver_many(raws)
    account = dovecot.account(done_folder="Traité")  # not ASCII: sent as modified UTF-7
    assert "Traité" not in dovecot.folders()

    with imap_session(account) as session:
        session.acknowledge([first, second])
        assert session.pending_uids() == [third]
        session.acknowledge([third])  # the folder is there now
        assert session.pending_uids() == []

    assert "Traité" in dovecot.folders()
    assert dovecot.messages() == {}
    assert sorted(dovecot.messages("Trait&AOk-").values()) == sorted(raws)


@pytest.mark.parametrize(
    "capabilities",
    ["IMAP4rev1 UIDPLUS", "IMAP4rev1"],
    ids=["copy and uid expunge", "copy and expunge"],
)
def test_move_mode_works_on_a_server_without_move(capabilities):
    with dovecot_server(f"imap_capability = {capabilities}") as server:
        first, second = server.deliver_many([message(1), message(2)])

        with imap_session(server.account(done_folder="Done")) as session:
            session.acknowledge([first])
            assert session.pending_uids() == [second]

        assert list(server.messages().values()) == [message(2)]
        assert list(server.messages("Done").values()) == [message(1)]


def test_uidvalidity_is_stable_across_sessions(dovecot):
    dovecot.deliver(message(1))

    with imap_session(dovecot.account()) as session:
        first = session.uidvalidity
    dovecot.deliver(message(2))
    with imap_session(dovecot.account("tls")) as session:
        assert session.uidvalidity == first
    assert first > 0


@pytest.mark.parametrize("security", ["tls", "starttls", "none"])
def test_every_security_setting_reads_the_mailbox(dovecot, security):
    uid = dovecot.deliver(message(1))

    with imap_session(dovecot.account(security)) as session:
        assert [m.raw for m in session.fetch(session.pending_uids(), max_bytes=10_000)] == [message(1)]
        assert session.pending_uids() == [uid]


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_a_certificate_the_system_does_not_trust_is_refused(dovecot, security):
    account = dovecot.account(security, ssl_context=None)  # the system's CAs only

    with (
        pytest.raises(ImapError, match=r"Connecting on 127\.0\.0\.1:.*CERTIFICATE_VERIFY_FAILED"),
        imap_session(account),
    ):
        pass


def test_a_wrong_password_raises_imap_error_without_the_password(dovecot):
    account = dovecot.account(password="wrong-password-Zebra42")

    with pytest.raises(ImapError) as error, imap_session(account):
        pass

    assert "Logging in" in str(error.value)
    assert "AUTHENTICATIONFAILED" in str(error.value)
    assert "Zebra42" not in str(error.value)
    assert "Zebra42" not in repr(account)


def test_a_missing_folder_raises_imap_error(dovecot):
    with (
        pytest.raises(ImapError, match="Opening the folder 'Nowhere'"),
        imap_session(dovecot.account(folder="Nowhere")),
    ):
        pass


def test_a_server_that_is_down_raises_imap_error():
    with dovecot_server() as server:
        account = server.account("tls")
    # The server is stopped: nothing listens on its port any more.

    with pytest.raises(ImapError, match=r"Connecting on 127\.0\.0\.1"), imap_session(account):
        pass


def test_a_thousand_messages_are_fetched_in_batches(dovecot):
    raws = [message(n, f"Message number {n}.\r\n".encode() * 20) for n in range(1000)]
    dovecot.deliver_many(raws)

    started = time.monotonic()
    with imap_session(dovecot.account()) as session:
        uids = session.pending_uids(limit=1000)
        fetched = list(session.fetch(uids, max_bytes=100_000))
        session.acknowledge(uids)
        left = session.pending_uids()
    elapsed = time.monotonic() - started

    print(f"\n1000 messages listed, fetched and acknowledged in {elapsed:.2f} s")
    assert [m.raw for m in fetched] == raws
    assert left == []


def test_fetch_responses_are_parsed_whatever_the_order_of_their_items():
    # As imaplib returns them: (text, literal) tuples, then the response's tail.
    data = [
        (b"1 (RFC822.SIZE 12 BODY[] {12}", b"Subject: a\r\n"),
        b" UID 7)",
        b"2 (FLAGS (\\Seen))",  # a flag change another client caused: no UID, ignored
        (b"3 (UID 9 BODY[HEADER] {4}", b"X: y"),
        b" RFC822.SIZE 4000)",
        b'4 (UID 11 RFC822.SIZE 0 BODY[] "")',
    ]

    assert _parse_fetch(data) == {
        7: {"size": 12, "body": b"Subject: a\r\n"},
        9: {"size": 4000, "body": b"X: y"},
        11: {"size": 0, "body": b""},
    }


def test_an_unknown_security_setting_raises_imap_error():
    account = ImapAccount(host="127.0.0.1", port=1, security="ssl", user="u", password="p")

    with pytest.raises(ImapError, match="Unknown security setting 'ssl'"), imap_session(account):
        pass
