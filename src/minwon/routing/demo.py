"""Demo routing: map the Incheon Jung-gu divisions to 한빛시 departments and train the first model."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.org.models import Department
from minwon.routing.models import DepartmentMapping
from minwon.routing.service import active_record, train_model

MAP_FILE = Path(__file__).with_name("demo_department_map.yaml")


def load_demo_routing(*, db: Session) -> list[str]:
    """Add the demo department map (missing rows only) and train a model when none is active; commits.

    Returns notices for the demo summary.
    """
    wanted: dict[str, str] = yaml.safe_load(MAP_FILE.read_text(encoding="utf-8"))
    departments = {d.name: d.id for d in db.scalars(select(Department).where(Department.is_active))}
    present = set(db.scalars(select(DepartmentMapping.label)))
    for label, target in wanted.items():
        if label not in present and target in departments:
            db.add(DepartmentMapping(label=label, department_id=departments[target]))
    db.commit()
    if active_record(db=db) is not None:
        return []
    record = train_model(db=db)
    m = record.metrics
    if not m:
        return [f"routing model trained on {record.n_train} cases (too few for a held-out evaluation)"]
    return [
        f"routing model trained on {record.n_train} past cases, {record.n_labels} departments; "
        f"newest {m['n_test']} held out: accuracy@1 {m['accuracy_at_1']:.2f}, @3 {m['accuracy_at_3']:.2f} "
        f"(majority baseline {m['majority_accuracy_at_1']:.2f} / {m['majority_accuracy_at_3']:.2f})"
    ]
