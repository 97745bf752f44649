"""Channels: each turns its wire format into the dialogue's Inbound and renders its Outbound."""
