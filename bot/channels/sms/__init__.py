"""The SMS channel: Twilio's webhook (and, to come, a generic gateway), replies cut to fit a few
SMS segments, numbered menus.

- `segments`: what a text costs in SMS segments (GSM-7 or UCS-2), and cutting it to fit.
- `render`: the dialogue's replies as one SMS.
- `twilio`: `POST /sms/twilio` in `settlebot serve`.
"""
