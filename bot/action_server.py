"""The action server: rasa-sdk's app, locked down.

``rasa run actions`` listens on every interface, accepts any caller, expands a compressed body without
limit and echoes the whole request (slots with names and emails) into its error responses, which the
Rasa server then logs. Anyone who reached port 5055 could post a made-up tracker and run
``action_crisis`` or ``action_submit_handoff``: urgent tickets and Slack posts on demand. This server
runs the same actions with
- loopback by default (``ACTION_SERVER_HOST``), and it refuses to start on another address without a secret;
- a shared secret when one is set (``ACTION_SERVER_TOKEN``): 401 without it. Rasa sends it in the header
  ``Authorization: Bearer <secret>`` (``action_endpoint.headers`` in the endpoints file), which no error
  log or proxy log prints; ``?token=`` (``action_endpoint.token``) is still accepted. Compared as bytes,
  in constant time, so any text a client sends is a 401, never an error;
- a request size limit, also after decompression (413);
- error responses without the request body, and logs without slot values or SQL parameters.

    python -m bot.action_server --port 5055
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import zlib
from typing import Optional, Sequence

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import Settings, load_settings
from bot.privacy import redaction

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # a tracker of a long conversation is well under this
OPEN_PATHS = ("/health",)  # load balancers probe it without the secret


def decompressed_size_ok(body: bytes, limit: int = MAX_BODY_BYTES) -> bool:
    """Whether a deflate body expands to at most ``limit`` bytes (checked without expanding it all)."""
    inflater = zlib.decompressobj()
    try:
        inflater.decompress(body, limit + 1)
    except zlib.error:
        return True  # not our concern: rasa-sdk answers a malformed body itself
    return not inflater.unconsumed_tail


def presented_token(request: Request) -> str:
    """The secret a caller sent: ``Authorization: Bearer ...`` first, else ``?token=``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token", "")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def create_app(settings: Settings, actions: str = "actions") -> Sanic:
    """rasa-sdk's action app with the checks above."""
    from rasa_sdk.endpoint import create_app as sdk_app

    app = sdk_app(actions, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    token = settings.action_server_token

    @app.middleware("request")
    async def guard(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if token and not hmac.compare_digest(presented_token(request).encode(), token.encode()):
            return response.json({"error": "unauthorised"}, status=401)
        if request.headers.get("Content-Encoding") == "deflate" and not decompressed_size_ok(request.body or b""):
            return response.json({"error": "request too large"}, status=413)
        return None

    @app.middleware("response")
    async def no_echo(request: Request, reply: HTTPResponse) -> Optional[HTTPResponse]:
        # rasa-sdk's error handler puts the whole request body (slots, names, emails) in its answer.
        if reply.status >= 500:
            return response.json({"error": "the action failed; see the action server's log"}, status=reply.status)
        return None

    return app


def main(argv: Optional[Sequence[str]] = None, settings: Optional[Settings] = None) -> None:
    """Serve the actions until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions", help="package holding the actions (default: %(default)s)")
    args = parser.parse_args(argv)
    settings = settings or load_settings()
    if not settings.action_server_token and not is_loopback(settings.action_server_host):
        # Every action would be open to anyone who reaches the port: urgent tickets and staff pages on demand.
        parser.exit(2, f"Refusing to listen on {settings.action_server_host} without a shared secret: set "
                       f"ACTION_SERVER_TOKEN (and give Rasa the same), or leave ACTION_SERVER_HOST at 127.0.0.1.\n")
    logging.basicConfig(level=logging.INFO)
    # Actions log the sender and database errors; neither may carry what users typed (README "Security").
    redaction.install(rasa=False)
    app = create_app(settings, args.actions)
    logger.info("Action server on %s:%s (%s)", settings.action_server_host, args.port,
                "shared secret required" if settings.action_server_token else "no shared secret, loopback only")
    app.run(settings.action_server_host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
