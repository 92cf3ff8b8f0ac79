"""Personal data (个人信息): ID numbers and mobile numbers.

- ``validators``: GB 11643 ID numbers and mainland mobile numbers, checked and normalised.
- ``identity``: what an ID number says (region, birth date, sex, age): ``id_facts``, the
  only reader of its positions.
- ``masking``: what a screen, a log line or an error report shows (``44**************3X``).
- ``crypto``: AES encryption at rest (MultiFernet, rotating keys) and the keyed HMAC blind
  index used for exact lookup and uniqueness.
- ``fields``: model fields that store only ciphertext and the blind index.
"""

from nanhai_portal.pii.identity import IdFacts, id_facts
from nanhai_portal.pii.masking import mask_id_number, mask_mobile, scrub
from nanhai_portal.pii.validators import (
    is_valid_id_number,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

__all__ = [
    "IdFacts",
    "id_facts",
    "is_valid_id_number",
    "mask_id_number",
    "mask_mobile",
    "normalize_id_number",
    "normalize_mobile",
    "scrub",
    "validate_id_number",
    "validate_mobile",
]
