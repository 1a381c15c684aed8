"""parse_message on real-looking and malformed mail: no database needed."""

from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from inbox.models import MessageKind
from inbox.parsing import PERSONAL, ParsedMessage, parse_message

CRLF = b"\r\n"


def lines(*parts: str | bytes) -> bytes:
    """A raw message from its lines, with the CRLF line ends of mail on the wire."""
    return CRLF.join(p if isinstance(p, bytes) else p.encode() for p in parts)


def simple(body: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Jane Client <Jane.Client@Example.com>")
    msg["To"] = headers.pop("To", "support@casebook.test")
    msg["Subject"] = headers.pop("Subject", "My order")
    msg["Message-ID"] = headers.pop("Message_ID", "<m1@example.com>")
    msg["Date"] = "Mon, 07 Dec 2026 10:00:00 +0100"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def assert_storable(parsed: ParsedMessage) -> None:
    """What every parse must give, whatever the input: text PostgreSQL accepts, in the right shape."""
    texts = [parsed.message_id, parsed.from_email, parsed.from_name, parsed.subject, parsed.full_text]
    texts += [parsed.text, parsed.safe_html, *parsed.recipients, *(a.filename for a in parsed.attachments)]
    for text in texts:
        assert isinstance(text, str)
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates
    assert "\n" not in parsed.subject
    assert len(parsed.subject) <= 300
    assert parsed.kind in MessageKind.values
    assert parsed.sent_at is None or parsed.sent_at.tzinfo is not None


def test_kinds_are_the_models_values():
    assert PERSONAL in MessageKind.values


# --- Headers ---------------------------------------------------------------------------------


def test_plain_message_headers():
    raw = simple(
        "Hello, my parcel did not arrive.\n",
        To='"Support" <Support+Tok123@Casebook.test>, other@example.org',
        Cc="boss@example.com",
        Delivered_To="support+tok123@casebook.test",
        X_Original_To="team@casebook.test",
        In_Reply_To="<out-1@casebook.test>",
        References="<out-0@casebook.test> <out-1@casebook.test>",
    )
    parsed = parse_message(raw)
    assert parsed.message_id == "<m1@example.com>"
    assert parsed.from_email == "jane.client@example.com"
    assert parsed.from_name == "Jane Client"
    assert parsed.recipients == [
        "support+tok123@casebook.test",
        "other@example.org",
        "boss@example.com",
        "team@casebook.test",
    ]
    assert parsed.in_reply_to == ["<out-1@casebook.test>"]
    assert parsed.references == ["<out-0@casebook.test>", "<out-1@casebook.test>"]
    assert parsed.subject == "My order"
    assert parsed.sent_at == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert parsed.sent_at.utcoffset() == timedelta(hours=1)
    assert parsed.text == parsed.full_text == "Hello, my parcel did not arrive."
    assert parsed.safe_html == ""
    assert parsed.attachments == []
    assert parsed.kind == "personal"
    assert parsed.headers_only is False
    assert_storable(parsed)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Subject: =?utf-8?q?R=C3=A9clamation_n=C2=B0_42?=", "Réclamation n° 42"),
        ("Subject: =?iso-8859-1?B?Q2Fm6Q==?= =?utf-8?q?_cr=C3=A8me?=", "Café crème"),
        ("Subject: =?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=", "テスト"),
        ("Subject: =?x-unknown?q?caf=E9?=", "caf\ufffd"),
        ("Subject: a\r\n\tfolded\r\n   subject", "a folded subject"),
        ("Subject: " + "x" * 1000, "x" * 300),
        ("Subject: raw utf-8 caf\u00e9", "raw utf-8 café"),
    ],
)
def test_subject_is_decoded_on_one_line(header, expected):
    parsed = parse_message(lines("From: a@example.com", header, "", "body"))
    assert parsed.subject == expected
    assert_storable(parsed)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Mon, 7 Dec 2026 10:00:00 +0000", datetime(2026, 12, 7, 10, tzinfo=UTC)),
        ("7 Dec 2026 10:00:00 -0500", datetime(2026, 12, 7, 10, tzinfo=timezone(timedelta(hours=-5)))),
        ("Mon, 7 Dec 2026 10:00:00 -0000", datetime(2026, 12, 7, 10, tzinfo=UTC)),
        ("yesterday", None),
        ("Mon, 99 Foo 99999 99:99:99 +9999", None),
        ("", None),
    ],
)
def test_sent_at_is_aware_or_none(date, expected):
    parsed = parse_message(lines("From: a@example.com", f"Date: {date}", "", "body"))
    assert parsed.sent_at == expected
    assert_storable(parsed)


