"""Email of a report: composing the message and handing it to an SMTP server.

This module knows SMTP, not the database: ``compose`` builds an
``EmailMessage`` (policy SMTP: CRLF line ends, RFC 2047/2231 encodings) and
refuses any header value holding a line break or other control character, so
user text (a fund name in the subject) can never add a header; ``deliver``
sends one message and classifies the outcome:

- ``sent``: the server answered 250 to the end of DATA — it now owns the message;
- ``retry``: a temporary problem (server down, 4xx, connection lost before the
  reply to DATA — by RFC 5321 the message is then not the server's yet);
- ``failed``: a permanent refusal (5xx, e.g. 550 no such user, 535 bad login).

``before_data`` is called right before DATA starts, so the caller can record
that point: if the process dies after it, the outcome is unknown (see the
outbox service for what we do then).
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
DEFAULT_TIMEOUT_S = 30


class HeaderInjectionError(ValueError):
    """A header value would contain a line break or control character."""


@dataclass(frozen=True)
class MailSettings:
    server: str = "localhost"
    port: int = 25
    use_tls: bool = False  # STARTTLS after connecting in plain
    use_ssl: bool = False  # TLS from the first byte (SMTPS, usually port 465)
    username: str | None = None
    password: str | None = None
    sender: str = "fundtrack@localhost"
    timeout: float = DEFAULT_TIMEOUT_S
    #: For tests with a self-signed certificate; production verifies as usual.
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER") or "localhost",
            port=int(config.get("MAIL_PORT") or 25),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=config.get("MAIL_DEFAULT_SENDER") or "fundtrack@localhost",
        )


def header_text(text: str) -> str:
    """User text made safe for a header by folding every line break and control into a space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def check_header(name: str, value: str) -> str:
    if _CONTROL.search(value):
        raise HeaderInjectionError(f"the {name} header may not contain line breaks or controls")
    return value


def address(text: str) -> Address:
    """A single mailbox address (``a@b.c``), refusing anything that is not exactly that."""
    check_header("address", text)
    if text.count("@") != 1 or any(c in text for c in " ,;<>()[]\"'"):
        raise HeaderInjectionError(f"not a single email address: {text[:80]!r}")
    local, domain = text.rsplit("@", 1)
    if not local or not domain:
        raise HeaderInjectionError(f"not a single email address: {text[:80]!r}")
    return Address(addr_spec=text)


def attachment_name(text: str) -> str:
    """A file name from user text: no path separators or controls; kept as Unicode."""
    cleaned = _FILENAME_BAD.sub("_", header_text(text)).strip(". ")
    return cleaned[:150] or "report.pdf"


def message_id(report_id: int, recipient: str, domain: str) -> str:
    """A stable Message-ID for one report to one recipient (the same on every retry)."""
    digest = hashlib.sha256(f"{report_id}:{recipient.lower()}".encode()).hexdigest()[:20]
    return f"<fundtrack.report{report_id}.{digest}@{domain}>"


def compose(
    *,
    sender: str,
    recipient: str,
    subject: str,
    body: str,
    message_id: str,
    attachment: bytes | None = None,
    filename: str = "report.pdf",
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = address(sender)
    message["To"] = address(recipient)
    message["Subject"] = check_header("Subject", subject)
    message["Message-ID"] = check_header("Message-ID", message_id)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message.set_content(body)
    if attachment is not None:
        # A (charset, language, value) tuple makes the RFC 2231 form filename*=utf-8''…
        message.add_attachment(
            attachment, maintype="application", subtype="pdf",
            filename=("utf-8", "", attachment_name(filename)),
        )
    return message


@dataclass(frozen=True)
class Delivery:
    outcome: str  # sent | retry | failed
    detail: str


def _connect(settings: MailSettings) -> smtplib.SMTP:
    context = settings.ssl_context or ssl.create_default_context()
    if settings.use_ssl:
        client = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout,
                                  context=context)
    else:
        client = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    client.ehlo_or_helo_if_needed()
    if settings.use_tls and not settings.use_ssl:
        client.starttls(context=context)
        client.ehlo()
    if settings.username:
        client.login(settings.username, settings.password or "")
    return client


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()[:500]


def _by_code(code: int, detail: str) -> Delivery:
    return Delivery("failed" if 500 <= code < 600 else "retry", detail)


def deliver(
    settings: MailSettings,
    message: EmailMessage,
    before_data: Callable[[], None] | None = None,
) -> Delivery:
    """Hand one message to the server; never raises for SMTP or network problems."""
    sender = message["From"].addresses[0].addr_spec
    recipient = message["To"].addresses[0].addr_spec
    payload = message.as_bytes(policy=SMTP)
    try:
        client = _connect(settings)
    except smtplib.SMTPAuthenticationError as exc:
        return _by_code(exc.smtp_code, "login refused: " + _reply(exc.smtp_code, exc.smtp_error))
    except smtplib.SMTPResponseException as exc:
        return Delivery("retry", "connect: " + _reply(exc.smtp_code, exc.smtp_error))
    except smtplib.SMTPNotSupportedError as exc:
        # e.g. no AUTH or no STARTTLS offered: a configuration problem, not a passing one.
        return Delivery("failed", f"server {settings.server}:{settings.port}: {exc}")
    except (OSError, smtplib.SMTPException) as exc:
        return Delivery("retry", f"cannot reach {settings.server}:{settings.port}: {exc}")
    try:
        options = ["SMTPUTF8"] if client.has_extn("smtputf8") and not recipient.isascii() else []
        code, text = client.mail(sender, options)
        if code != 250:
            return _by_code(code, "MAIL FROM: " + _reply(code, text))
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            return _by_code(code, "RCPT TO: " + _reply(code, text))
        if before_data is not None:
            before_data()
        code, text = client.data(payload)
        if code != 250:
            return _by_code(code, "DATA: " + _reply(code, text))
        return Delivery("sent", _reply(code, text))
    except smtplib.SMTPResponseException as exc:
        return _by_code(exc.smtp_code, _reply(exc.smtp_code, exc.smtp_error))
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        # Lost before the server's reply: not accepted as far as SMTP is concerned.
        return Delivery("retry", f"connection lost: {type(exc).__name__}: {exc}")
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
