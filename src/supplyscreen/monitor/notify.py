"""A monitor's notifications: a signed webhook or an e-mail, retried with exponential backoff.

:func:`deliver` sends one notification to one target and answers a :class:`Delivery`. It never raises
because a delivery failed (receiver down, refusal, timeout): the :class:`Delivery` says so, with the
last attempt's error. It raises :class:`~supplyscreen.errors.SupplyscreenError` (exit code 2 at the
command line) only for a malformed target or missing configuration, checked before anything is sent.

Targets (:func:`parse_target`):

``https://host/path`` or ``http://…``
    the payload POSTed as JSON (UTF-8, ``Content-Type: application/json``). A 2xx answer is success;
    5xx, 408, 429, connection errors and timeouts are retried; any other answer is final (redirects
    are not followed: give the final URL). A user and password in the URL are sent as HTTP Basic
    authentication and never shown.
``mailto:a@example.com[,b@example.com]``
    an e-mail: the subject, the plain-text summary as the body and the payload attached as
    ``changes.json``. SMTP 4xx replies and connection errors are retried, 5xx replies are final.

Settings, read from the ``env`` mapping given to :func:`deliver` (the process environment by default):

================================  ==============================================================
``SUPPLYSCREEN_WEBHOOK_SECRET``   signs each webhook body (below); unset: no signature is sent
``SUPPLYSCREEN_SMTP_URL``         the mail server, required for ``mailto:`` targets:
                                  ``smtp://host:25`` (no encryption, no password),
                                  ``smtp+starttls://user:password@host:587`` or
                                  ``smtps://user:password@host:465`` (user and password
                                  percent-encoded, as in any URL)
``SUPPLYSCREEN_MAIL_FROM``        the sender, required for ``mailto:`` targets:
                                  ``monitor@example.com`` or ``Supplyscreen <monitor@example.com>``
``SUPPLYSCREEN_SMTP_CAFILE``      a PEM file of the CA certificates that the mail server's
                                  certificate is checked against, instead of the system's (a
                                  private CA, or a test server's self-signed certificate)
================================  ==============================================================

Webhook receivers: with ``SUPPLYSCREEN_WEBHOOK_SECRET`` set, each request carries
``X-Supplyscreen-Signature: sha256=<hex>``, the lower-case hex HMAC-SHA256 of the body bytes exactly as
received, keyed with the secret (UTF-8). Check it before parsing the JSON::

    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Supplyscreen-Signature", "")):
        reject()

Without a secret no signature header is sent; receivers should require one and reject unsigned
requests, so configure the secret on both sides. ``X-Supplyscreen-Delivery`` carries an id that is the
same on every attempt of one delivery: a receiver that saw it already can drop the repeat (a retry
after an answer lost on the way).

No password or secret appears in a :class:`Delivery`, an error message or the log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import os
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import IO, Any, Literal, NamedTuple

from supplyscreen.errors import SupplyscreenError
from supplyscreen.settings import MAIL_FROM_ENV, SMTP_CAFILE_ENV, SMTP_URL_ENV, WEBHOOK_SECRET_ENV
from supplyscreen.version import __version__

SIGNATURE_HEADER = "X-Supplyscreen-Signature"
DELIVERY_HEADER = "X-Supplyscreen-Delivery"
#: the name of the JSON payload attached to an e-mail
ATTACHMENT = "changes.json"
#: seconds one attempt may wait for a connection or an answer
TIMEOUT = 30.0

_REDACTED = "***"
_READ_LIMIT = 64 * 1024  # of a webhook's answer, read and dropped
_RETRY_HTTP = frozenset({408, 429})  # the 4xx answers that are worth another attempt
_SMTP_SCHEMES: dict[str, tuple[Literal["none", "starttls", "tls"], int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ATOM = r"[^\s\x00-\x1f\x7f@<>,;:\"()\[\]\\]"
_LABEL = r"[^\s\x00-\x1f\x7f@<>,;:\"()\[\]\\.]+"
_ADDRESS = re.compile(rf"{_ATOM}+@{_LABEL}(?:\.{_LABEL})+")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one notification."""

    #: the URL or ``mailto:`` address, any password in it replaced by ``***``
    target: str
    ok: bool
    #: attempts made, 1 to ``attempts``
    attempts: int
    #: the answer to the last attempt: ``HTTP 200``, ``250 OK``, or its error
    status: str
    #: when it was delivered, ISO UTC (``2026-12-07T10:00:00Z``); None when it was not
    delivered_at: str | None


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """An ``http(s)://`` target: ``url`` is requested (its user and password taken out of it),
    ``display`` is the URL as given with the password replaced by ``***``."""

    url: str
    display: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class MailTarget:
    """A ``mailto:`` target: its recipients, in order, each once."""

    recipients: tuple[str, ...]

    @property
    def display(self) -> str:
        return "mailto:" + ",".join(self.recipients)


