"""Cross-cutting pieces: errors, clock, crypto, audit, auth, i18n, live events."""
