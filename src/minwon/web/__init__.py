"""Server-rendered pages: the agent desk, supervisor and admin pages."""
