"""The moving parts of the reliability tests (also used by ``make bench``): an SMTP sink that
records what every message carried, real worker processes, a private Redis server, a TCP proxy
that can take the database away, and a place to write the figures measured.

Reminders made by these tests carry ``[rk:<dedupe key>]`` in their body, so the sink can tell
which reminders each message delivered and count a reminder delivered twice.
"""

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis
from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SITE_URL = "https://rapport.example.edu"
KEY = re.compile(rb"\[rk:([^\]\s]+)\]")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
WORKER_START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def key_token(key: str) -> str:
    return f"[rk:{key}]"


# The SMTP sink ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    recipients: tuple[str, ...]
    message_id: str
    keys: frozenset[str]
    content: bytes = b""  # the whole message, as the server was given it
    received_at: datetime | None = None


class Sink:
    """An SMTP server that accepts everything and records, per message, its recipients, its
    Message-ID and the reminder keys in its body. Counts connections (one EHLO each)."""

    def __init__(self):
        self.received: list[Received] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._controller = None

    def start(self) -> "Sink":
        self._controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def port(self) -> int:
        return self._controller.port

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self._lock:
            self.connections += 1
        return responses

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        found = MESSAGE_ID.search(content)
        message = Received(
            recipients=tuple(envelope.rcpt_tos),
            message_id=found.group(1).decode() if found else "",
            keys=frozenset(k.decode() for k in KEY.findall(content)),
            content=content,
            received_at=datetime.now(UTC),
        )
        with self._lock:
            self.received.append(message)
        await asyncio.sleep(0)
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def key_counts(self) -> Counter:
        """How many messages carried each reminder key."""
        return Counter(key for message in self.snapshot() for key in message.keys)

    def keys(self) -> set[str]:
        return set(self.key_counts())

    def duplicate_keys(self) -> dict[str, int]:
        return {key: n for key, n in self.key_counts().items() if n > 1}

    def duplicate_message_ids(self) -> int:
        """Messages whose Message-ID an earlier message already had."""
        ids = Counter(m.message_id for m in self.snapshot())
        return sum(n - 1 for n in ids.values())


# Worker processes ------------------------------------------------------------------------


class Workers:
    """``count`` real ``celery -A config worker`` processes (solo pool: the process we start is
    the one that sends, so SIGKILL stops a send where it stands)."""

    def __init__(self, *, env: dict, queue: str, log_dir: Path, count: int = 2, include=()):
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.queue = queue
        self.log_dir = log_dir
        self.include = list(include)
        self.processes: list[subprocess.Popen | None] = [None] * count
        self.logs: list[Path] = []
        self.starts = 0

    def _command(self, index: int) -> list[str]:
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "--concurrency=1", "--loglevel=INFO", f"--queues={self.queue}",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--hostname=reliability{index}-{os.getpid()}@%h",
        ]  # fmt: skip
        if self.include:
            command.append(f"--include={','.join(self.include)}")
        return command

    def start(self, index: int) -> Path:
        log = self.log_dir / f"worker{index}-{self.starts}.log"
        self.starts += 1
        with log.open("wb") as output:
            self.processes[index] = subprocess.Popen(
                self._command(index), cwd=ROOT, env=self.env, stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.logs.append(log)
        return log

    def start_all(self, *, wait: bool = True) -> None:
        logs = [self.start(i) for i in range(len(self.processes))]
        if wait:
            for index, log in enumerate(logs):
                self._wait_until_ready(self.processes[index], log)

    def _wait_until_ready(self, process: subprocess.Popen, log: Path) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if " ready." in log.read_text(errors="replace"):
                return
            if process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"A Celery worker did not start:\n{log.read_text(errors='replace')}")

    def kill_all(self) -> int:
        """SIGKILL every running worker; returns how many were killed."""
        killed = 0
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                killed += 1
        return killed

    def stop_all(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            if process is None:
                continue
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def log_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in self.logs)

    def count_in_logs(self, needle: str) -> int:
        return sum(log.read_text(errors="replace").count(needle) for log in self.logs)


# A private Redis server ------------------------------------------------------------------


class RedisServer:
    """A Redis server of our own (no persistence), so a test may restart it without touching
    anyone else's data. Without the ``redis-server`` program, the database ``fallback_url``
    names is used and a restart is a FLUSHDB of that database only."""

    def __init__(self, workdir: Path, fallback_url: str | None = None):
        self.program = shutil.which("redis-server")
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        if self.program:
            self.port = free_port()
            self.url = f"redis://127.0.0.1:{self.port}/0"
        else:
            self.url = fallback_url
        self.restarts = 0

    @property
    def private(self) -> bool:
        return self.program is not None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def start(self) -> "RedisServer":
        if not self.private:
            self.client().flushdb()
            return self
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart_empty(self) -> None:
        """A restart that loses every queued task (no persistence), or a FLUSHDB."""
        self.restarts += 1
        if self.private:
            self.stop()
            self.start()
        else:
            self.client().flushdb()


# A TCP proxy in front of PostgreSQL -------------------------------------------------------


class TcpProxy:
    """Forwards a local port to ``target``. ``cut()`` drops every connection and refuses new
    ones (the database is unreachable) until ``restore()``."""

    def __init__(self, target: tuple[str, int], *, delay: float = 0.0):
        self.target = target
        self.delay = delay  # seconds added to every chunk, each way: a network's latency
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    restore = start

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, destination: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if self.delay:
                    time.sleep(self.delay)
                destination.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, destination):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        if self._listener is not None:
            # shutdown() first: a plain close() leaves a thread blocked in accept() listening
            # on the socket for one more connection.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._close(sock)

    stop = cut


# Figures ---------------------------------------------------------------------------------


def report(name: str, figures: dict) -> None:
    """Print the figures of one test and keep them in test-artifacts/reliability.json."""
    print(f"\n[reliability] {name}")
    for key, value in figures.items():
        print(f"    {key}: {value}")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "reliability.json"
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        data = {}
    data[name] = {**figures, "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
