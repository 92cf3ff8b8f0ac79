from celery import shared_task

from nanhai_portal.pii.rotation import rotate_all


@shared_task(name="pii.rotate_keys", acks_late=True)
def rotate_keys(*, batch_size: int = 1000) -> int:
    """Re-encrypt all personal data under the newest key. Safe to run twice: it resumes."""
    return rotate_all(batch_size=batch_size)
