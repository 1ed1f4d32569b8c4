"""Local tax and non-tax revenue (지방세·세외수입) connector."""

from minwon.linkage.connectors.local_tax.connector import LocalTaxConnector

__all__ = ["LocalTaxConnector"]
