"""Settings from the environment (prefix ``MINWON_``).

This module imports no other minwon code so that anything may depend on it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Repository root when running from a checkout (``src/minwon/config.py`` → three levels up).
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]

DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
#: Development data-encryption key (base64 of 32 bytes); refused in production.
DEV_DATA_KEY = "dev1:bWlud29uLWRldmVsb3BtZW50LWtleS0zMi1ieXRlcyE="


def _default_kb_files_dir() -> Path:
    return Path.cwd() / "var" / "kb-files"


def _default_database_url() -> str:
    return f"sqlite:///{(Path.cwd() / 'var' / 'minwon.db').as_posix()}"


def _default_backoffice_database_url() -> str:
    return f"sqlite:///{(Path.cwd() / 'var' / 'backoffice.db').as_posix()}"


#: API key of the reference back office in development and the demo (it holds synthetic data only).
DEV_BACKOFFICE_API_KEY = "hanbit-backoffice-demo-key"


class Settings(BaseSettings):
    """Deployment settings.

    Every field is read from ``MINWON_<FIELD>`` (e.g. ``MINWON_DATABASE_URL``).
    In ``production`` mode the secrets must not be left at their development defaults
    (a :class:`ValueError` is raised at start-up naming the setting).
    """

    model_config = SettingsConfigDict(env_prefix="MINWON_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = Field(default_factory=_default_database_url)
    #: Folder with the shared real data sets (call records, Q&A, KMA) — never committed.
    data_dir: Path = CHECKOUT_ROOT.parent / "shared" / "data"
    #: Signs session tokens and derives the caller-number pseudonymisation key.
    secret_key: str = DEV_SECRET_KEY
    #: Comma-separated ``key_id:base64key`` (32-byte AES keys); the first encrypts, all decrypt (rotation).
    data_keys: str = DEV_DATA_KEY
    #: ``None`` → in-process live updates; ``redis://…`` or ``postgresql://…`` (LISTEN/NOTIFY) for several
    #: processes.
    broker_url: str | None = None
    timezone: str = "Asia/Seoul"
    default_locale: Literal["ko", "en"] = "ko"
    host: str = "127.0.0.1"
    port: int = 8000
    #: Idle session lifetime in minutes (an 8-hour shift plus margin).
    session_ttl_minutes: int = 600
    #: Failed sign-ins in a row that lock an account, and for how long (minutes).
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    #: Service-level threshold in seconds (the y of SL x/y) when a queue sets none.
    sl_threshold_s: int = 20
    #: Window for the repeat-caller warning on the desk, in days.
    repeat_window_days: int = 7
    #: Routing suggestions below this confidence (0–1) are shown as "not sure" (bench/routing.py).
    routing_min_confidence: float = Field(default=0.25, ge=0, le=1)
    #: Set the Secure flag on cookies (enable behind HTTPS).
    secure_cookies: bool = False
    #: KMA API Hub key (apihub.kma.go.kr ``authKey``) and data.go.kr service key; never logged.
    kma_api_key: str = ""
    #: KMA API Hub ``typ01/url`` base (``kma_sfctm3.php``, ``wrn_now_data.php`` are appended).
    kma_api_hub_url: str = "https://apihub.kma.go.kr/api/typ01/url"
    #: data.go.kr ASOS hourly service (``getWthrDataList``).
    kma_data_go_kr_url: str = "https://apis.data.go.kr/1360000/AsosHourlyInfoService/getWthrDataList"
    #: The city's ASOS station numbers, comma-separated (108 서울, 112 인천, 119 수원).
    city_stations: str = "108,112,119"
    #: Timeout of each KMA request, seconds.
    kma_timeout_s: float = 10.0
    #: Notice providers by name: ``recording`` (stores messages in the database; demo default),
    #: ``smtp``, ``http_sms``, or one registered under the ``minwon.notice_providers`` entry point.
    sms_provider: str = "recording"
    email_provider: str = "recording"
    #: Delivery attempts before a notice is FAILED; backoff base and cap (seconds, doubled per attempt,
    #: jittered); a claimed notice's lease (seconds) after which a crashed send is retried; send timeout.
    notice_max_attempts: int = Field(default=5, ge=1, le=50)
    notice_backoff_base_s: float = Field(default=60.0, gt=0)
    notice_backoff_max_s: float = Field(default=3600.0, gt=0)
    notice_lease_s: float = Field(default=300.0, gt=0)
    notice_send_timeout_s: float = Field(default=10.0, gt=0)
    #: SMTP provider: server, STARTTLS or implicit TLS, optional login, sender, extra CA file (PEM).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "minwon@localhost"
    smtp_ca_file: str = ""
    #: HTTP SMS gateway: JSON POST URL, bearer API key (never logged), registered sender number
    #: (발신번호 사전등록, 전기통신사업법 §84-2).
    sms_gateway_url: str = ""
    sms_gateway_api_key: str = ""
    sms_sender: str = ""
    #: Roles that may run administrative-information lookups (comma-separated); add
    #: ``department_officer`` only where officers need them.
    linkage_roles: str = "counselor,supervisor"
    #: Contact evaluations: pass mark in points 0–100, and contacts sampled per counselor per month.
    qa_pass_score: float = Field(default=80.0, ge=0, le=100)
    qa_per_agent: int = Field(default=4, ge=1, le=100)
    #: The center's name in citizen SMS (e.g. the virtual-account notice).
    center_name: str = "한빛시 민원콜센터"
    #: The address citizens use to reach minwon (links in SMS, e.g. the status page); unset →
    #: ``http://MINWON_HOST:MINWON_PORT``, or ``http://H:P`` under ``minwon serve --host H --port P``
    #: (which sets it for itself and its children; right for the demo only: set it in production).
    public_url: str | None = None

    @property
    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    #: Start the reference back office (``minwon backoffice serve``) as a child of ``minwon serve``.
    #: Unset → on in ``development`` (the demo), off in ``test`` and ``production``.
    backoffice_autostart: bool | None = None
    backoffice_host: str = "127.0.0.1"
    backoffice_port: int = 8090
    backoffice_api_key: str = DEV_BACKOFFICE_API_KEY
    #: The back office's OWN database (synthetic records; never minwon's database).
    backoffice_database_url: str = Field(default_factory=_default_backoffice_database_url)
    #: Generated residents and the generator's seed.
    backoffice_residents: int = 20_000
    backoffice_seed: int = 2026

    #: Run ``minwon scheduler run`` as a child of ``minwon serve`` (default: only in development).
    scheduler_autostart: bool | None = None

    def _autostart(self, explicit: bool | None) -> bool:
        """An explicit setting wins; otherwise child processes start only in development."""
        return explicit if explicit is not None else self.environment == "development"

    @property
    def scheduler_autostart_enabled(self) -> bool:
        return self._autostart(self.scheduler_autostart)

    @property
    def backoffice_autostart_enabled(self) -> bool:
        return self._autostart(self.backoffice_autostart)

    #: Knowledge base: folder of article attachments, the largest attachment (bytes), and the months
    #: from approval to an approved version's periodic review (ISO 9001 §7.5.2 c).
    kb_files_dir: Path = Field(default_factory=_default_kb_files_dir)
    kb_attachment_max_bytes: int = 10 * 1024 * 1024
    kb_review_months: int = Field(default=12, ge=1, le=120)
    #: Longest time (seconds) a process searches its in-memory index before checking for new content.
    search_refresh_s: float = Field(default=2.0, ge=0)

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEV_SECRET_KEY:
                raise ValueError("MINWON_SECRET_KEY is left at its development default; set a random value")
            if self.data_keys == DEV_DATA_KEY:
                raise ValueError("MINWON_DATA_KEYS is left at its development default; generate a key")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests call ``get_settings.cache_clear()``)."""
    return Settings()
