"""The ASGI app: health check and the agency side of referrals."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.runtime import Runtime
from bot.web.agency import agency_routes


def create_app(runtime: Runtime) -> Starlette:
    def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/healthz", healthz), *agency_routes(runtime)])
