"""An app that adds itself to the portal the way a domain app does, touching no kernel file.

It is installed only by ``tests/architecture/test_an_app_adds_itself.py``.
"""