@pytest.mark.parametrize(
    ("header", "email", "name"),
    [
        ("From: =?utf-8?q?J=C3=A9r=C3=B4me_Dupont?= <JD@Example.fr>", "jd@example.fr", "Jérôme Dupont"),
        ('From: "Doe, John" <john@example.com>', "john@example.com", "Doe, John"),
        ("From: =?x-unknown?q?J=E9r=F4me?= <j@example.fr>", "j@example.fr", "J\ufffdr\ufffdme"),
        ("From: plain@example.com", "plain@example.com", ""),
        ("From: <a@[", "", ""),  # policy.default raises on reading this one
        ("From: nobody", "", ""),
        ("From: ", "", ""),
    ],
)
def test_from_address_and_name(header, email, name):
    parsed = parse_message(lines(header, "Subject: x", "", "body"))
    assert (parsed.from_email, parsed.from_name) == (email, name)
    assert_storable(parsed)


@pytest.mark.parametrize(
    ("header", "message_id"),
    [
        ("Message-ID: <abc@example.com>", "<abc@example.com>"),
        ("Message-ID:   <abc@example.com> (added by a gateway)", "<abc@example.com>"),
        ("Message-ID: <", "<"),  # policy.default raises on reading this one; kept as given
        ("X-Other: 1", ""),
    ],
)
def test_message_id(header, message_id):
    parsed = parse_message(lines("From: a@example.com", header, "", "body"))
    assert parsed.message_id == message_id
    assert_storable(parsed)


def test_broken_reply_to_and_in_reply_to_do_not_stop_the_rest():
    raw = lines(
        "From: Jane <jane@example.com>",
        'Reply-To: "a" <',
        "In-Reply-To: <<<>>> <good@casebook.test>",
        "To: undisclosed-recipients:;",
        "Subject: Still here",
        "",
        "body",
    )
    parsed = parse_message(raw)
    assert parsed.from_email == "jane@example.com"
    assert parsed.in_reply_to == ["<good@casebook.test>"]
    assert parsed.recipients == []
    assert parsed.subject == "Still here"
    assert parsed.text == "body"


# --- Bodies and charsets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "transfer", "body", "expected"),
    [
        ("text/plain; charset=iso-8859-1", "8bit", "Caf\xe9 cr\xe8me".encode("latin-1"), "Café crème"),
        ("text/plain; charset=windows-1252", "8bit", b"\x93Quoted\x94 \x80 5", "\u201cQuoted\u201d \u20ac 5"),
        ("text/plain; charset=iso-2022-jp", "7bit", "お世話になります".encode("iso-2022-jp"), "お世話になります"),
        ("text/plain; charset=x-unknown", "8bit", "caf\xe9".encode("latin-1"), "caf\ufffd"),
        ("text/plain; charset=x-unknown", "8bit", "café".encode(), "café"),
        ("text/plain; charset=utf-8", "8bit", b"ok \xff\xfe bad", "ok \ufffd\ufffd bad"),
        ("text/plain; charset=us-ascii", "8bit", "mislabelled café".encode(), "mislabelled café"),
        ("text/plain", "8bit", "no charset café".encode(), "no charset café"),
        ("text/plain; charset=hex", "7bit", b"not a text codec", "not a text codec"),
        ("text/plain; charset=utf-8", "quoted-printable", b"caf=C3=A9 =\r\nsoft break", "café soft break"),
        ("text/plain; charset=utf-8", "base64", b"Y2Fmw6kK", "café"),
        # Undecodable base64 is kept as it came (the email package's choice): better than nothing.
        ("text/plain; charset=utf-8", "base64", b"!!!not base64", "!!!not base64"),
        ("text/plain; charset=utf-8", "8bit", b"nul\x00byte", "nulbyte"),
        ("text/plain; charset=utf-8", "x-made-up", b"unknown encoding", "unknown encoding"),
    ],
)
def test_body_charsets(content_type, transfer, body, expected):
    raw = lines(
        "From: a@example.com",
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
        f"Content-Transfer-Encoding: {transfer}",
        "",
        body,
    )
    parsed = parse_message(raw)
    assert parsed.full_text == expected
    assert_storable(parsed)


