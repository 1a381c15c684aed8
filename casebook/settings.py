"""Casebook settings: every value comes from the environment (django-environ).

With nothing configured the defaults are for trying the app out on one machine:
DEBUG on, SQLite under var/, Celery on a local file broker, email to the console.
With DEBUG off, the production secrets have no default and a missing one stops start-up.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CASEBOOK_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# SQLite, the local broker and beat's schedule live here when nothing else is configured.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
    CASEBOOK_BASE_URL = env.str("CASEBOOK_BASE_URL", default="http://127.0.0.1:8000")
else:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    CASEBOOK_BASE_URL = env.str("CASEBOOK_BASE_URL")

# When set, tests that need PostgreSQL, Redis or Chromium fail instead of skipping (CI).
CASEBOOK_REQUIRE_SERVICES = env.bool("CASEBOOK_REQUIRE_SERVICES", default=False)

INSTALLED_APPS = [
    # First, as Channels asks: its runserver serves the chat's websockets in development.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's own form and widget templates, found by FORM_RENDERER's TemplatesSetting.
    "django.forms",
    "django_htmx",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "casebook.health",
    "audit",
    "bench",
    "api",
    "search",
    "clients",
    "interactions",
    "playbooks",
    "escalations",
    "inbox",
    "chat",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.RefuseNulCharacters",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casebook.urls"
WSGI_APPLICATION = "casebook.wsgi.application"
# Websockets (the live chat) and HTTP, served by daphne (the Procfile's `asgi` process).
ASGI_APPLICATION = "casebook.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.unread_notices",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'casebook.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: WAL lets readers and a writer
    # work at once, and IMMEDIATE transactions wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # An in-memory test database cannot be shared with a worker process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses logins for a locked-out username or address before checking the password.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a user's permissions in one query instead of two.
    "accounts.backends.ModelBackend",
]
# Login throttling: after this many failures the username, and separately the address,
# is locked for a while; a successful login resets the count.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
)

# --- Internationalisation ---------------------------------------------------
# Translations live in locale/<code>/LC_MESSAGES/django.po (README, "Translating Casebook").
# LANGUAGES lists the codes offered, the first being the default, e.g. "en,fr,de".
LOCALE_PATHS = [BASE_DIR / "locale"]
_language_codes = env.list("LANGUAGES", default=["en"])
_unknown_languages = [code for code in _language_codes if "name" not in LANG_INFO.get(code, {})]
if not _language_codes or _unknown_languages:
    raise ImproperlyConfigured(f"LANGUAGES: unknown language code(s) {', '.join(_unknown_languages) or '(none given)'}")
LANGUAGES = [(code, LANG_INFO[code]["name"]) for code in _language_codes]
LANGUAGE_CODE = _language_codes[0]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The source strings are English: with English alone there is nothing to translate, and
# Django's documented switch leaves its translation machinery out (every {% translate %}
# and choice label otherwise looks itself up in the catalogues: a fifth of a list page's time).
USE_I18N = _language_codes != ["en"]
USE_TZ = True
if len(LANGUAGES) > 1:
    # Each browser gets the language it asks for (Accept-Language) among LANGUAGES. With one
    # language there is nothing to choose, so the middleware and its cost are left out.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "django.middleware.locale.LocaleMiddleware",
    )

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Files attached to contacts: outside the web root (nothing serves this directory;
    # whitenoise serves STATIC_ROOT only), under random names, and read back only through
    # the download view, which checks team scope (interactions/attachments.py).
    "attachments": {
        "BACKEND": "interactions.attachments.AttachmentStorage",
        "OPTIONS": {"location": env.str("CASEBOOK_ATTACHMENT_ROOT", default=str(VAR_DIR / "attachments"))},
    },
}
# Limits on files attached to one contact, checked on their content (interactions/attachments.py).
CASEBOOK_ATTACHMENT_MAX_MB = env.float("CASEBOOK_ATTACHMENT_MAX_MB", default=10)
CASEBOOK_ATTACHMENT_MAX_COUNT = env.int("CASEBOOK_ATTACHMENT_MAX_COUNT", default=5)
# Mail from clients (inbox app): larger mail is kept as its headers with a note; a poll
# reads at most this many messages (the rest wait for the next one).
CASEBOOK_INBOX_MAX_BYTES = env.int("CASEBOOK_INBOX_MAX_BYTES", default=25 * 1024 * 1024)
CASEBOOK_INBOX_POLL_LIMIT = env.int("CASEBOOK_INBOX_POLL_LIMIT", default=500)
CASEBOOK_INBOX_IMAP_TIMEOUT = env.float("CASEBOOK_INBOX_IMAP_TIMEOUT", default=30)

# Live chat (chat app): the longest message, how many messages one side may send in a
# window of seconds, and how long a client's chat token and an emailed chat link stay valid.
CASEBOOK_CHAT_MAX_CHARS = env.int("CASEBOOK_CHAT_MAX_CHARS", default=2000)
CASEBOOK_CHAT_RATE_MESSAGES = env.int("CASEBOOK_CHAT_RATE_MESSAGES", default=20)
CASEBOOK_CHAT_RATE_SECONDS = env.int("CASEBOOK_CHAT_RATE_SECONDS", default=10)
CASEBOOK_CHAT_TOKEN_MAX_AGE = env.int("CASEBOOK_CHAT_TOKEN_MAX_AGE", default=12 * 3600)
CASEBOOK_CHAT_LINK_MAX_AGE = env.int("CASEBOOK_CHAT_LINK_MAX_AGE", default=30 * 24 * 3600)
# Chats started plus messages left per visitor address per hour (each may open a client and
# a case); an agent counts as available for chat while seen within CASEBOOK_CHAT_AWAY_AFTER_SECONDS.
CASEBOOK_CHAT_STARTS_PER_HOUR = env.int("CASEBOOK_CHAT_STARTS_PER_HOUR", default=10)
CASEBOOK_CHAT_AWAY_AFTER_SECONDS = env.int("CASEBOOK_CHAT_AWAY_AFTER_SECONDS", default=120)

# Forms and fields are drawn in Bootstrap 5 markup by templates/forms/ (core/forms.py).
FORM_RENDERER = "core.forms.BootstrapRenderer"

# --- Email --------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Casebook <casebook@localhost>")
# Seconds an SMTP connection may block; well under the task time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Redis, cache and Celery --------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# The chat's channel layer carries each message to the other side's ASGI process. In memory
# it only reaches consumers of the same process: enough for `make run`, never for production.
if REDIS_URL:
    # Found by bench/chat_load.py: every open socket may hold a Redis connection at once (a
    # group_send, a group_add), and redis-py's pool stops at 100 by default, failing the next
    # socket; and redis-py's 5 s read timeout equals channels_redis's 5 s blocking pop, so a
    # busy process could time out an idle socket's wait and drop it (1011): give it room.
    _channel_redis = {
        "address": REDIS_URL,
        "max_connections": env.int("CASEBOOK_CHANNEL_REDIS_CONNECTIONS", default=2000),
        "socket_timeout": 15,
    }
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [_channel_redis]}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# With Redis, sessions are read from the cache and written through to the database: a page
# costs no session query, and a lost cache logs nobody out. Without it the cache is each
# process's own memory, where a logout in one process would not reach the others.
# Drawn rows (core/rows.py): content-addressed, so each process's own memory is enough.
CACHES["rows"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "rows",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
# Tests point a worker and beat at their own queue; production keeps the default.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# How long a poll holds its mailbox: longer than a task may run, so a live poll is never
# joined by a second one; a killed worker's mailbox is read again after it.
CASEBOOK_INBOX_LEASE_SECONDS = env.int("CASEBOOK_INBOX_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The one place where periodic work is declared.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "casebook.health.tasks.heartbeat", "schedule": 30.0},
    "api-idempotency-keys-purge": {"task": "api.tasks.idempotency_keys_purge_task", "schedule": 3600.0},
    # Finds due follow-ups and outgoing emails in the database and hands their ids to workers.
    "follow-ups-sweep": {
        "task": "interactions.tasks.sweep",
        "schedule": env.float("CASEBOOK_SWEEP_SECONDS", default=30.0),
    },
    # Reads every team mailbox with an IMAP server (inbox app).
    "inbox-poll": {
        "task": "inbox.tasks.poll_mailboxes",
        "schedule": env.float("CASEBOOK_INBOX_POLL_SECONDS", default=30.0),
    },
    # Automatic escalations (abuse, stalls, overdue cases, missed follow-ups, concessions).
    "escalation-rules": {
        "task": "escalations.tasks.escalation_rules",
        "schedule": env.float("CASEBOOK_ESCALATION_RULES_SECONDS", default=60.0),
    },
}

# --- REST API (casebook/api; endpoints in each app's api.py) ---------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ActionPermissions"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    # Per token (per user for the browser session); counted in the cache (Redis in production).
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_THROTTLE_RATE", default="600/min")},
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "api.filters.AllowListOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.filters.ApiPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    # OPTIONS would describe serializers loosely; the OpenAPI schema is the description.
    "DEFAULT_METADATA_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casebook API",
    "DESCRIPTION": (
        "Log contacts from phone systems, chat tools and scripts, read and work your teams' clients, cases "
        "and follow-ups, and see where each case stands in its playbook. Authenticate with a personal token "
        "(`Authorization: Bearer <token>`) from your profile page. "
        "You see what you see in the app: another team's records answer 404. Errors are JSON that names each "
        "field and what is wrong with it. Creates accept an `Idempotency-Key` header so a retry does not "
        "create twice. Each token has a request budget; past it the answer is 429 with `Retry-After`. "
        "Interactions are append-only: log a correction instead of editing."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" or "kind": each choice set gets its own readable name.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "clients.models.CaseStatus",
        "FollowUpKindEnum": "interactions.models.FollowUpKind",
        "FollowUpStatusEnum": "interactions.models.FollowUpStatus",
        "StepKindEnum": "playbooks.models.StepKind",
        "StepProgressStatusEnum": "playbooks.api.STEP_STATUSES",
        "ConcessionKindEnum": "playbooks.models.ConcessionKind",
        "ConcessionStatusEnum": "playbooks.models.ConcessionStatus",
    },
}
# How long a create's Idempotency-Key is remembered.
CASEBOOK_API_IDEMPOTENCY_TTL = timedelta(hours=env.int("API_IDEMPOTENCY_TTL_HOURS", default=24))

# --- Follow-ups and outgoing email ---------------------------------------------
# Durations in minutes unless named otherwise.
CASEBOOK_REMINDER_LEAD_MINUTES = env.float("CASEBOOK_REMINDER_LEAD_MINUTES", default=30)
CASEBOOK_OVERDUE_GRACE_MINUTES = env.float("CASEBOOK_OVERDUE_GRACE_MINUTES", default=60)
# After the overdue warning, how long until the follow-up counts as missed.
CASEBOOK_MISSED_AFTER_MINUTES = env.float("CASEBOOK_MISSED_AFTER_MINUTES", default=24 * 60)
CASEBOOK_SATISFACTION_DELAY_DAYS = env.float("CASEBOOK_SATISFACTION_DELAY_DAYS", default=3)
CASEBOOK_RATING_LINK_DAYS = env.float("CASEBOOK_RATING_LINK_DAYS", default=30)
# The promises-kept rate (case list, My day): follow-ups that came due in this many days;
# the teams' figure is kept this many seconds, the user's own this many (or until they
# complete, move or cancel one of their follow-ups).
CASEBOOK_PROMISES_WINDOW_DAYS = env.int("CASEBOOK_PROMISES_WINDOW_DAYS", default=90)
CASEBOOK_PROMISES_TEAM_CACHE_SECONDS = env.int("CASEBOOK_PROMISES_TEAM_CACHE_SECONDS", default=300)
CASEBOOK_PROMISES_MINE_CACHE_SECONDS = env.int("CASEBOOK_PROMISES_MINE_CACHE_SECONDS", default=60)
# The dashboard's figures take ~0.2 s on 100,000 cases; they are kept this long (0: not kept),
# its counts of open, escalated and overdue cases at most a minute (desk.reports.LIVE_FIGURES_SECONDS).
CASEBOOK_DASHBOARD_CACHE_SECONDS = env.int("CASEBOOK_DASHBOARD_CACHE_SECONDS", default=300)
# A search running longer than this is stopped and the user asked for more precise words.
CASEBOOK_SEARCH_TIMEOUT_MS = env.int("CASEBOOK_SEARCH_TIMEOUT_MS", default=3000)
# Outbox: a task claims a row for this long; it must outlive the task's hard time limit,
# or a slow but alive worker could see its row claimed by another.
CASEBOOK_OUTBOX_LEASE_SECONDS = env.float("CASEBOOK_OUTBOX_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
if CASEBOOK_OUTBOX_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CASEBOOK_OUTBOX_LEASE_SECONDS must be longer than CELERY_TASK_TIME_LIMIT")
# A row handed to the broker but not claimed within this time is handed again (lost task).
CASEBOOK_OUTBOX_REQUEUE_SECONDS = env.float("CASEBOOK_OUTBOX_REQUEUE_SECONDS", default=300)
CASEBOOK_OUTBOX_MAX_ATTEMPTS = env.int("CASEBOOK_OUTBOX_MAX_ATTEMPTS", default=6)
CASEBOOK_OUTBOX_RETRY_BASE_SECONDS = env.float("CASEBOOK_OUTBOX_RETRY_BASE_SECONDS", default=60)
CASEBOOK_OUTBOX_BATCH = env.int("CASEBOOK_OUTBOX_BATCH", default=200)

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere: every script and stylesheet is a file under static/.
# data: images are Bootstrap's inline SVG icons (select arrows, close buttons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"expected_answers": {"()": "core.logging.ExpectedAnswersWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["expected_answers"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

CASEBOOK_PAGE_SIZE = 25
# The case page shows this many of the newest timeline entries; the next as many load when asked.
CASEBOOK_TIMELINE_LIMIT = env.int("CASEBOOK_TIMELINE_LIMIT", default=20)
# Serves /bench/floor, a do-nothing page that `make bench` measures as its floor. Never in production.
CASEBOOK_BENCH_FLOOR = env.bool("CASEBOOK_BENCH_FLOOR", default=False)
