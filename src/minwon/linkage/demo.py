"""Demo: link the demo city to the reference back office (``minwon init --demo``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.linkage.models import ConnectorSetting
from minwon.linkage.service import installed_connectors, save_connector


def load_demo_linkage(*, db: Session) -> list[str]:
    """Enable the ``local_tax``, ``water`` and ``parking`` connectors with the back office's demo
    configuration (its API key stored encrypted), unless already configured. Idempotent; commits.
    Returns notices for the demo summary."""
    from minwon.backoffice.demo import demo_base_url, demo_connector_configs

    admin = db.scalar(select(User).where(User.role == Role.ADMINISTRATOR).order_by(User.id).limit(1))
    if admin is None:
        return ["linkage: no administrator account; connectors not configured"]
    installed = installed_connectors()
    done = []
    for name, config in demo_connector_configs().items():
        if name not in installed:
            continue
        if db.scalar(select(ConnectorSetting.id).where(ConnectorSetting.name == name)) is not None:
            continue
        save_connector(db=db, name=name, enabled=True, config=dict(config), actor=admin)
        done.append(name)
    if not done:
        return []
    return [f"linkage: {', '.join(done)} linked to the reference back office at {demo_base_url()}"]
