import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")
application = get_wsgi_application()

# Production refuses to serve as a database role that could switch row-level security off.
from nanhai_portal.checks import refuse_unsafe_database_roles  # noqa: E402

refuse_unsafe_database_roles()
