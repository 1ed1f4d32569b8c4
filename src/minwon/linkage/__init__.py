"""Administrative information linkage (행정정보 연동): connectors to back-office systems."""