def test_multipart_alternative_prefers_plain_and_keeps_sanitised_html():
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["Subject"] = "Both"
    msg.set_content("The plain version.\n")
    msg.add_alternative("<html><body><p>The <b>HTML</b> version.</p></body></html>", subtype="html")
    parsed = parse_message(msg.as_bytes())
    assert parsed.full_text == "The plain version."
    assert parsed.safe_html == "<p>The <b>HTML</b> version.</p>"
    assert parsed.attachments == []


def test_html_only_becomes_text():
    html = """<html><head><title>Ignored title</title><style>p {color: red}</style></head>
    <body><div>Hello&nbsp;team,</div><p>My   order
    <b>#42</b> &amp; invoice<br>are missing.</p>
    <ul><li>one</li><li>two</li></ul>
    <table><tr><td>Size</td><td>M</td></tr></table>
    <script>alert(1)</script><pre>  keep   spaces</pre></body></html>"""
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg.set_content(html, subtype="html")
    parsed = parse_message(msg.as_bytes())
    assert parsed.full_text == (
        "Hello team,\n\nMy order #42 & invoice\nare missing.\n\n- one\n- two\n\nSize M\n\nkeep   spaces"
    )
    assert "alert" not in parsed.full_text
    assert "Ignored title" not in parsed.full_text


@pytest.mark.parametrize(
    ("html", "absent", "present"),
    [
        ("<p>Hi<script>alert('x')</script></p>", ["<script", "alert"], ["<p>Hi</p>"]),
        ('<img src="x" onerror="alert(1)">Hi', ["<img", "onerror", "alert"], ["Hi"]),
        ('<img src="https://tracker.example/p.gif">', ["<img", "tracker"], []),
        ('<a href="javascript:alert(1)">click</a>', ["javascript", "alert"], ["click"]),
        ('<a href="//evil.example/x">rel</a>', ["evil"], ["rel"]),
        ('<a href="https://ok.example/" onclick="x()">ok</a>', ["onclick"], ['href="https://ok.example/"', "nofollow"]),
        ('<a href="mailto:a@example.com">mail</a>', [], ['href="mailto:a@example.com"', "noopener"]),
        ('<p style="background:url(javascript:x)">styled</p>', ["style=", "javascript"], ["<p>styled</p>"]),
        ("<style>body{display:none}</style><p>visible</p>", ["display", "<style"], ["<p>visible</p>"]),
        ('<iframe src="https://x.example"></iframe><form action="x"><input></form>', ["iframe", "form", "input"], []),
        ("<svg><script>alert(1)</script></svg>", ["svg", "alert"], []),
        ("<!--[if mso]><p>comment</p><![endif]-->x", ["comment"], ["x"]),
    ],
)
def test_html_is_sanitised(html, absent, present):
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg.set_content(html, subtype="html")
    parsed = parse_message(msg.as_bytes())
    for text in absent:
        assert text not in parsed.safe_html
    for text in present:
        assert text in parsed.safe_html
    assert "alert" not in parsed.full_text


# --- Trimming ----------------------------------------------------------------------------------

GMAIL = """Yes, Tuesday works for me.

Thanks,
Jane

On Mon, 7 Dec 2026 at 10:00, Alice Agent <alice@casebook.test> wrote:

> Hello Jane,
> Would Tuesday suit you?
>
> --
> Alice
"""

