"""`tutor serve`'s web server without a browser: what each session process is given (the browser's address,
the database URL in its environment, never the server's own sign-in), what the page holds, and the refusals
(another site's page, too many sessions)."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[test]')")

from aiohttp import WSMsgType  # noqa: E402  (installed with textual-serve)
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from tutor.ui.web_server import CentreServer  # noqa: E402

# A stand-in for a session: speaks textual-serve's protocol and reports its environment in one data packet.
FAKE_SESSION = """
import json, os, sys
names = ("TUTOR_CLIENT_ADDRESS", "TUTOR_DATABASE_URL", "TUTOR_USER", "TUTOR_PASSWORD", "TEXTUAL_DRIVER")
body = json.dumps({n: os.environ.get(n) for n in names}).encode()
sys.stdout.buffer.write(b"__GANGLION__\\n" + b"D" + len(body).to_bytes(4, "big") + body)
sys.stdout.buffer.flush()
sys.stdin.buffer.read()
"""
DATABASE_URL = "postgresql+psycopg://tutor:s3cret-pw@db.example/centre"


@pytest.fixture
async def client(monkeypatch):
    monkeypatch.setenv("TUTOR_DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("TUTOR_USER", "office")
    monkeypatch.setenv("TUTOR_PASSWORD", "the admin's password")
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(FAKE_SESSION)}"
    server = CentreServer(command, "127.0.0.1", 0, max_sessions=1)
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    client.centre = server
    yield client
    await client.close()


async def session_environment(client, **headers) -> dict:
    websocket = await client.ws_connect("/ws?width=80&height=24", headers=headers)
    message = await websocket.receive(timeout=30)
    await websocket.close()
    assert message.type == WSMsgType.BINARY, message
    return json.loads(message.data)


async def test_a_session_gets_the_browsers_address_and_the_database_url_in_its_environment_only(client):
    environment = await session_environment(client)
    assert environment["TUTOR_CLIENT_ADDRESS"] == "127.0.0.1"
    assert environment["TUTOR_DATABASE_URL"] == DATABASE_URL
    assert environment["TUTOR_USER"] is None and environment["TUTOR_PASSWORD"] is None
    assert environment["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"


async def test_the_page_names_tutor_and_links_back_to_the_address_the_browser_used(client):
    response = await client.get("/", headers={"Host": "centre-server.local:8000"})
    page = await response.text()
    assert response.status == 200
    assert 'data-session-websocket-url="ws://centre-server.local:8000/ws"' in page
    assert 'src="http://centre-server.local:8000/static/js/textual.js"' in page
    assert ">tutor<" in page
    for secret in ("s3cret-pw", "db.example", "postgresql", sys.executable, "__GANGLION__"):  # nor the command
        assert secret not in page


async def test_a_session_opened_by_another_sites_page_is_refused(client):
    with pytest.raises(Exception, match="403"):
        await client.ws_connect("/ws", headers={"Origin": "http://evil.example"})
    host = f"127.0.0.1:{client.port}"
    assert (await session_environment(client, Origin=f"http://{host}"))["TUTOR_CLIENT_ADDRESS"] == "127.0.0.1"


async def test_sessions_beyond_the_cap_are_refused(client):
    first = await client.ws_connect("/ws")
    await first.receive(timeout=30)
    with pytest.raises(Exception, match="503"):
        await client.ws_connect("/ws")
    await first.close()
