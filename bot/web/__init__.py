"""`settlebot serve`: one ASGI app for agencies now, and the Telegram and SMS webhooks to come."""
