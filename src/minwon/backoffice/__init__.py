"""The reference municipal back office (``minwon backoffice serve``): a separate process with its own
database of synthetic 한빛시 local-tax, water and parking records, and a fault-injection API.

:func:`demo_connector_configs` and :func:`demo_identities` tell the demo how to link to it and whom to
look up.
"""

from minwon.backoffice.demo import DemoIdentity, demo_connector_configs, demo_identities

__all__ = ["DemoIdentity", "demo_connector_configs", "demo_identities"]
