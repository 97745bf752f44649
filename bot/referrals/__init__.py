"""Hand-offs to partner agencies: matching a service, consent, the referral record, notifications."""
