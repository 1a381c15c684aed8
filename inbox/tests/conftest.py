import pytest

from inbox.tests.dovecot import dovecot_server


@pytest.fixture
def dovecot():
    """A real Dovecot of this test's own (see inbox/tests/dovecot.py), stopped after it."""
    with dovecot_server() as server:
        yield server
