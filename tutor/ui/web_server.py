"""``tutor serve``'s web server: textual-serve's, with what a centre needs on top.

textual-serve (pinned in the ``serve`` extra: this module overrides two of its handlers) serves one page
and, for each browser connection, runs the session command in a process of its own and relays the screen
over a websocket. The browser gets screens only. On top of textual-serve this server

* tells each session process the browser's address (``TUTOR_CLIENT_ADDRESS``, from the socket, never
  from anything the browser says), so start codes and passwords are held back per computer;
* hands the session processes the server's environment without the command line's sign-in
  (``TUTOR_USER``, ``TUTOR_PASSWORD``, ``TUTOR_NEW_PASSWORD``): the database URL reaches them in the
  environment, never in the page, a URL or the command;
* refuses a websocket opened by another site's page (its ``Origin`` is not this server);
* caps the number of sessions at once (each is a process and a database connection);
* builds the page's links from the address the browser used, so a centre's PCs reach the websocket when
  the server listens on every interface, and titles the page "tutor" instead of the command.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("textual-serve")

CLIENT_ADDRESS_ENV = "TUTOR_CLIENT_ADDRESS"
NOT_FOR_SESSIONS = ("TUTOR_USER", "TUTOR_PASSWORD", "TUTOR_NEW_PASSWORD")
"""The command line's sign-in: the person who started the server, never a browser session."""


class SessionService(AppService):
    """One browser session's process, told the browser's address and nothing of the server's sign-in."""

    def __init__(self, *args: Any, address: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address = address

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in NOT_FOR_SESSIONS:
            environment.pop(name, None)
        environment[CLIENT_ADDRESS_ENV] = self.address or ""
        return environment


class CentreServer(Server):
    """textual-serve's server for ``tutor serve`` (see the module's notes)."""

    def __init__(self, command: str, host: str, port: int, max_sessions: int) -> None:
        super().__init__(command, host=host, port=port, title="tutor")
        self.max_sessions = max_sessions
        self.sessions = 0

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its banner and the command here; ``tutor serve`` has said what it serves."""

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        base = f"{request.scheme}://{request.host}"
        websocket = f"{'wss' if request.scheme == 'https' else 'ws'}://{request.host}"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": websocket + str(request.app.router["websocket"].url_for()),
            "config": {"static": {"url": base + str(request.app.router["static"].url_for(filename="/")).rstrip("/")
                                  + "/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """textual-serve 1.1.3's handler, with the origin check, the session cap and the address."""
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            log.warning("refused a session opened from another site (%s)", origin)
            raise web.HTTPForbidden(text="sessions are opened from this server's own page")
        if self.sessions >= self.max_sessions:
            log.warning("refused a session from %s: %d sessions already", request.remote, self.sessions)
            raise web.HTTPServiceUnavailable(text="too many sessions on this server")
        self.sessions += 1
        try:
            return await self._session(request)
        finally:
            self.sessions -= 1

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = SessionService(
                self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                close=websocket.close, download_manager=self.download_manager, debug=self.debug,
                address=request.remote,
            )
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket
