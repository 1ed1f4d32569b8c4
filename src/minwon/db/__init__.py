"""Database: engine, sessions, declarative base, portable types and migrations."""
