"""The SMS channel: Twilio's webhook and a generic gateway feeding one dialogue, replies cut to fit
a few SMS segments with the rest on MORE, numbered menus, and news pushed through Twilio.

- `segments`: what a text costs in SMS segments (GSM-7 or UCS-2), and cutting it to fit.
- `render`: the dialogue's replies as one SMS, and what did not fit.
- `gateway`: what the gateways share: a message in, the SMS that answers it out.
- `twilio`: `POST /sms/twilio` and its status callback in `settlebot serve`.
- `generic`: `POST /sms/generic`, signed JSON from any other gateway.
- `push`: what the outbox worker sends by SMS, through Twilio's REST API.
"""
