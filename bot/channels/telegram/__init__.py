"""The Telegram channel, on python-telegram-bot.

- `application`: updates in, the dialogue's replies out (polling with `settlebot telegram`, or
  the webhook route in `settlebot serve`), the command menu in every language, and the buttons an
  agency's group presses.
- `render`: replies as Telegram messages: inline keyboards, pieces under 4,096 characters.
- `webhook`: `POST /telegram/webhook` and `settlebot telegram set-webhook`.
- `notifiers`: what the outbox worker sends: news to a newcomer, referrals to an agency's group.
"""
