"""Settings for gongzhi, read from environment variables only.

Every knob an operator may turn is an environment variable with a typed helper; secrets may also
come from a file (``GONGZHI_SECRET_KEY_FILE``), as container platforms mount them. Without
``DATABASE_URL`` the embedded SQLite database under ``var/`` is used.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("GONGZHI_DEBUG", False)
TESTING = env_bool("GONGZHI_TESTING", False)

VAR_DIR = Path(env("GONGZHI_VAR_DIR") or BASE_DIR / "var")

# The key: GONGZHI_SECRET_KEY (or _FILE); in a checkout where `make run` made var/secret_key, that file, so the
# operator's commands (`gongzhi audit verify` …) work there without exporting anything.
_LOCAL_KEY = VAR_DIR / "secret_key"
SECRET_KEY = env("GONGZHI_SECRET_KEY") or (
    _LOCAL_KEY.read_text(encoding="utf-8").strip() if _LOCAL_KEY.is_file() else ""
)
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Only for a developer's machine: a fixed key is harmless where nothing is deployed.
        SECRET_KEY = "gongzhi-insecure-development-key-do-not-deploy"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            f"GONGZHI_SECRET_KEY is not set. Set it (or GONGZHI_SECRET_KEY_FILE) to a long random value, "
            f"put one in {_LOCAL_KEY}, or set GONGZHI_DEBUG=1 on a development machine."
        )

ALLOWED_HOSTS = env_list("GONGZHI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("GONGZHI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",
    "gongzhi.core",
    "gongzhi.areas",
    "gongzhi.accounts",
    "gongzhi.audit",
    "gongzhi.orgs",
    "gongzhi.workdays",
    "gongzhi.notify",
    "gongzhi.orders",
    "gongzhi.people",
    "gongzhi.grid",
    "gongzhi.insights",
    "gongzhi.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "gongzhi.core.middleware.PrivateNoStoreMiddleware",
    "gongzhi.core.middleware.RequestContextMiddleware",
    "gongzhi.core.middleware.ElderModeMiddleware",
    "gongzhi.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gongzhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.context_processors.shell",
            ],
        },
    }
]

SQLITE_PATH = VAR_DIR / "gongzhi.sqlite3"

DATABASE_URL = env("DATABASE_URL") or ""
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("GONGZHI_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # IMMEDIATE transactions take the write lock up front, so two writers queue instead
                # of failing with "database is locked" half-way through; WAL lets readers go on.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": env("GONGZHI_SQLITE_TEST_NAME") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workspace"
LOGOUT_REDIRECT_URL = "core:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "gongzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Tests make many short-lived handlers; scanning the static files for each one costs ~0.1 s.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "gongzhi" / "static"]
STATIC_ROOT = Path(env("GONGZHI_STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("GONGZHI_MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Security: cookies are Secure unless the operator serves plain HTTP on a closed network and says so.
SECURE_COOKIES = env_bool("GONGZHI_SECURE_COOKIES", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("GONGZHI_SESSION_AGE", 12 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy, the second layer behind output escaping: scripts only from our own static files (no
# inline script, no event-handler attributes, no eval), nothing framed, forms post only to us. Inline styles stay
# allowed: htmx adds its indicator style, and ECharts and the API docs set styles; a style cannot run code.
# Images may be data:/blob: URLs (charts saved as pictures, thumbnails previewed before upload).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("GONGZHI_BEHIND_PROXY") else None
SECURE_SSL_REDIRECT = env_bool("GONGZHI_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("GONGZHI_HSTS_SECONDS", 0)

# Login throttling: failures counted per account and per client address in a sliding window.
LOGIN_WINDOW_SECONDS = env_int("GONGZHI_LOGIN_WINDOW_SECONDS", 15 * 60)
# Per account and address (the attacker's own pair), per account from anywhere and per address across accounts;
# the last two do not apply to a device the owner signed in from before (docs/decisions.md, "Login throttling").
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("GONGZHI_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE = env_int("GONGZHI_LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE", 30)
LOGIN_MAX_FAILURES_PER_IP = env_int("GONGZHI_LOGIN_MAX_FAILURES_PER_IP", 100)
LOGIN_DEVICE_DAYS = env_int("GONGZHI_LOGIN_DEVICE_DAYS", 180)
# An API token stops working this many days after it was issued (integrations ask for a new one).
TOKEN_DAYS = env_int("GONGZHI_TOKEN_DAYS", 90)
# Which request header carries the client address when a trusted proxy sits in front.
CLIENT_IP_HEADER = env("GONGZHI_CLIENT_IP_HEADER") or ""

AUDIT_SHARDS = env_int("GONGZHI_AUDIT_SHARDS", 16)

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env_bool("GONGZHI_TASKS_IMMEDIATE")
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

_MAIL_BACKEND = env("GONGZHI_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env("GONGZHI_EMAIL_HOST") or "localhost",
                "port": env_int("GONGZHI_EMAIL_PORT", 25),
                "timeout": env_int("GONGZHI_EMAIL_TIMEOUT", 10),
            }
            if _MAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
# Absolute links in emails and webhooks, e.g. https://gongzhi.example.gov.cn
SITE_URL = (env("GONGZHI_SITE_URL") or "").rstrip("/")
DEFAULT_FROM_EMAIL = env("GONGZHI_FROM_EMAIL") or "gongzhi@localhost"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("GONGZHI_LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Orders: completed orders nobody confirms are closed automatically after this many days.
ORDER_AUTO_CLOSE_DAYS = env_int("GONGZHI_ORDER_AUTO_CLOSE_DAYS", 7)
# One reminder (催办) per order within this many hours; each one notifies the organization or department.
ORDER_REMIND_COOLDOWN_HOURS = env_int("GONGZHI_ORDER_REMIND_COOLDOWN_HOURS", 24)
