"""python-telegram-bot's Bot API requests over aiohttp instead of httpx, through PTB's documented
extension point (`telegram.request.BaseRequest`). On the webhook benchmark, httpx spent about
four times aiohttp's CPU on each request, and the replies' requests were most of `serve`'s work
(docs/benchmarks.md)."""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    def __init__(self, connections: int, timeout: float = 30.0):
        """`connections`: at most this many at once (a request waits for one); `timeout`: seconds
        for a whole request, from waiting for a connection to the last byte of the answer."""
        self._connections = connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:  # made here: aiohttp wants a running loop
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._connections),
                                                  timeout=aiohttp.ClientTimeout(total=self._timeout))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: float | None = BaseRequest.DEFAULT_NONE,
                         write_timeout: float | None = BaseRequest.DEFAULT_NONE,
                         connect_timeout: float | None = BaseRequest.DEFAULT_NONE,
                         pool_timeout: float | None = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        form = aiohttp.FormData(request_data.json_parameters if request_data else {})
        for name, (filename, content, mimetype) in (request_data.multipart_data or {}).items() if request_data else ():
            form.add_field(name, content, filename=filename, content_type=mimetype)
        # A long poll asks for a read timeout longer than a request's usual whole.
        total = self._timeout + (read_timeout if isinstance(read_timeout, int | float) else 0)
        try:
            async with self._session.request(method, url, data=form, headers={"User-Agent": self.USER_AGENT},
                                             timeout=aiohttp.ClientTimeout(total=total)) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut(f"no answer from the Bot API within {total:.0f} s") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
