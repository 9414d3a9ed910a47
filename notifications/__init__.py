"""Outbound side effects: live events after commit, SMS outbox and gateways."""
