"""Connectors shipped with minwon, one folder each, registered under the ``minwon.connectors`` entry points
(``pyproject.toml``). See ``docs/linkage-connectors.md`` for how a city adds its own."""
