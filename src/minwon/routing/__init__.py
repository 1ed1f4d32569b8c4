"""Inquiry routing: suggest the responsible department and category for an inquiry text."""
