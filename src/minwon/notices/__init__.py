"""Notices to citizens (SMS, e-mail) through a transactional outbox."""