Target = WebhookTarget | MailTarget


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """The mail server of ``SUPPLYSCREEN_SMTP_URL`` (:func:`smtp_config`)."""

    host: str
    port: int
    #: ``none`` (smtp://), ``starttls`` (smtp+starttls://) or ``tls`` (smtps://)
    security: Literal["none", "starttls", "tls"]
    username: str | None = None
    password: str | None = field(default=None, repr=False)


class _Outcome(NamedTuple):
    ok: bool
    retry: bool
    status: str


def sign(body: bytes, secret: str) -> str:
    """``sha256=`` and the lower-case hex HMAC-SHA256 of ``body`` keyed with ``secret`` (UTF-8)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def parse_target(target: str) -> Target:
    """``target`` checked: an ``https://`` or ``http://`` URL, or ``mailto:`` and one or more addresses
    separated by commas. A SupplyscreenError (whose text never holds a password) otherwise."""
    text = target.strip()
    scheme, _, rest = text.partition(":")
    scheme = scheme.lower()
    shown = text if scheme == "mailto" else _redact_url(text)
    if not text:
        raise SupplyscreenError("the notification target is empty: give an https:// URL or mailto:address")
    if _CONTROL.search(text):
        raise SupplyscreenError(f"notification target {shown!r}: contains a control character")
    if scheme in ("http", "https"):
        return _parse_webhook(text, shown)
    if scheme == "mailto":
        return _parse_mailto(rest, shown)
    raise SupplyscreenError(
        f"notification target {shown!r}: use https://host/path, http://host/path or "
        "mailto:name@example.com[,other@example.com]"
    )


def smtp_config(env: Mapping[str, str] = os.environ) -> SmtpConfig:
    """The mail server named by ``SUPPLYSCREEN_SMTP_URL`` in ``env``; a SupplyscreenError naming the
    variable when it is unset or malformed."""
    url = env.get(SMTP_URL_ENV, "").strip()
    if not url:
        raise SupplyscreenError(
            f"e-mail notifications need {SMTP_URL_ENV}, the mail server: "
            "smtp+starttls://user:password@mail.example.com:587, smtps://user:password@host:465 "
            "or smtp://host:25"
        )
    shown = f"{SMTP_URL_ENV}={_redact_url(url)}"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise SupplyscreenError(f"{shown}: not a URL with a valid port (1 to 65535)") from None
    scheme = parts.scheme.lower()
    if scheme not in _SMTP_SCHEMES:
        raise SupplyscreenError(f"{shown}: use smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise SupplyscreenError(f"{shown}: names no host")
    security, default_port = _SMTP_SCHEMES[scheme]
    username = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    if (username or password) and security == "none":
        raise SupplyscreenError(
            f"{shown}: a user and password are sent only over an encrypted connection: "
            "use smtp+starttls:// or smtps://"
        )
    if username and password is None:
        raise SupplyscreenError(f"{shown}: names a user but no password (user:password@host)")
    if password is not None and not username:
        raise SupplyscreenError(f"{shown}: names a password but no user (user:password@host)")
    return SmtpConfig(parts.hostname, port or default_port, security, username, password)


def deliver(
    target: str,
    subject: str,
    payload: dict[str, Any],
    *,
    text: str,
    attempts: int = 4,
    backoff: float = 1.0,
    sleep: Callable[[float], object] = time.sleep,
    env: Mapping[str, str] = os.environ,
    timeout: float = TIMEOUT,
) -> Delivery:
    """Send ``payload`` to ``target``: POSTed as JSON to a URL, or mailed (``subject``, ``text`` as the
    body, the payload attached as ``changes.json``) to ``mailto:`` addresses.

    Up to ``attempts`` tries, waiting ``backoff``, 2 × ``backoff``, 4 × ``backoff`` … seconds between
    them (through ``sleep``); a final refusal (HTTP 4xx other than 408 and 429, SMTP 5xx) ends them.
    Never raises for a failed delivery; raises SupplyscreenError for a malformed target or missing
    configuration, before any attempt, and TypeError for a payload that JSON cannot hold.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    if backoff < 0:
        raise ValueError(f"backoff must not be negative, not {backoff}")
    parsed = parse_target(target)
    if isinstance(parsed, WebhookTarget):
        send, secrets = _webhook(parsed, payload, env, timeout)
    else:
        send, secrets = _mail(parsed, subject, payload, text, env, timeout)
    return _deliver(_scrub(parsed.display, secrets), send, secrets, attempts, backoff, sleep)


