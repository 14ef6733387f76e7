"""Delivery of alerts by e-mail (smtplib): a plain-text message with the alert's JSON, from the
configured SMTP server (settings `alert_smtp_host`, `_port`, `_from`, `_starttls`, and a login with
`_user` and `_password` when a user is set) to the rule's `params.email` address. Retried and recorded like the other channels (`webhook.py`)."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage


def mailer(
    host: str, port: int, sender: str, to: str, subject: str, *, starttls: bool, login: tuple[str, str] | None = None,
    timeout_s: float = 10.0,
) -> Callable[[bytes], None]:  # fmt: skip
    """A sender that mails the body (JSON) to `to`; raises OSError (smtplib's errors are OSErrors) on failure."""

    def send(body: bytes) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, to, subject
        message.set_content(body.decode())
        with smtplib.SMTP(host, port, timeout=timeout_s) as smtp:
            if starttls:
                smtp.starttls()
            if login is not None:
                smtp.login(*login)
            smtp.send_message(message)

    return send
