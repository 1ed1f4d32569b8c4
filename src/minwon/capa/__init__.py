"""Nonconformities and corrective actions (부적합·시정조치, ISO 9001:2015 §10.2)."""
