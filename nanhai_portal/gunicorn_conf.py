"""gunicorn's configuration (``gunicorn -c python:nanhai_portal.gunicorn_conf``).

Its error log and its access log, whose lines carry each URL with its query string (where a
mobile number may be), are written through the settings' LOGGING, whose one handler masks
personal data: in the master process too, which never loads Django.
"""

from nanhai_portal.settings import LOGGING

logconfig_dict = LOGGING
