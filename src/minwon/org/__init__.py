"""The center's organisation: departments, contact categories (taxonomy) and queues."""