def _deliver(
    display: str,
    send: Callable[[], _Outcome],
    secrets: list[str],
    attempts: int,
    backoff: float,
    sleep: Callable[[float], object],
) -> Delivery:
    status = "not attempted"
    made = 0
    for made in range(1, attempts + 1):
        if made > 1:
            sleep(backoff * 2 ** (made - 2))
        try:
            outcome = send()
        except Exception as exc:  # an unforeseen error fails this delivery, not the monitor that sends it
            outcome = _Outcome(False, False, f"{type(exc).__name__}: {exc}")
        status = _scrub(outcome.status, secrets)
        if outcome.ok:
            log.info("notification delivered to %s (attempt %d): %s", display, made, status)
            return Delivery(display, True, made, status, _utc_now())
        log.warning("notification to %s failed (attempt %d of %d): %s", display, made, attempts, status)
        if not outcome.retry:
            break
    return Delivery(display, False, made, status, None)


# -- webhooks -----------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not followed: urllib would repeat a POST as a GET without its body."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def _webhook(
    target: WebhookTarget, payload: dict[str, Any], env: Mapping[str, str], timeout: float
) -> tuple[Callable[[], _Outcome], list[str]]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"supplyscreen/{__version__}",
        DELIVERY_HEADER: uuid.uuid4().hex,
    }
    secret = env.get(WEBHOOK_SECRET_ENV, "")
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    secrets = [secret, target.password or ""]
    if target.username is not None:
        token = f"{target.username}:{target.password or ''}".encode()
        secrets.append(base64.b64encode(token).decode("ascii"))
        headers["Authorization"] = "Basic " + secrets[-1]
    opener = urllib.request.build_opener(_NoRedirect())

    def send() -> _Outcome:
        request = urllib.request.Request(target.url, data=body, headers=headers, method="POST")
        return _post(opener, request, timeout)

    return send, secrets


def _post(opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout: float) -> _Outcome:
    try:
        with opener.open(request, timeout=timeout) as response:
            code, reason = int(response.status), str(response.reason)
            try:
                response.read(_READ_LIMIT)
            except (OSError, http.client.HTTPException):
                pass  # the status is the answer; the rest of the body does not matter
    except urllib.error.HTTPError as exc:
        code, reason = exc.code, str(exc.reason)
        exc.close()
        status = _http_status(code, reason)
        if 300 <= code < 400:
            status += " (redirects are not followed: give the final URL)"
        return _Outcome(False, code >= 500 or code in _RETRY_HTTP, status)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLCertVerificationError):
            return _Outcome(False, False, f"TLS certificate not trusted: {exc.reason.verify_message}")
        return _Outcome(False, True, f"connection failed: {_error_text(exc.reason)}")
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, malformed answers
        return _Outcome(False, True, f"connection failed: {_error_text(exc)}")
    return _Outcome(200 <= code < 300, False, _http_status(code, reason))


