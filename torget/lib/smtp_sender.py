"""The SMTP side of bulkmail.Outbox, in a process of its own.

The alert run renders about 47,000 messages and holds SMTP conversations for them at the
same time. In one process the two take turns at the interpreter lock: with four sending
threads beside the renderer, the run's process used 44–51 s of CPU for work that costs about
27 s done one part at a time (bench/alerts.py, 100,000 subscriptions). Here the sending has
a process of its own, started with "spawn", and needs nothing but the standard library.

The two processes talk over two pipes:

- jobs, parent to child: lists of (key, envelope sender, recipients, message bytes), then
  None when there are no more;
- results, child to parent: first ("ready", whether the server offers 8BITMIME, error or
  ""), then lists of (key, "sent" | "refused" | "failed", error text), then ("done",).

The child never blocks on the results pipe while it holds a job: its connections append to a
list, and a thread of its own writes the list out. So a parent blocked on a full jobs pipe
is always unblocked by the child reading on.
"""

import smtplib
import ssl
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from queue import Queue
from typing import Any

# Messages read from the jobs pipe but not yet taken by a connection.
QUEUED = 1000
SENT, REFUSED, FAILED = "sent", "refused", "failed"
# Results go back to the parent this many at a time, or after this many seconds, or at once
# after a failure.
RESULTS_AT_ONCE = 100
RESULTS_EVERY = 0.2

Job = tuple[int, str, list[str], bytes]
Result = tuple[int, str, str]


@dataclass(frozen=True)
class ServerConfig:
    """What Django's SMTP backend was configured with; plain values, to cross processes."""

    host: str
    port: int
    username: str
    password: str
    use_tls: bool
    use_ssl: bool
    timeout: float | None
    ssl_certfile: str | None
    ssl_keyfile: str | None
    local_hostname: str

    def ssl_context(self) -> ssl.SSLContext:
        # As Django's backend builds it.
        if self.ssl_certfile or self.ssl_keyfile:
            context = ssl.SSLContext(protocol=ssl.PROTOCOL_TLS_CLIENT)
            context.load_cert_chain(self.ssl_certfile or "", self.ssl_keyfile)
            return context
        return ssl.create_default_context()

    def connect(self) -> smtplib.SMTP:
        # Without a timeout, smtplib's own default (the socket module's) applies.
        timeout: dict[str, Any] = {} if self.timeout is None else {"timeout": self.timeout}
        if self.use_ssl:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                context=self.ssl_context(),
                **timeout,
            )
        else:
            connection = smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, **timeout
            )
        if self.use_tls:
            connection.starttls(context=self.ssl_context())
        if self.username and self.password:
            connection.login(self.username, self.password)
        connection.ehlo_or_helo_if_needed()
        return connection


class Sender:
    """The child's side: `connections` SMTP conversations, fed from the jobs pipe."""

    def __init__(self, config: ServerConfig, connections: int, results: Connection) -> None:
        self.config = config
        self.connections = connections
        self.results = results
        self.queue: Queue[Job | None] = Queue(QUEUED)
        self.stop = threading.Event()
        self.done: list[Result] = []
        self.finished = False
        self.written = threading.Condition()

    def run(self, jobs: Connection) -> None:
        first = self.open_first()
        writer = threading.Thread(target=self.write_results, daemon=True)
        writer.start()
        threads = [
            threading.Thread(target=self.work, args=(first if n == 0 else None,), daemon=True)
            for n in range(self.connections)
        ]
        for thread in threads:
            thread.start()
        while (batch := jobs.recv()) is not None:
            for job in batch:
                self.queue.put(job)
        for _ in threads:
            self.queue.put(None)
        for thread in threads:
            thread.join()
        with self.written:
            self.finished = True
            self.written.notify()
        writer.join()
        self.results.send(("done",))

    def open_first(self) -> smtplib.SMTP | None:
        """The first connection tells the parent what the server offers, or that it is down."""
        try:
            connection = self.config.connect()
        except (smtplib.SMTPException, OSError) as error:
            self.stop.set()
            self.results.send(("ready", False, describe(error)))
            return None
        self.results.send(("ready", bool(connection.has_extn("8bitmime")), ""))
        return connection

    def work(self, connection: smtplib.SMTP | None) -> None:
        if connection is None and not self.stop.is_set():
            try:
                connection = self.config.connect()
            except (smtplib.SMTPException, OSError) as error:
                self.fail(0, error)
        try:
            while (job := self.queue.get()) is not None:
                if self.stop.is_set() or connection is None:
                    continue  # drain, so that the parent is never blocked
                self.send(connection, job)
        finally:
            if connection is not None:
                try:
                    connection.quit()
                except (smtplib.SMTPException, OSError):
                    connection.close()

    def send(self, connection: smtplib.SMTP, job: Job) -> None:
        key, sender, recipients, content = job
        options = ["BODY=8BITMIME"] if connection.has_extn("8bitmime") else []
        try:
            connection.sendmail(sender, recipients, content, mail_options=options)
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                self.note((key, REFUSED, describe(error)))
            else:
                self.fail(key, error)
        except (smtplib.SMTPException, OSError) as error:
            self.fail(key, error)
        else:
            self.note((key, SENT, ""))

    def fail(self, key: int, error: BaseException) -> None:
        self.stop.set()
        self.note((key, FAILED, describe(error)))

    def note(self, result: Result) -> None:
        with self.written:
            self.done.append(result)
            # Waking the writer for every message cost more CPU than the SMTP conversation.
            if len(self.done) >= RESULTS_AT_ONCE or result[1] == FAILED:
                self.written.notify()

    def write_results(self) -> None:
        while True:
            with self.written:
                if not self.finished:
                    self.written.wait(timeout=RESULTS_EVERY)
                batch, self.done = self.done, []
                finished = self.finished
            if batch:
                self.results.send(batch)
            if finished:
                return


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def serve(config: ServerConfig, connections: int, jobs: Connection, results: Connection) -> None:
    """The child process's entry point."""
    Sender(config, connections, results).run(jobs)
