"""Periodic jobs (reminders, escalations, notice delivery) run by ``minwon scheduler run``."""
