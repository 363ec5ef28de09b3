"""The action server: rasa-sdk's app, locked down.

``rasa run actions`` listens on every interface, accepts any caller, expands a compressed body without
limit and echoes the whole request (slots with names and emails) into its error responses, which the
Rasa server then logs. Anyone who reached port 5055 could post a made-up tracker and run
``action_crisis`` or ``action_submit_handoff``: urgent tickets and Slack posts on demand. This server
runs the same actions with
- loopback by default (``ACTION_SERVER_HOST``);
- a shared secret when one is set (``ACTION_SERVER_TOKEN``; Rasa sends it as ``?token=`` when
  ``endpoints.yml`` gives ``action_endpoint.token``): 401 without it;
- a request size limit, also after decompression (413);
- error responses without the request body, and logs without slot values or SQL parameters.

    python -m bot.action_server --port 5055
"""

from __future__ import annotations

import argparse
import hmac
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
        if token and not hmac.compare_digest(request.args.get("token", ""), token):
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
    logging.basicConfig(level=logging.INFO)
    # Actions log the sender and database errors; neither may carry what users typed (README "Security").
    redaction.install(rasa=False)
    app = create_app(settings, args.actions)
    logger.info("Action server on %s:%s (%s)", settings.action_server_host, args.port,
                "shared secret required" if settings.action_server_token else "no shared secret: loopback only")
    app.run(settings.action_server_host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
