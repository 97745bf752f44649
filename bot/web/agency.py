"""The agency side of referrals, over HTTP.

- `/agency/referrals...`: JSON for an agency's own systems, with the agency's API token
  (`Authorization: Bearer <token>`, from `settlebot agencies token ORG`).
- `/agency/r/<code>?key=...`: the page a referral email links to, for a caseworker to acknowledge,
  accept or decline that one referral without logging in.

An agency sees only its own referrals: another agency's code answers 404, as an unknown one does."""

from __future__ import annotations

import datetime
import hmac
from html import escape

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.referrals import records, tokens
from bot.referrals.notifiers.email import AgencyEmail
from bot.referrals.records import StepNotAllowed, UnknownReferral
from bot.referrals.signing import agency_link, link_key
from bot.referrals.status import ACTIONS, NEXT
from bot.runtime import Runtime
from bot.storage.models import Referral

MAX_NOTE = 1000
# The referral page shows a person's details: no cache keeps it, no link carries its address on.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
NOT_VALID = "<p>This link is not valid. The LIP can send it again ('settlebot referrals show CODE').</p>"


def agency_routes(runtime: Runtime) -> list[Route]:
    def organization(request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        with runtime.sessions() as session:
            return tokens.organization_of(session.connection(), token.strip())

    def unauthorized() -> JSONResponse:
        return JSONResponse({"error": "send your agency's API token: Authorization: Bearer <token>"}, 401)

    def not_found(code: str) -> JSONResponse:
        return JSONResponse({"error": f"no referral {code}"}, 404)

    def referral_list(request: Request) -> Response:
        org = organization(request)
        if org is None:
            return unauthorized()
        query = select(Referral.code).where(Referral.organization_id == org).order_by(Referral.id)
        if status := request.query_params.get("status"):
            query = query.where(Referral.status == status)
        if since := request.query_params.get("since"):
            try:
                start = datetime.datetime.combine(datetime.date.fromisoformat(since), datetime.time(),
                                                  runtime.settings.timezone)
                query = query.where(Referral.created_at >= start.astimezone(datetime.UTC))
            except ValueError:
                return JSONResponse({"error": "since must be a date, e.g. 2026-11-01"}, 400)
        with runtime.sessions() as session:
            connection = session.connection()
            codes = connection.execute(query).scalars().all()
            return JSONResponse({"referrals": [records.view(connection, runtime.box, c).to_json() for c in codes]})

    def referral_detail(request: Request) -> Response:
        org, code = organization(request), request.path_params["code"]
        if org is None:
            return unauthorized()
        with runtime.sessions() as session:
            found = records.view(session.connection(), runtime.box, code)
        if found is None or found.organization_id != org:
            return not_found(code)
        return JSONResponse(found.to_json())

    def act(org: str, code: str, action: str, note: str | None) -> Response:
        if action not in ACTIONS:
            return JSONResponse({"error": f"the action is one of: {', '.join(ACTIONS)}"}, 404)
        try:
            with runtime.sessions.begin() as session:
                status = records.change_status(session.connection(), code, org, ACTIONS[action], f"agency:{org}", note)
        except UnknownReferral as error:
            return JSONResponse({"error": str(error)}, 404)
        except StepNotAllowed as error:
            return JSONResponse({"error": str(error)}, 409)
        return JSONResponse({"code": code, "status": status})

    async def referral_action(request: Request) -> Response:
        org = await run_in_threadpool(organization, request)
        if org is None:
            return unauthorized()
        note = None
        if await request.body():
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": 'the body must be JSON: {"note": "..."}'}, 400)
            note = body.get("note") if isinstance(body, dict) else None
            if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
                return JSONResponse({"error": f"note must be text of at most {MAX_NOTE} characters"}, 400)
        return await run_in_threadpool(act, org, request.path_params["code"], request.path_params["action"], note)

    def linked(request: Request) -> tuple[str, records.ReferralView] | None:
        """The referral a link's key opens, with its organization: the key is the authorisation."""
        code = request.path_params["code"]
        with runtime.sessions() as session:
            found = records.view(session.connection(), runtime.box, code)
        if found is None:
            return None
        expected = link_key(runtime.secret_key, found.organization_id, code)
        if not hmac.compare_digest(expected, request.query_params.get("key", "")):
            return None
        return found.organization_id, found

    def page(request: Request) -> Response:
        opened = linked(request)
        if opened is None:
            return HTMLResponse(NOT_VALID, 403)
        org, referral = opened
        kb = runtime.knowledge()
        organization = kb.organizations.get(org)
        if organization is None:
            return HTMLResponse("<p>This agency is no longer in agencies.yml.</p>", 404)
        text = AgencyEmail(organization, kb)
        link = agency_link(runtime.settings.public_url, runtime.secret_key, org, referral.code)
        _subject, body = text.referral(referral, link, runtime.settings.timezone)
        key = escape(request.query_params["key"])
        buttons = "".join(
            f'<form method="post" action="/agency/r/{escape(referral.code)}/{action}?key={key}">'
            f'<button>{escape(action)}</button></form>'
            for action, status in ACTIONS.items() if status in NEXT[referral.status])
        return HTMLResponse(
            headers=PRIVATE,
            content=f'<!doctype html><html lang="{escape(organization.language)}"><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width"><title>{escape(referral.code)}</title>'
            f'<pre style="white-space:pre-wrap;font:inherit">{escape(body)}</pre>'
            f'<p><strong>{escape(referral.status)}</strong></p>{buttons}</html>')

    def page_action(request: Request) -> Response:
        opened = linked(request)
        if opened is None:
            return HTMLResponse(NOT_VALID, 403)
        org, referral = opened
        response = act(org, referral.code, request.path_params["action"], None)
        if response.status_code != 200:
            return response
        return RedirectResponse(f"/agency/r/{referral.code}?key={request.query_params['key']}", 303)

    return [
        Route("/agency/referrals", referral_list),
        Route("/agency/referrals/{code}", referral_detail),
        Route("/agency/referrals/{code}/{action}", referral_action, methods=["POST"]),
        Route("/agency/r/{code}", page),
        Route("/agency/r/{code}/{action}", page_action, methods=["POST"]),
    ]