def _http_status(code: int, reason: str) -> str:
    return f"HTTP {code} {reason}".rstrip()


# -- e-mail -------------------------------------------------------------------------------------------


class _SMTP(smtplib.SMTP):
    """smtplib's client, keeping the server's reply to the message, which ``sendmail`` drops."""

    data_reply: tuple[int, bytes] = (0, b"")

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_reply = super().data(msg)
        return self.data_reply


class _SMTPS(_SMTP, smtplib.SMTP_SSL):
    """The same over implicit TLS (smtps://)."""


def _mail(
    target: MailTarget,
    subject: str,
    payload: dict[str, Any],
    text: str,
    env: Mapping[str, str],
    timeout: float,
) -> tuple[Callable[[], _Outcome], list[str]]:
    config = smtp_config(env)
    header, sender = _mail_from(env)
    context = _tls_context(env) if config.security != "none" else None
    message = _message(header, sender, target.recipients, subject, text, payload)
    pending = list(target.recipients)  # those that have not accepted it yet

    def send() -> _Outcome:
        outcome, still_pending = _send_mail(config, context, message, sender, list(pending), timeout)
        pending[:] = still_pending
        return outcome

    return send, _smtp_secrets(config)


def _mail_from(env: Mapping[str, str]) -> tuple[str, str]:
    """(the From header, the envelope sender) of ``SUPPLYSCREEN_MAIL_FROM``."""
    value = env.get(MAIL_FROM_ENV, "").strip()
    if not value:
        raise SupplyscreenError(
            f"e-mail notifications need {MAIL_FROM_ENV}, the sender: monitor@example.com "
            "or 'Supplyscreen <monitor@example.com>'"
        )
    name, address = parseaddr(value)
    if _CONTROL.search(value) or not _ADDRESS.fullmatch(address):
        raise SupplyscreenError(f"{MAIL_FROM_ENV}={value!r}: not an e-mail address (name@example.com)")
    return (formataddr((name, address)) if name else address), address


def _tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    cafile = env.get(SMTP_CAFILE_ENV, "").strip() or None
    try:
        return ssl.create_default_context(cafile=cafile)
    except OSError as exc:  # ssl.SSLError too
        raise SupplyscreenError(f"{SMTP_CAFILE_ENV}={cafile}: cannot read CA certificates ({exc})") from None


