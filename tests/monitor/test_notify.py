"""monitor/notify.py: webhooks to a local HTTP server, e-mail to a local aiosmtpd server (plain,
STARTTLS and implicit TLS with a certificate made here), retries, refusals and configuration errors.
Nothing leaves 127.0.0.1; waits between attempts go to a fake ``sleep`` that records them."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import re
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from support.hooks import Waits, hook_server
from support.server import free_port

from supplyscreen.errors import SupplyscreenError
from supplyscreen.monitor.notify import Delivery, deliver, parse_target, sign
from supplyscreen.version import __version__

PAYLOAD: dict[str, Any] = {
    "monitor": "vendors-eu",
    "changes": [{"vendor": "Hikvision Europe B.V.", "risk": "high", "was": None, "list": "新疆 UFLPA"}],
}
TEXT = "1 vendor changed: Hikvision Europe B.V. is now high risk (新疆).\n"
SUBJECT = "supplyscreen: 1 change in vendors-eu"
SECRET = "whsec-test-5a1b"
USER = "alerts@example.com"
PASSWORD = "pa:ss@w/rd%42"  # every character that a URL must encode
MAIL_FROM = "Supplyscreen <monitor@example.com>"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib sends through a proxy named in the environment; these requests go to 127.0.0.1."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


# -- webhooks -----------------------------------------------------------------------------------------


def post(url: str, waits: Waits, env: dict[str, str] | None = None, **kwargs: Any) -> Delivery:
    return deliver(url, SUBJECT, PAYLOAD, text=TEXT, sleep=waits, env=env or {}, timeout=10, **kwargs)


def test_sign_is_the_hex_hmac_sha256_of_the_body() -> None:
    body = b'{"a": 1}'
    expected = hmac.new(b"key", body, hashlib.sha256).hexdigest()
    assert sign(body, "key") == "sha256=" + expected
    assert expected == expected.lower() and len(expected) == 64


def test_webhook_posts_the_payload_as_signed_json() -> None:
    waits = Waits()
    with hook_server(200) as hook:
        delivery = post(hook.url, waits, {"SUPPLYSCREEN_WEBHOOK_SECRET": SECRET})
    assert delivery.ok and delivery.attempts == 1 and waits == []
    assert delivery.status == "HTTP 200 OK"
    assert delivery.target == hook.url
    assert delivery.delivered_at is not None and ISO_UTC.fullmatch(delivery.delivered_at)
    [(headers, body)] = hook.received
    assert json.loads(body.decode("utf-8")) == PAYLOAD
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == f"supplyscreen/{__version__}"
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Supplyscreen-Signature"] == expected
    assert headers["X-Supplyscreen-Delivery"]
    assert SECRET not in repr(delivery)


def test_webhook_without_a_secret_is_not_signed() -> None:
    with hook_server(204) as hook:
        delivery = post(hook.url, Waits(), {})
    assert delivery.ok and delivery.status.startswith("HTTP 204")
    [(headers, _)] = hook.received
    assert "X-Supplyscreen-Signature" not in headers


def test_webhook_server_errors_are_retried_with_exponential_backoff() -> None:
    waits = Waits()
    with hook_server(500, 500, 200) as hook:
        delivery = post(hook.url, waits, {"SUPPLYSCREEN_WEBHOOK_SECRET": SECRET}, backoff=1.0)
    assert delivery.ok and delivery.attempts == 3 and delivery.status == "HTTP 200 OK"
    assert waits == [1.0, 2.0]
    bodies = {body for _, body in hook.received}
    ids = {headers["X-Supplyscreen-Delivery"] for headers, _ in hook.received}
    assert len(hook.received) == 3 and len(bodies) == 1 and len(ids) == 1  # the same delivery each time


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_webhook_temporary_answers_are_retried(status: int) -> None:
    with hook_server(status, 200) as hook:
        delivery = post(hook.url, Waits())
    assert delivery.ok and delivery.attempts == 2


def test_webhook_that_keeps_failing_gives_up_after_the_attempts() -> None:
    waits = Waits()
    with hook_server(500) as hook:
        delivery = post(hook.url, waits, backoff=1.0)
    assert not delivery.ok and delivery.attempts == 4 and len(hook.received) == 4
    assert delivery.status.startswith("HTTP 500")
    assert delivery.delivered_at is None
    assert waits == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_webhook_client_errors_are_not_retried(status: int) -> None:
    waits = Waits()
    with hook_server(status, 200) as hook:
        delivery = post(hook.url, waits)
    assert not delivery.ok and delivery.attempts == 1 and len(hook.received) == 1
    assert delivery.status.startswith(f"HTTP {status}")
    assert waits == []


def test_webhook_redirects_are_not_followed() -> None:
    with hook_server(302) as hook:
        delivery = post(hook.url, Waits())
    assert not delivery.ok and delivery.attempts == 1
    assert delivery.status.startswith("HTTP 302") and "redirect" in delivery.status
    assert [body for _, body in hook.received] != [] and all(body != b"GET" for _, body in hook.received)


def test_webhook_with_nothing_listening_fails_without_raising() -> None:
    waits = Waits()
    delivery = post(f"http://127.0.0.1:{free_port()}/hook", waits, backoff=0.5)
    assert not delivery.ok and delivery.attempts == 4
    assert delivery.status.startswith("connection failed")
    assert waits == [0.5, 1.0, 2.0]


def test_webhook_timeouts_are_retried() -> None:
    with hook_server(200, hold=threading.Event()) as hook:
        delivery = deliver(
            hook.url, SUBJECT, PAYLOAD, text=TEXT, attempts=2, sleep=Waits(), env={}, timeout=0.3
        )
    assert not delivery.ok and delivery.attempts == 2
    assert "timed out" in delivery.status


def test_webhook_credentials_in_the_url_go_as_basic_auth_and_are_never_shown() -> None:
    with hook_server(401) as hook:
        url = hook.url.replace("http://", f"http://hookuser:{urllib.parse.quote(PASSWORD, safe='')}@")
        delivery = post(url, Waits())
    [(headers, _)] = hook.received
    assert headers["Authorization"].startswith("Basic ")
    assert delivery.target == hook.url.replace("http://", "http://hookuser:***@")
    for text in (delivery.target, delivery.status, repr(delivery)):
        assert PASSWORD not in text and urllib.parse.quote(PASSWORD, safe="") not in text


# -- targets ------------------------------------------------------------------------------------------


def test_parse_target_reads_urls_and_mail_addresses() -> None:
    webhook = parse_target(" https://hooks.example.com/x?team=7 ")
    assert webhook.display == "https://hooks.example.com/x?team=7"
    mail = parse_target("mailto:a@example.com, b%2Bmonitor@example.org,a@example.com")
    assert mail.display == "mailto:a@example.com,b+monitor@example.org"


@pytest.mark.parametrize(
    "target",
    [
        "",
        "hooks.example.com/x",
        "ftp://example.com/x",
        "https://",
        "https://example.com:99999/x",
        "https://example.com/a b",
        "mailto:",
        "mailto:nobody",
        "mailto:a@localhost",
        "mailto:a@example.com?subject=hi",
        "mailto:a@example.com%0aBcc:b@example.com",
    ],
)
def test_malformed_targets_are_usage_errors_before_any_attempt(target: str) -> None:
    waits = Waits()
    with pytest.raises(SupplyscreenError, match="target"):
        deliver(target, SUBJECT, PAYLOAD, text=TEXT, sleep=waits, env={})
    assert waits == []


def test_a_malformed_target_error_does_not_show_its_password() -> None:
    with pytest.raises(SupplyscreenError) as raised:
        parse_target("htps://user:hunter2secret@example.com/hook")
    assert "hunter2secret" not in str(raised.value) and "user:***@" in str(raised.value)


# -- e-mail -------------------------------------------------------------------------------------------


@dataclass
class Inbox:
    """An aiosmtpd handler: refuses with the replies queued in ``rcpt_replies`` (per address) and
    ``data_replies`` first, then accepts, keeping each accepted message."""

    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    messages: list[tuple[str, list[str], bytes, bool]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        queued = self.rcpt_replies.get(address)
        if queued:
            return queued.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.authenticated)
        )
        return "250 OK"

    def only(self) -> tuple[EmailMessage, str, list[str], bool]:
        [(sender, recipients, content, authenticated)] = self.messages
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message, sender, recipients, authenticated


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535


@contextmanager
def smtp_server(inbox: Inbox, **options: Any) -> Iterator[int]:
    """aiosmtpd on 127.0.0.1 in a thread of its own: its port."""
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, server_hostname="localhost", ready_timeout=30, **options
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def cafile(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def mail_env(url: str, **more: str) -> dict[str, str]:
    return {"SUPPLYSCREEN_SMTP_URL": url, "SUPPLYSCREEN_MAIL_FROM": MAIL_FROM, **more}


def credentials() -> str:
    return f"{urllib.parse.quote(USER, safe='')}:{urllib.parse.quote(PASSWORD, safe='')}@"


def send_mail(to: str, env: dict[str, str], waits: Waits | None = None, **kwargs: Any) -> Delivery:
    return deliver(
        to,
        SUBJECT,
        PAYLOAD,
        text=TEXT,
        sleep=Waits() if waits is None else waits,
        env=env,
        timeout=10,
        **kwargs,
    )


def assert_no_password(delivery: Delivery) -> None:
    for text in (delivery.target, delivery.status, repr(delivery)):
        assert PASSWORD not in text and urllib.parse.quote(PASSWORD, safe="") not in text


def test_mail_arrives_with_its_headers_body_and_json_attachment() -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        delivery = send_mail("mailto:a@example.com,b@example.org", mail_env(f"smtp://127.0.0.1:{port}"))
    assert delivery.ok and delivery.attempts == 1 and delivery.status == "250 OK"
    assert delivery.target == "mailto:a@example.com,b@example.org"
    assert delivery.delivered_at is not None and ISO_UTC.fullmatch(delivery.delivered_at)
    message, sender, recipients, _ = inbox.only()
    assert sender == "monitor@example.com" and recipients == ["a@example.com", "b@example.org"]
    assert message["From"] == MAIL_FROM
    assert message["To"] == "a@example.com, b@example.org"
    assert message["Subject"] == SUBJECT
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == TEXT
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "changes.json"
    assert attachment.get_content_type() == "application/json"
    assert json.loads(attachment.get_content()) == PAYLOAD


def test_mail_over_starttls_with_login(server_tls: ssl.SSLContext, cafile: str) -> None:
    inbox = Inbox()
    options = {"tls_context": server_tls, "require_starttls": True, "authenticator": _authenticator}
    with smtp_server(inbox, auth_require_tls=True, **options) as port:
        url = f"smtp+starttls://{credentials()}127.0.0.1:{port}"
        delivery = send_mail("mailto:a@example.com", mail_env(url, SUPPLYSCREEN_SMTP_CAFILE=cafile))
    assert delivery.ok and delivery.attempts == 1, delivery.status
    _, _, recipients, authenticated = inbox.only()
    assert recipients == ["a@example.com"] and authenticated
    assert_no_password(delivery)


def test_mail_over_implicit_tls_with_login(server_tls: ssl.SSLContext, cafile: str) -> None:
    inbox = Inbox()
    # aiosmtpd counts only STARTTLS as TLS for AUTH: the whole connection is TLS here
    with smtp_server(
        inbox, ssl_context=server_tls, authenticator=_authenticator, auth_require_tls=False
    ) as port:
        url = f"smtps://{credentials()}127.0.0.1:{port}"
        delivery = send_mail("mailto:a@example.com", mail_env(url, SUPPLYSCREEN_SMTP_CAFILE=cafile))
    assert delivery.ok and delivery.attempts == 1, delivery.status
    assert inbox.only()[3]  # authenticated


def test_mail_refuses_a_certificate_it_cannot_trust(server_tls: ssl.SSLContext) -> None:
    inbox = Inbox()
    options = {"tls_context": server_tls, "require_starttls": True, "authenticator": _authenticator}
    with smtp_server(inbox, **options) as port:
        url = f"smtp+starttls://{credentials()}127.0.0.1:{port}"
        delivery = send_mail("mailto:a@example.com", mail_env(url))  # no SUPPLYSCREEN_SMTP_CAFILE
    assert not delivery.ok and delivery.attempts == 1 and "certificate" in delivery.status
    assert inbox.messages == []
    assert_no_password(delivery)


def test_mail_wrong_password_is_final_and_never_shown(server_tls: ssl.SSLContext, cafile: str) -> None:
    inbox = Inbox()
    options = {"tls_context": server_tls, "require_starttls": True, "authenticator": _authenticator}
    with smtp_server(inbox, **options) as port:
        wrong = f"{urllib.parse.quote(USER, safe='')}:wrong-{urllib.parse.quote(PASSWORD, safe='')}@"
        url = f"smtp+starttls://{wrong}127.0.0.1:{port}"
        delivery = send_mail("mailto:a@example.com", mail_env(url, SUPPLYSCREEN_SMTP_CAFILE=cafile))
    assert not delivery.ok and delivery.attempts == 1 and delivery.status.startswith("535")
    assert inbox.messages == []
    assert_no_password(delivery)


def test_mail_temporary_refusal_is_retried() -> None:
    waits = Waits()
    inbox = Inbox(data_replies=["451 4.3.0 Try again later"])
    with smtp_server(inbox) as port:
        delivery = send_mail("mailto:a@example.com", mail_env(f"smtp://127.0.0.1:{port}"), waits, backoff=0.5)
    assert delivery.ok and delivery.attempts == 2 and delivery.status == "250 OK"
    assert waits == [0.5]
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    "inbox",
    [
        Inbox(rcpt_replies={"a@example.com": ["550 5.1.1 No such user"] * 5}),
        Inbox(data_replies=["554 5.7.1 Message rejected"] * 5),
    ],
    ids=["recipient", "message"],
)
def test_mail_permanent_refusal_is_not_retried(inbox: Inbox) -> None:
    waits = Waits()
    with smtp_server(inbox) as port:
        delivery = send_mail("mailto:a@example.com", mail_env(f"smtp://127.0.0.1:{port}"), waits)
    assert not delivery.ok and delivery.attempts == 1 and waits == []
    assert re.search(r"\b55[04]\b", delivery.status)
    assert inbox.messages == []


def test_mail_retry_goes_only_to_the_recipients_that_refused() -> None:
    inbox = Inbox(rcpt_replies={"b@example.com": ["452 4.2.2 Mailbox full"]})
    with smtp_server(inbox) as port:
        delivery = send_mail("mailto:a@example.com,b@example.com", mail_env(f"smtp://127.0.0.1:{port}"))
    assert delivery.ok and delivery.attempts == 2
    assert [recipients for _, recipients, _, _ in inbox.messages] == [["a@example.com"], ["b@example.com"]]


def test_mail_with_nothing_listening_fails_without_raising() -> None:
    waits = Waits()
    env = mail_env(f"smtp://127.0.0.1:{free_port()}")
    delivery = send_mail("mailto:a@example.com", env, waits, attempts=3, backoff=0.0)
    assert not delivery.ok and delivery.attempts == 3 and waits == [0.0, 0.0]
    assert delivery.status.startswith("connection failed")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SUPPLYSCREEN_MAIL_FROM": MAIL_FROM}, "SUPPLYSCREEN_SMTP_URL"),
        ({"SUPPLYSCREEN_SMTP_URL": "smtp://127.0.0.1:25"}, "SUPPLYSCREEN_MAIL_FROM"),
        (mail_env("pop3://127.0.0.1"), "SUPPLYSCREEN_SMTP_URL"),
        (mail_env("smtp://127.0.0.1:25", SUPPLYSCREEN_MAIL_FROM="nobody"), "SUPPLYSCREEN_MAIL_FROM"),
        (
            mail_env("smtps://u:p@127.0.0.1", SUPPLYSCREEN_SMTP_CAFILE="/nonexistent/ca.pem"),
            "SUPPLYSCREEN_SMTP_CAFILE",
        ),
    ],
)
def test_missing_mail_configuration_is_a_usage_error_naming_the_variable(
    env: dict[str, str], named: str
) -> None:
    waits = Waits()
    with pytest.raises(SupplyscreenError, match=named):
        send_mail("mailto:a@example.com", env, waits)
    assert waits == []


@pytest.mark.parametrize("scheme", ["smtp", "smtps", "smtp+starttls"])
def test_mail_configuration_errors_never_show_the_password(scheme: str) -> None:
    url = f"{scheme}://{credentials()}127.0.0.1:notaport"
    with pytest.raises(SupplyscreenError) as raised:
        send_mail("mailto:a@example.com", mail_env(url))
    message = str(raised.value)
    assert "SUPPLYSCREEN_SMTP_URL" in message
    assert PASSWORD not in message and urllib.parse.quote(PASSWORD, safe="") not in message
