"""Workforce planning: forecasting, staffing (Erlang C / Erlang A), scheduling and simulation."""
