"""Accounts, roles, sign-in sessions."""
