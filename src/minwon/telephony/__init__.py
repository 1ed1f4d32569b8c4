"""Telephony: PBX events in, calls stored, screen-pops out."""
