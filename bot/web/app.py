"""The ASGI app of `settlebot serve`: health check, the agency side of referrals, and the webhooks
of the channels this deployment has set up."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.channels import WebChannel, web_channels
from bot.config import load_settings
from bot.runtime import Runtime, open_runtime
from bot.web.agency import agency_routes


def create_app(runtime: Runtime, channels: list[WebChannel] = ()) -> Starlette:
    def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for channel in channels:
                await stack.enter_async_context(channel.running())
            yield

    routes = [Route("/healthz", healthz), *agency_routes(runtime), *(r for c in channels for r in c.routes())]
    return Starlette(routes=routes, lifespan=lifespan)


# What `settlebot serve` tells each of its worker processes, which build the app themselves.
CONFIG, ENGINE = "SETTLEBOT_CONFIG", "SETTLEBOT_SERVE_NLU"


def app_from_environment() -> Starlette:
    """The whole app, built in this process from $SETTLEBOT_CONFIG and the engine `serve` was
    given: uvicorn calls it in each worker. The NLU is trained only if a channel will answer."""
    settings = load_settings()
    runtime = open_runtime(settings)
    kinds = web_channels(settings)
    dialogue = runtime.dialogue(os.environ.get(ENGINE) or None) if kinds else None
    return create_app(runtime, [kind(runtime, dialogue) for kind in kinds])
