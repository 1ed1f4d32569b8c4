"""Citizens' voice: satisfaction surveys, low-score follow-ups and service complaints (ISO 9001 §9.1.2)."""