GMAIL_WRAPPED = """Yes, Tuesday works.

On Mon, Dec 7, 2026 at 10:00 AM Alice Agent via Casebook Support <
support+tok@casebook.test> wrote:

> Would Tuesday suit you?
"""

OUTLOOK = """Please call me back tomorrow.

Regards
Jane

________________________________
From: Alice Agent <alice@casebook.test>
Sent: Monday, December 7, 2026 10:00 AM
To: Jane Client <jane@example.com>
Subject: RE: My order

Would Tuesday suit you?
"""

OUTLOOK_NO_SEPARATOR = """Please call me back tomorrow.

From: Alice Agent <alice@casebook.test>
Sent: Monday, December 7, 2026 10:00 AM
To: Jane Client <jane@example.com>
Subject: RE: My order

Would Tuesday suit you?
"""

ORIGINAL_MESSAGE = """See below.

-----Original Message-----
From: Alice
Would Tuesday suit you?
"""

APPLE = """Sounds good!

Sent from my iPhone

> On 7 Dec 2026, at 10:00, Alice Agent <alice@casebook.test> wrote:
>
> Would Tuesday suit you?
"""

FRENCH = """Oui, mardi me convient.

Le lun. 7 déc. 2026 à 10:00, Alice Agent <alice@casebook.test> a écrit :
> Mardi vous convient-il ?
"""

GERMAN = """Ja, Dienstag passt.

Am 07.12.2026 um 10:00 schrieb Alice Agent <alice@casebook.test>:
> Passt Ihnen Dienstag?
"""

SIGNATURE = """Here is the photo you asked for.

--
Jane Client
Head of Purchasing, Example Ltd
+44 20 7946 0000
"""

INTERLEAVED = """On Mon, 7 Dec 2026 at 10:00, Alice <alice@casebook.test> wrote:
> What size did you order?
Size M.
> And the colour?
Blue.
"""

ONLY_QUOTE = """> Would Tuesday suit you?
> Alice
"""

ONLY_HISTORY = """-----Original Message-----
From: Alice
Would Tuesday suit you?
"""

BELOW_OUTLOOK = """From: Alice Agent <alice@casebook.test>
Sent: Monday, December 7, 2026 10:00 AM
To: Jane
Subject: RE: My order

Would Tuesday suit you?

My answer: yes.
"""

