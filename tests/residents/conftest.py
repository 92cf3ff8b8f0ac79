# The jobs tests' fixtures, for the residents import: a private media directory, run_job.
from tests.jobs.conftest import media, run_job  # noqa: F401
