"""The WSGI entry point gunicorn loads."""

import gc
import importlib
import sys


def test_the_objects_loaded_at_start_are_frozen_out_of_the_collectors_way():
    sys.modules.pop("casebook.wsgi", None)
    try:
        wsgi = importlib.import_module("casebook.wsgi")
        assert callable(wsgi.application)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
