"""Parking enforcement (주정차 단속) connector."""

from minwon.linkage.connectors.parking.connector import ParkingConnector

__all__ = ["ParkingConnector"]
