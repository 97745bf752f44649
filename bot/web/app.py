"""The ASGI app of `settlebot serve`: health check, the agency side of referrals, and the webhooks
of the channels this deployment has set up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.channels import WebChannel
from bot.runtime import Runtime
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
