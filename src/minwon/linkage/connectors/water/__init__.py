"""Water and sewage (상하수도) connector."""

from minwon.linkage.connectors.water.connector import WaterConnector

__all__ = ["WaterConnector"]