def _message(
    header: str, sender: str, recipients: tuple[str, ...], subject: str, text: str, payload: dict[str, Any]
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = header
    message["To"] = ", ".join(recipients)
    message["Subject"] = " ".join(subject.split())  # one line, whatever it was given
    message["Date"] = format_datetime(datetime.now(UTC), usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message.set_content(text)
    attachment = json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    message.add_attachment(attachment, maintype="application", subtype="json", filename=ATTACHMENT)
    return message


def _send_mail(
    config: SmtpConfig,
    context: ssl.SSLContext | None,
    message: EmailMessage,
    sender: str,
    recipients: list[str],
    timeout: float,
) -> tuple[_Outcome, list[str]]:
    """One attempt: (its outcome, the recipients still to send it to)."""
    try:
        smtp = _connect(config, context, timeout)
        try:
            if config.username is not None:
                smtp.login(config.username, config.password or "")
            refused = smtp.send_message(message, from_addr=sender, to_addrs=recipients)
            reply = smtp.data_reply
        finally:
            _close(smtp)
    except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused
        return _refused(exc.recipients)
    except smtplib.SMTPResponseException as exc:  # the sender, the message, HELO or AUTH refused
        code = exc.smtp_code
        return _Outcome(False, not 500 <= code < 600, _smtp_status(code, exc.smtp_error)), recipients
    except smtplib.SMTPServerDisconnected as exc:
        return _Outcome(False, True, f"connection closed: {_error_text(exc)}"), recipients
    except smtplib.SMTPException as exc:  # STARTTLS or AUTH not offered: retrying will not help
        return _Outcome(False, False, _error_text(exc)), recipients
    except ssl.SSLCertVerificationError as exc:
        return _Outcome(False, False, f"TLS certificate not trusted: {exc.verify_message}"), recipients
    except OSError as exc:  # refused, unreachable, timed out, reset
        return _Outcome(False, True, f"connection failed: {_error_text(exc)}"), recipients
    if refused:  # some recipients accepted it, these did not
        return _refused(refused)
    return _Outcome(True, False, _smtp_status(*reply)), []


def _connect(config: SmtpConfig, context: ssl.SSLContext | None, timeout: float) -> _SMTP:
    if config.security == "tls":
        return _SMTPS(config.host, config.port, timeout=timeout, context=context)
    smtp = _SMTP(config.host, config.port, timeout=timeout)
    if config.security == "starttls":
        try:
            smtp.starttls(context=context)  # SMTPNotSupportedError when not offered: never sent in clear
            smtp.ehlo()
        except BaseException:
            _close(smtp)
            raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _refused(refused: Mapping[str, tuple[int, bytes]]) -> tuple[_Outcome, list[str]]:
    """Refused recipients: tried again only when every refusal is temporary (4xx)."""
    status = "; ".join(f"{address} refused: {_smtp_status(*reply)}" for address, reply in refused.items())
    retry = all(400 <= code < 500 for code, _ in refused.values())
    return _Outcome(False, retry, status), list(refused)


def _smtp_status(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}".rstrip()


def _smtp_secrets(config: SmtpConfig) -> list[str]:
    """The password in the forms it could be echoed in: as is, URL-encoded, base64 (AUTH LOGIN, PLAIN)."""
    if not config.password:
        return []
    password, user = config.password, config.username or ""
    return [
        password,
        urllib.parse.quote(password, safe=""),
        base64.b64encode(password.encode()).decode("ascii"),
        base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii"),
    ]


# -- shared -------------------------------------------------------------------------------------------


def _parse_webhook(text: str, shown: str) -> WebhookTarget:
    if " " in text:
        raise SupplyscreenError(f"notification target {shown!r}: a URL has no spaces (write %20)")
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number up to 65535
    except ValueError:
        raise SupplyscreenError(f"notification target {shown!r}: not a URL with a valid port") from None
    if not parts.hostname:
        raise SupplyscreenError(f"notification target {shown!r}: names no host")
    userinfo, at, hostport = parts.netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = urllib.parse.unquote(user)
        password = urllib.parse.unquote(secret) if colon else None
    url = urllib.parse.urlunsplit((parts.scheme.lower(), hostport, parts.path or "/", parts.query, ""))
    return WebhookTarget(url, shown, username, password)


def _parse_mailto(rest: str, shown: str) -> MailTarget:
    if "?" in rest or "#" in rest:
        raise SupplyscreenError(
            f"notification target {shown!r}: mailto: takes addresses only (no ?subject= or other fields)"
        )
    recipients: list[str] = []
    for item in rest.split(","):
        address = urllib.parse.unquote(item).strip()
        if not address:
            continue
        if not _ADDRESS.fullmatch(address):
            raise SupplyscreenError(
                f"notification target {shown!r}: {address!r} is not an e-mail address (name@example.com)"
            )
        if address not in recipients:
            recipients.append(address)
    if not recipients:
        raise SupplyscreenError(f"notification target {shown!r}: names no address (mailto:name@example.com)")
    return MailTarget(tuple(recipients))


def _redact_url(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part, if any, replaced by ``***``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or not parts.netloc:
        # not a URL with a host part (no scheme, a malformed one): hide all from the first ":" to the
        # last "@", the password among it
        return re.sub(r"^([^:@/]*:)[^@]*@", rf"\g<1>{_REDACTED}@", url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    netloc = f"{userinfo.partition(':')[0]}:{_REDACTED}@{hostport}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, _REDACTED)
    return text


def _error_text(exc: BaseException | str) -> str:
    if isinstance(exc, str):
        return exc
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
