"""Commands for LIP staff: referrals (list, show, export) and partner agencies (tokens, webhook
secrets, a test notification)."""

from __future__ import annotations

import argparse
import csv
import datetime
import difflib
import sys

from sqlalchemy import select

from bot.config import ConfigError, Settings
from bot.referrals import records, tokens
from bot.referrals.signing import agency_link, webhook_secret
from bot.runtime import Runtime, open_runtime
from bot.storage.models import OutboxMessage, Referral, as_utc

COLUMNS = ("code", "created", "status", "agency", "service", "topic", "language", "channel", "follow_up_due")


def _rows(runtime: Runtime, args: argparse.Namespace) -> list[dict[str, str]]:
    zone = runtime.settings.timezone
    query = select(Referral).order_by(Referral.id)
    if args.agency:
        query = query.where(Referral.organization_id == args.agency)
    if args.status:
        query = query.where(Referral.status == args.status)
    if args.since:  # days in the city's time zone; stored times are UTC
        start = datetime.datetime.combine(args.since, datetime.time(), zone)
        query = query.where(Referral.created_at >= start.astimezone(datetime.UTC))
    if args.until:
        end = datetime.datetime.combine(args.until + datetime.timedelta(days=1), datetime.time(), zone)
        query = query.where(Referral.created_at < end.astimezone(datetime.UTC))
    with runtime.sessions() as session:
        found = session.connection().execute(query).all()
    return [{"code": r.code, "created": as_utc(r.created_at).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
             "status": r.status, "agency": r.organization_id or "", "service": r.service_id or "",
             "topic": r.topic or "", "language": r.language, "channel": r.channel,
             "follow_up_due": as_utc(r.follow_up_due).astimezone(zone).strftime("%Y-%m-%d")} for r in found]


def referrals_list(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings, args.agency)
    rows = _rows(runtime, args)
    if not rows:
        print("No referrals match.")
        return 0
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in COLUMNS}
    print("  ".join(c.ljust(widths[c]) for c in COLUMNS))
    for row in rows:
        print("  ".join(row[c].ljust(widths[c]) for c in COLUMNS))
    print(f"{len(rows)} referrals. 'settlebot referrals show CODE' shows one with its history.")
    return 0


def referrals_export(args: argparse.Namespace, settings: Settings) -> int:
    """CSV for reports: no names, phone numbers or needs (use 'show' for one person's details)."""
    runtime = _runtime(settings, args.agency)
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(_rows(runtime, args))
    return 0


def referrals_show(args: argparse.Namespace, settings: Settings) -> int:
    runtime = open_runtime(settings)
    with runtime.sessions() as session:
        found = records.view(session.connection(), runtime.box, args.code.upper())
    if found is None:
        print(f"settlebot: no referral {args.code}; 'settlebot referrals list' lists them", file=sys.stderr)
        return 1
    zone = settings.timezone
    print(f"{found.code}  {found.status}  {found.organization_id} / {found.service_id or '(general inbox)'}")
    print(f"  topic {found.topic or '-'}, language {found.language}, channel {found.channel}")
    print(f"  name: {found.name or '(not given)'}; reach: {found.phone or 'in the chat'}")
    print(f"  need: {found.need}")
    print(f"  follow-up due {found.follow_up_due.astimezone(zone):%Y-%m-%d}")
    page = agency_link(settings.public_url, runtime.secret_key, found.organization_id, found.code)
    print(f"  the agency's page: {page}")
    for status, actor, at, note in found.history:
        print(f"  {at.astimezone(zone):%Y-%m-%d %H:%M}  {status:<12} {actor}" + (f"  ({note})" if note else ""))
    with runtime.sessions() as session:
        notifications = session.connection().execute(
            select(OutboxMessage).join(Referral, Referral.id == OutboxMessage.referral_id)
            .where(Referral.code == found.code).order_by(OutboxMessage.id)).all()
    for n in notifications:  # so that a notification that keeps failing is seen
        state = (f"delivered {as_utc(n.delivered_at).astimezone(zone):%Y-%m-%d %H:%M}" if n.delivered_at else
                 f"waiting after {n.attempts} attempts" + (f": {n.last_error}" if n.last_error else ""))
        print(f"  notification {n.kind} to {n.recipient}: {state}")
    return 0


def _runtime(settings: Settings, organization: str | None) -> Runtime:
    """The runtime, once `organization` (if given) is known to agencies.yml; a ConfigError naming
    the ids there are otherwise, so that a typo is not answered with an empty list."""
    runtime = open_runtime(settings)
    known = runtime.knowledge().organizations
    if organization is None or organization in known:
        return runtime
    close = difflib.get_close_matches(organization, list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(f"no organization {organization!r} in agencies.yml; {hint}the ids are: {', '.join(known)}")


def agencies_token(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings, args.organization)
    with runtime.sessions.begin() as session:
        revoked = tokens.revoke_all(session.connection(), args.organization) if args.revoke else 0
        token = None if args.revoke else tokens.issue(session.connection(), args.organization)
    if args.revoke:
        print(f"Revoked {revoked} tokens of {args.organization}.")
    else:
        print(token)
        print(f"The API token of {args.organization}: give it to the agency now; it is not shown again "
              "(only its hash is kept).", file=sys.stderr)
    return 0


def agencies_secret(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings, args.organization)
    print(webhook_secret(runtime.secret_key, args.organization))
    return 0


def agencies_test_notify(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings, args.organization)
    organization = runtime.knowledge().organizations[args.organization]
    kinds = records.notification_kinds(organization)
    with runtime.sessions.begin() as session:
        keys = [records.enqueue(session.connection(), kind, organization.id, {"event": "test"}, None)
                for kind in kinds]
    delivered = runtime.worker().run_once(keys=keys)
    target = " and ".join([organization.email, *([organization.webhook_url] if organization.webhook_url else []),
                           *([f"Telegram group {organization.telegram_chat}"] if organization.telegram_chat else [])])
    if delivered == len(kinds):
        print(f"Sent a test notification to {target}.")
        return 0
    print(f"settlebot: {len(kinds) - delivered} of {len(kinds)} test notifications to {target} failed (see above); "
          "they stay in the outbox and are retried by 'settlebot worker'", file=sys.stderr)
    return 1


def referrals_assign(args: argparse.Namespace, settings: Settings) -> int:
    runtime = _runtime(settings, args.organization)
    kb = runtime.knowledge()
    service = None
    if args.service:
        service = kb.services.get(f"{args.organization}/{args.service}")
        if service is None:
            ids = ", ".join(s.id.partition("/")[2] for s in kb.services.values()
                            if s.organization_id == args.organization)
            print(f"settlebot: {args.organization} has no service {args.service!r}; its services: {ids}",
                  file=sys.stderr)
            return 1
    try:
        with runtime.sessions.begin() as session:
            records.assign(session.connection(), args.code.upper(), kb.organizations[args.organization], service,
                           "staff")
    except records.ReferralError as error:
        print(f"settlebot: {error}; 'settlebot referrals list' lists them", file=sys.stderr)
        return 1
    print(f"{args.code.upper()} is now with {args.organization}; it is notified by the worker "
          "(settlebot worker, chat or serve).")
    return 0