OUTLOOK_MOBILE = """Fine by me.

Get Outlook for iOS<https://aka.ms/o0ukef>
________________________________
From: Alice
Sent: Monday
Subject: RE: x
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GMAIL, "Yes, Tuesday works for me.\n\nThanks,\nJane"),
        (GMAIL_WRAPPED, "Yes, Tuesday works."),
        (OUTLOOK, "Please call me back tomorrow.\n\nRegards\nJane"),
        (OUTLOOK_NO_SEPARATOR, "Please call me back tomorrow."),
        (ORIGINAL_MESSAGE, "See below."),
        (APPLE, "Sounds good!"),
        (FRENCH, "Oui, mardi me convient."),
        (GERMAN, "Ja, Dienstag passt."),
        (SIGNATURE, "Here is the photo you asked for."),
        (INTERLEAVED, "Size M.\nBlue."),
        (OUTLOOK_MOBILE, "Fine by me."),
        # Nothing new above the history: the whole text is what the client sent.
        (ONLY_QUOTE, ONLY_QUOTE.strip()),
        (ONLY_HISTORY, ONLY_HISTORY.strip()),
        (BELOW_OUTLOOK, BELOW_OUTLOOK.strip()),
        ("Just one line, nothing to trim.", "Just one line, nothing to trim."),
        ("I wrote it on Monday and he wrote: no.\nThe end.", "I wrote it on Monday and he wrote: no.\nThe end."),
    ],
)
def test_text_trims_history_and_signature(body, expected):
    parsed = parse_message(simple(body))
    assert parsed.text == expected
    assert parsed.full_text == body.strip()


def test_html_reply_is_trimmed_at_the_reply_header():
    html = (
        '<div dir="ltr">Yes, Tuesday works.</div><br><div class="gmail_quote"><div class="gmail_attr">'
        "On Mon, 7 Dec 2026 at 10:00, Alice &lt;alice@casebook.test&gt; wrote:<br></div>"
        "<blockquote>Would Tuesday suit you?</blockquote></div>"
    )
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg.set_content(html, subtype="html")
    parsed = parse_message(msg.as_bytes())
    assert parsed.text == "Yes, Tuesday works."
    assert "Would Tuesday suit you?" in parsed.full_text
    assert "<blockquote>Would Tuesday suit you?</blockquote>" in parsed.safe_html


# --- Attachments -------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_attachments_pdf_and_forwarded_message():
    forwarded = EmailMessage()
    forwarded["From"] = "shop@example.org"
    forwarded["Subject"] = "Your order"
    forwarded["Message-ID"] = "<order@example.org>"
    forwarded.set_content("Order confirmed.\n")

    msg = EmailMessage()
    msg["From"] = "jane@example.com"
    msg["Subject"] = "Fwd: Your order"
    msg.set_content("See the invoice and the confirmation.\n")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="../../Invoice 42.pdf")
    msg.add_attachment(forwarded)
    msg.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="=?utf-8?q?caf=C3=A9.png?=")

    parsed = parse_message(msg.as_bytes())
    assert parsed.full_text == "See the invoice and the confirmation."
    pdf, message, image = parsed.attachments
    assert (pdf.filename, pdf.content_type, pdf.content) == ("Invoice 42.pdf", "application/pdf", PDF)
    assert (message.filename, message.content_type) == ("", "message/rfc822")
    assert b"Message-ID: <order@example.org>" in message.content
    assert b"Order confirmed." in message.content
    assert (image.filename, image.content_type, image.content) == ("café.png", "image/png", b"\x89PNG fake")
    assert parsed.kind == "personal"
    assert parsed.bounced_message_ids == []


def test_attachment_filenames_rfc2231_and_windows_path():
    raw = lines(
        "From: a@example.com",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Files attached.",
        "--b",
        "Content-Type: application/octet-stream",
        "Content-Disposition: attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20final.docx",
        "Content-Transfer-Encoding: base64",
        "",
        "aGVsbG8=",
        "--b",
        "Content-Type: application/PDF",
        'Content-Disposition: attachment; filename="C:\\\\Users\\\\jane\\\\scan.pdf"',
        "",
        "%PDF",
        "--b",
        "Content-Type: image/jpeg; name=photo.jpg",
        "Content-Disposition: inline",
        "Content-ID: <img1>",
        "",
        "jpeg",
        "--b",
        "Content-Type: image/gif",
        "Content-Disposition: inline",
        "",
        "no name, inline: decoration, not a file",
        "--b",
        "Content-Type: application/zip",
        "Content-Disposition: attachment",
        "",
        "PK",
        "--b--",
    )
    parsed = parse_message(raw)
    assert parsed.full_text == "Files attached."
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("Résumé final.docx", "application/octet-stream", b"hello"),
        ("scan.pdf", "application/pdf", b"%PDF"),
        ("photo.jpg", "image/jpeg", b"jpeg"),
        ("", "application/zip", b"PK"),
    ]


def test_inline_text_parts_are_the_body_and_html_bodies_are_not_attachments():
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg.set_content("First part.\n")
    msg.add_alternative("<p>First part.</p>", subtype="html")
    msg.make_mixed()
    msg.attach(EmailMessage())
    msg.get_payload()[1].set_content("Second part.\n", disposition="inline")
    parsed = parse_message(msg.as_bytes())
    assert parsed.full_text == "First part.\n\nSecond part."
    assert parsed.attachments == []


# --- Kind ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({}, "personal"),
        ({"Auto_Submitted": "auto-replied"}, "automatic"),
        ({"Auto_Submitted": "auto-generated; owner-email=x@example.com"}, "automatic"),
        ({"Auto_Submitted": "no"}, "personal"),
        ({"Auto_Submitted": "No"}, "personal"),
        ({"X_Autoreply": "yes"}, "automatic"),
        ({"X_Autorespond": "Out of office"}, "automatic"),
        ({"X_Auto_Response_Suppress": "All"}, "automatic"),
        ({"X_Auto_Response_Suppress": "DR, OOF, AutoReply"}, "automatic"),
        ({"X_Auto_Response_Suppress": "DR, RN"}, "personal"),
        ({"Precedence": "auto_reply"}, "automatic"),
        ({"Precedence": "bulk"}, "list"),
        ({"Precedence": "list"}, "list"),
        ({"Precedence": "Junk"}, "list"),
        ({"List_Id": "<news.example.com>"}, "list"),
        ({"List_Unsubscribe": "<mailto:unsub@example.com>"}, "list"),
        ({"Auto_Submitted": "auto-generated", "List_Id": "<x>"}, "automatic"),
        # A subject alone does not make it automatic: a person may write or forward one.
        ({"Subject": "Automatic reply: My order"}, "personal"),
        ({"Subject": "Out of office"}, "personal"),
        ({"Subject": "Automatic reply: My order", "Auto_Submitted": "auto-replied"}, "automatic"),
        ({"Subject": "Undeliverable: hello"}, "personal"),  # a person, not a mailer daemon
        ({"From": "MAILER-DAEMON@mx.example.com", "Subject": "Undelivered Mail Returned to Sender"}, "bounce"),
        ({"From": "postmaster@example.com", "Subject": "Delivery Status Notification (Failure)"}, "bounce"),
        ({"From": "postmaster@example.com", "Subject": "Hello from the postmaster"}, "personal"),
        ({"X_Failed_Recipients": "gone@example.com"}, "bounce"),
    ],
)
def test_kind(headers, kind):
    parsed = parse_message(simple("Hello.\n", **headers))
    assert parsed.kind == kind


POSTFIX_BOUNCE = lines(
    "Return-Path: <>",
    "Delivered-To: support@casebook.test",
    "Received: by mx.casebook.test (Postfix) id 4F2A1C0123; Mon,  7 Dec 2026 10:00:05 +0100 (CET)",
    "Date: Mon,  7 Dec 2026 10:00:05 +0100 (CET)",
    "From: MAILER-DAEMON@mx.casebook.test (Mail Delivery System)",
    "Subject: Undelivered Mail Returned to Sender",
    "To: support@casebook.test",
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    "Content-Type: multipart/report; report-type=delivery-status;",
    '\tboundary="4F2A1C0123.1765098005/mx.casebook.test"',
    "Content-Transfer-Encoding: 8bit",
    "Message-Id: <20261207090005.4F2A1C0123@mx.casebook.test>",
    "",
    "This is a MIME-encapsulated message.",
    "",
    "--4F2A1C0123.1765098005/mx.casebook.test",
    "Content-Description: Notification",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "This is the mail system at host mx.casebook.test.",
    "",
    "I'm sorry to have to inform you that your message could not",
    "be delivered to one or more recipients. It's attached below.",
    "",
    "                   The mail system",
    "",
    "<gone@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1",
    "    <gone@example.com>: Recipient address rejected: User unknown (in reply to",
    "    RCPT TO command)",
    "",
    "--4F2A1C0123.1765098005/mx.casebook.test",
    "Content-Description: Delivery report",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.casebook.test",
    "X-Postfix-Queue-ID: 4F2A1C0123",
    "Arrival-Date: Mon,  7 Dec 2026 10:00:01 +0100 (CET)",
    "",
    "Final-Recipient: rfc822; gone@example.com",
    "Action: failed",
    "Status: 5.1.1",
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: User unknown",
    "",
    "--4F2A1C0123.1765098005/mx.casebook.test",
    "Content-Description: Undelivered Message",
    "Content-Type: message/rfc822",
    "Content-Transfer-Encoding: 8bit",
    "",
    "Return-Path: <support@casebook.test>",
    "From: Casebook Support <support@casebook.test>",
    "To: gone@example.com",
    "Subject: About your case",
    "Message-ID: <case-17.out-3@casebook.test>",
    "Date: Mon,  7 Dec 2026 10:00:00 +0100",
    "",
    "Hello, about your case...",
    "",
    "--4F2A1C0123.1765098005/mx.casebook.test--",
    "",
)


def test_postfix_bounce_with_the_original_message():
    parsed = parse_message(POSTFIX_BOUNCE)
    assert parsed.kind == "bounce"
    assert parsed.bounced_message_ids == ["<case-17.out-3@casebook.test>"]
    assert parsed.message_id == "<20261207090005.4F2A1C0123@mx.casebook.test>"
    assert parsed.from_email == "mailer-daemon@mx.casebook.test"
    assert parsed.full_text.startswith("This is the mail system at host mx.casebook.test.")
    assert "User unknown" in parsed.full_text
    assert "Hello, about your case" not in parsed.full_text


def test_bounce_with_only_the_original_headers():
    raw = POSTFIX_BOUNCE.replace(b"Content-Type: message/rfc822", b"Content-Type: text/rfc822-headers")
    raw = raw.replace(b"\r\n\r\nHello, about your case...", b"")
    parsed = parse_message(raw)
    assert parsed.kind == "bounce"
    assert parsed.bounced_message_ids == ["<case-17.out-3@casebook.test>"]
    assert "Message-ID: <case-17" not in parsed.full_text


def test_plain_text_bounce_falls_back_to_a_message_id_line():
    body = (
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its recipients.\n\n"
        "  gone@example.com\n    Mailbox does not exist\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        "From: support@casebook.test\nMessage-Id: <case-9.out-1@casebook.test>\nSubject: About your case\n"
    )
    raw = simple(body, From="Mail Delivery System <Mailer-Daemon@mx.example.com>", Subject="Mail delivery failed")
    parsed = parse_message(raw)
    assert parsed.kind == "bounce"
    assert parsed.bounced_message_ids == ["<case-9.out-1@casebook.test>"]


def test_only_a_bounce_reports_bounced_ids():
    parsed = parse_message(simple("Message-ID: <quoted@example.com>\n"))
    assert parsed.kind == "personal"
    assert parsed.bounced_message_ids == []


# --- Headers only, and anything at all --------------------------------------------------------


def test_headers_only():
    header_block = POSTFIX_BOUNCE.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    parsed = parse_message(header_block, headers_only=True)
    assert parsed.headers_only is True
    assert parsed.subject == "Undelivered Mail Returned to Sender"
    assert parsed.kind == "bounce"
    assert parsed.bounced_message_ids == []
    assert (parsed.full_text, parsed.text, parsed.safe_html, parsed.attachments) == ("", "", "", [])

    whole = parse_message(simple("Body that was not fetched.\n"), headers_only=True)
    assert whole.full_text == ""
    assert whole.from_email == "jane.client@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00",
        b"\r\n\r\n",
        bytes(range(256)) * 40,
        b"\xff\xfe\x00garbage\x00\x80\x81" * 1000,
        b"Subject: no body, no blank line",
        b"From: a@example.com\nContent-Type: multipart/mixed\n\nno boundary at all",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/mixed; boundary=x\n\n--x\n",
        b'Content-Type: multipart/alternative; boundary="\n\n--',
        b"Content-Type: text/html; charset=utf-8\n\n<![CDATA[<!x><![if><a href='" + b"<" * 5000,
        b"Content-Type: text/html\n\n<<<>>></a></b><p<p<p>&#xffffffff;&#0;&bogus;",
        b"Content-Type: message/rfc822\n\nnot really a message",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=z\n\n--z\nContent-Type: m/x\n",
        b"Content-Type: text/plain; charset*=x''%ff%ff\n\nbody",
        b'Content-Type: text/plain; charset="utf-16"\n\n\xff\xfe\x00\xd8',  # a lone surrogate in UTF-16
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n!!!!\n",
        b"Subject: =?utf-8?B?!!!bad?= =?utf-8?Q?=ZZ?= =?bogus?\nFrom: =?x?q?=00?= <\x00@\xff>\n\nx",
        b"Content-Disposition: attachment; filename*=bad''%%%\nContent-Type: application/pdf\n\n%PDF",
        b"".join(b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(200)),
        b"From: " + b"a" * 100_000 + b"@example.com\nTo: " + b"<x@y>," * 5000 + b"\n\nbody",
    ],
)
def test_never_raises(raw, caplog):
    parsed = parse_message(raw)
    assert_storable(parsed)
    assert_storable(parse_message(raw, headers_only=True))
    # Handled by the step that met the problem, not by parse_message's last-resort guard.
    assert not [r for r in caplog.records if r.name == "inbox.parsing"]


def test_empty_bytes():
    parsed = parse_message(b"")
    assert (parsed.message_id, parsed.from_email, parsed.subject, parsed.text) == ("", "", "", "")
    assert parsed.sent_at is None
    assert parsed.kind == "personal"


def test_two_megabyte_single_line_body():
    line = "word " * 400_000
    parsed = parse_message(lines("From: a@example.com", "Content-Type: text/plain; charset=utf-8", "", line))
    assert len(parsed.full_text) == len(line.strip())
    assert parsed.text == parsed.full_text


def test_two_megabyte_single_line_html_body_gives_text_and_no_html_view():
    line = "<b>word</b> " * 200_000
    parsed = parse_message(lines("From: a@example.com", "Content-Type: text/html; charset=utf-8", "", line))
    assert parsed.full_text == " ".join(["word"] * 200_000)
    assert parsed.safe_html == ""


@pytest.mark.parametrize(
    "html",
    [
        "<a " * 20_000,  # html.parser alone takes some 40 s on this
        "<div>" * 50_000 + "deep",  # nh3 alone takes some 5 s on this
        "<span>" * 600 + "deep" + "</span>" * 600,
    ],
)
def test_hostile_html_is_read_without_the_slow_parsers(html):
    parsed = parse_message(lines("From: a@example.com", "Content-Type: text/html; charset=utf-8", "", html))
    assert_storable(parsed)
    assert parsed.safe_html == ""
    assert "div>" not in parsed.full_text
    assert "span>" not in parsed.full_text


def test_html_nested_within_bounds_keeps_its_view():
    html = "<div>" * 100 + "deep" + "</div>" * 100 + "<p>unclosed<p>paragraphs" * 1000
    parsed = parse_message(lines("From: a@example.com", "Content-Type: text/html; charset=utf-8", "", html))
    assert parsed.safe_html.startswith("<div><div>")
    assert parsed.full_text.startswith("deep\n\nunclosed")


def test_very_long_headers_are_read_without_policy_default():
    # policy.default would take minutes on this subject; compat32 and decode_header do not.
    raw = lines(
        "From: =?utf-8?q?J=C3=A9r=C3=B4me?= <jerome@example.fr>",
        "To: " + "a@example.com, " * 50_000 + "support+tok@casebook.test",
        "Subject: " + "=?utf-8?q?caf=C3=A9?= " * 50_000,
        "Message-ID: <long@example.fr>",
        "",
        "body",
    )
    parsed = parse_message(raw)
    assert parsed.subject == "café" * 75
    assert parsed.recipients == ["a@example.com", "support+tok@casebook.test"]
    assert (parsed.from_email, parsed.from_name) == ("jerome@example.fr", "Jérôme")
    assert parsed.message_id == "<long@example.fr>"
    assert parsed.text == "body"


def test_html_head_and_title_are_not_shown():
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg.set_content("<html><head><title>Secret title</title></head><body><p>Hi</p></body></html>", subtype="html")
    parsed = parse_message(msg.as_bytes())
    assert parsed.safe_html == "<p>Hi</p>"
    assert parsed.full_text == "Hi"


def test_an_unexpected_error_still_gives_the_text_and_is_logged(monkeypatch, caplog):
    def broken(msg):
        raise RuntimeError("a bug in a step")

    monkeypatch.setattr("inbox.parsing._walk", broken)
    parsed = parse_message(simple("Hello.\n"))
    assert "Hello." in parsed.full_text
    assert parsed.kind == "personal"
    assert_storable(parsed)
    assert "Could not parse a message" in caplog.text
