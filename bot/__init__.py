"""settlebot: a multilingual information-and-referral chatbot for Local Immigration Partnerships."""

__version__ = "0.1.0"
