"""Contacts (상담): what the counselor records about one interaction."""
