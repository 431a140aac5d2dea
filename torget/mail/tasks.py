"""The outbox's task: send one e-mail as soon as the transaction that recorded it commits."""

from django.tasks import task

from torget.mail import sending


@task
def send_email(email_id: int) -> str:
    sent = sending.send_emails([email_id])
    return "sent" if sent else "not sent"
