"""Settings for the Lighthouse run (bench/lighthouse.py): the production settings as they are (DEBUG off,
whitenoise serving the collected, hashed and gzip-compressed static files), on the SQLite file and static folder
that the run makes, plus gzip for the pages themselves, which in production the reverse proxy in front of
gunicorn gives (docs/deployment.md). Nothing else differs."""

from ido.conf.settings import *  # noqa: F403
from ido.conf.settings import MIDDLEWARE

# Right inside whitenoise: whitenoise answers static files itself (already compressed), the pages get gzip.
_whitenoise = MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware")
MIDDLEWARE = [*MIDDLEWARE[: _whitenoise + 1], "django.middleware.gzip.GZipMiddleware", *MIDDLEWARE[_whitenoise + 1 :]]
