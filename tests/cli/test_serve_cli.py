"""`tutor serve` on the command line: loopback by default, a warning when opened to the network, one line
and a non-zero status for what a person gets wrong."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import copy_database
from tutor.cli.serve import is_loopback


def env_for(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TUTOR_DEBUG",)}
    env["TUTOR_DATABASE_URL"] = db
    return env


def run(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env_for(db),
                          timeout=120)


@pytest.fixture
def db(bank_url, tmp_path):
    return copy_database(bank_url, tmp_path / "centre.db")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("centre-server.local", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_prepare_only_readies_the_database_and_says_there_are_no_accounts(db):
    result = run("serve", "--prepare-only", db=db)
    assert result.returncode == 0, result.stderr
    assert "is ready" in result.stdout and "No accounts yet" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--port", "0"), "0 is out of range (a port: 1 to 65535)"),
    (("--port", "http"), "'http' is not a whole number"),
    (("--host", " "), "--host needs an address"),
    (("--max-sessions", "0"), "out of range (a number of sessions"),
])
def test_bad_options_get_one_line(db, args, message):
    result = run("serve", *args, db=db)
    assert result.returncode != 0 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_port_in_use_gets_one_line(db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("serve", "--port", str(taken.getsockname()[1]), db=db)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"tutor: error: cannot listen on 127.0.0.1:")
    assert "Traceback" not in result.stderr


def test_opening_it_to_the_network_prints_a_warning(db):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tutor", "serve", "--host", "0.0.0.0", "--port", str(port)],
                              env=env_for(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.1)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert "tutor: warning: serving on 0.0.0.0" in err and "unencrypted" in err
    assert f"Serving tutor on http://0.0.0.0:{port}/ (the network" in out


def test_the_database_is_named_without_its_password():
    from tutor.cli.serve import _shown_url

    assert _shown_url("postgresql+psycopg://tutor:s3cret@db.local/centre") == "postgresql+psycopg://tutor:***@db.local/centre"
