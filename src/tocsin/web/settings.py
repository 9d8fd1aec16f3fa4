"""Django settings for the Tocsin site. Every value from the environment comes through
``tocsin.config`` (the one table of settings: README, "Configuration"); start Django
with ``tocsin.web.setup(home)``, which sets the home these settings read.
"""

from __future__ import annotations

import os

from csp.constants import NONE, SELF

from tocsin import config
from tocsin.web import config as site_config

HOME = config.home()
ENV = config.value("TOCSIN_ENV")
PRODUCTION = ENV == "production"
DEBUG = config.flag("TOCSIN_DEBUG") and not PRODUCTION
SECRET_KEY = site_config.secret_key(HOME, PRODUCTION)
ALLOWED_HOSTS = site_config.allowed_hosts(PRODUCTION)
DATABASES = {"default": site_config.database(HOME)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # First: its templates (base, errors) and its `migrate` (carries older databases
    # forward) are the site's own.
    "tocsin.web.shell",
    "tocsin.web.accounts",
    "tocsin.web.assessments",
    "tocsin.web.audit",
    "tocsin.web.alerts",
    "tocsin.web.countries",
    "tocsin.web.tracker",
    "tocsin.web.api",
    "tocsin.web.monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files are public and cacheable): every page Django answers
    # is "no-store, private" (tocsin.web.shell.middleware).
    "tocsin.web.shell.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface's language from the browser's Accept-Language (English, French).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Administrators and focal points set up two-factor before anything else, where
    # TWO_FACTOR_REQUIRED.
    "tocsin.web.shell.middleware.TwoFactorRequiredMiddleware",
    "tocsin.web.audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tocsin.web.urls"
WSGI_APPLICATION = "tocsin.web.wsgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "tocsin.web.accounts.context.roles",
    ]},
}]

# --- accounts ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Kept only so hashes from another hasher still verify and are upgraded on login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "assessments:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes, tocsin.web.accounts.throttle): a wrong password and a
# wrong two-factor code count alike. 5 failures for one username from one address pause
# logging in as that username from that address; 20 from one address over all usernames
# pause that address; either for an hour, after which it resumes by itself. Nothing
# locks an account for everyone, so an attacker who knows a password and guesses codes
# cannot lock its owner out (django-otp's own throttle, per device and unbounded, is off).
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "tocsin.web.accounts.throttle.LoginThrottle"
AXES_RESET_ON_SUCCESS = True
# A failure while locked out does not extend the pause: it ends an hour after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Tocsin"
OTP_TOTP_THROTTLE_FACTOR = 0
# Administrators and focal points must have a confirmed authenticator, and have used it
# for this session, before they reach anything else (TOCSIN_REQUIRE_TWO_FACTOR; on in
# production by default).
_two_factor = config.value("TOCSIN_REQUIRE_TWO_FACTOR")
TWO_FACTOR_REQUIRED = PRODUCTION if _two_factor is None else _two_factor in config.TRUE

# --- sessions, cookies, transport --------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = 8 * 3600  # a working day; assessors log in again the next
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The CSRF token in its own cookie (HttpOnly: pages and HTMX take it from the page), not
# in the session: a session is then written only on logging in, never for an anonymous
# visit, and an error page needs no session (a request refused before the session
# middleware ran, e.g. for an unknown Host, still gets the site's 400 page).
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_USE_SESSIONS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating reverse proxy, it must set this header (docs/site.md).
    if config.flag("TOCSIN_BEHIND_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content security policy: nothing inline, nothing from elsewhere. Charts are SVG
# drawn on the server with presentation attributes, so no inline style is needed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = str(HOME / "static")
os.makedirs(STATIC_ROOT, exist_ok=True)  # WhiteNoise warns on a missing root
# Uploaded evidence lives under the home, never under STATIC_ROOT, and is only
# served through the permission-checked evidence view (no MEDIA_URL on purpose).
MEDIA_ROOT = str(HOME / "uploads")
MAX_UPLOAD_BYTES = site_config.max_upload_bytes()
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the apps' static folders too, so `tocsin serve` works before
# (or without) collectstatic; `serve` collects anyway.
WHITENOISE_USE_FINDERS = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Django's records go to the console once: not also to the root logger, which waitress
# gives a handler of its own (logging.basicConfig), so every 4xx was printed twice. A 4xx
# is one line without a traceback (tocsin.web.shell.logs); a 5xx keeps its traceback. A
# request for a Host the site does not serve (scanners send many) is one warning line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_plain": {"()": "tocsin.web.shell.logs.ClientErrorsPlain"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["client_errors_plain"]}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
