"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from minwon.accounts import models as accounts_models
from minwon.capa import models as capa_models
from minwon.cases import models as cases_models
from minwon.cases import reminder_models as case_reminder_models
from minwon.contacts import models as contacts_models
from minwon.core import models as core_models
from minwon.db.base import Base
from minwon.evaluations import models as evaluations_models
from minwon.feedback import models as feedback_models
from minwon.knowledge import models as knowledge_models
from minwon.linkage import models as linkage_models
from minwon.notices import models as notices_models
from minwon.org import models as org_models
from minwon.quality import models as quality_models
from minwon.routing import models as routing_models
from minwon.scheduler import models as scheduler_models
from minwon.search import models as search_models
from minwon.telephony import models as telephony_models
from minwon.weather import models as weather_models
from minwon.workforce import models as workforce_models

__all__ = [
    "Base",
    "accounts_models",
    "capa_models",
    "case_reminder_models",
    "cases_models",
    "contacts_models",
    "core_models",
    "evaluations_models",
    "feedback_models",
    "knowledge_models",
    "linkage_models",
    "notices_models",
    "org_models",
    "quality_models",
    "routing_models",
    "scheduler_models",
    "search_models",
    "telephony_models",
    "weather_models",
    "workforce_models",
]
