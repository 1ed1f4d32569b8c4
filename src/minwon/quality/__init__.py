"""Quality: contact-center indicators (service level, ASA, AHT, abandonment) computed from calls."""
