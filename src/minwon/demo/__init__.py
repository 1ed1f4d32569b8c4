"""The demo city (한빛시, fictional) and demo content built from the shared real data."""
