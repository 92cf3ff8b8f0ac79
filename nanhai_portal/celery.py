"""The Celery app. Configuration comes from Django settings (``CELERY_*``)."""

import logging
import os
from typing import Any

from celery import Celery, bootsteps
from celery.signals import after_setup_logger, after_setup_task_logger, import_modules, worker_init

from nanhai_portal.pii.logs import ScrubPIIFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")

logger = logging.getLogger(__name__)

app = Celery("nanhai_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@import_modules.connect(sender=app)
def add_the_apps_periodic_tasks(**kwargs: Any) -> None:
    """Beat's schedule: the kernel's (settings) and what each installed app declares.

    A worker and beat send ``import_modules`` after Celery's Django fix-up (connected when
    the app was made, so it runs first) has set Django up, and before beat reads its schedule.
    """
    from nanhai_portal.periodic import periodic_tasks

    app.conf.beat_schedule = {**app.conf.beat_schedule, **periodic_tasks()}


@after_setup_logger.connect
@after_setup_task_logger.connect
def scrub_personal_data_in_worker_logs(logger: logging.Logger, **kwargs: Any) -> None:
    """Worker and beat replace the root logger's handlers (and give the task logger its own):
    put the personal-data filter on each, as the settings' LOGGING does for the web."""
    for handler in logger.handlers:
        if not any(isinstance(existing, ScrubPIIFilter) for existing in handler.filters):
            handler.addFilter(ScrubPIIFilter())


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Every few seconds, on the worker's own timer, tell ``/healthz`` that this worker lives.

    On the worker's event loop rather than a thread of its own, so that a worker whose loop
    is stuck stops reporting. A Redis that does not answer costs a log line, not the worker.
    """

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_ref: Any = None

    def beat(self, hostname: str) -> None:
        from nanhai_portal.health import worker_heartbeat

        try:
            worker_heartbeat(hostname)
        except Exception as error:  # noqa: BLE001 - health reporting must never stop the worker
            logger.warning("worker heartbeat not written: %s", type(error).__name__)

    def start(self, worker: Any) -> None:
        from nanhai_portal.health import HEARTBEAT_SECONDS

        self.beat(worker.hostname)
        self.timer_ref = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, self.beat, (worker.hostname,), priority=10)

    def stop(self, worker: Any) -> None:
        from nanhai_portal.health import worker_gone

        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None
        try:
            worker_gone(worker.hostname)
        except Exception:  # noqa: BLE001, S110 - its heartbeat runs out on its own
            pass


app.steps["worker"].add(WorkerHeartbeat)


@worker_init.connect
def refuse_unsafe_database_roles(**kwargs: Any) -> None:
    """Production workers refuse to start as a database role that could switch row-level security off."""
    from nanhai_portal.checks import refuse_unsafe_database_roles as refuse

    refuse()
