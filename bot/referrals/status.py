"""A referral's statuses, as information-and-referral standards (AIRS) track them."""

SENT, ACKNOWLEDGED, ACCEPTED, DECLINED, CLOSED = "sent", "acknowledged", "accepted", "declined", "closed"
STATUSES = (SENT, ACKNOWLEDGED, ACCEPTED, DECLINED, CLOSED)
# What an agency may do next. Closing is always possible, e.g. when the person never answered.
NEXT = {SENT: {ACKNOWLEDGED, ACCEPTED, DECLINED, CLOSED}, ACKNOWLEDGED: {ACCEPTED, DECLINED, CLOSED},
        ACCEPTED: {CLOSED}, DECLINED: {CLOSED}, CLOSED: set()}
# The agency's verbs (in the API and on the referral page) and the status each leads to.
ACTIONS = {"acknowledge": ACKNOWLEDGED, "accept": ACCEPTED, "decline": DECLINED, "close": CLOSED}
# The newcomer is told of these at once (or at their next message, on channels without push).
TOLD = (ACCEPTED, DECLINED)
