import pytest

from playbooks.defaults import install_defaults
from playbooks.models import Playbook, PlaybookVersion, Step


@pytest.fixture(autouse=True)
def default_playbooks(db):
    """The built-in playbooks the data migration installs; a transactional test elsewhere
    in the run flushes them, so they are put back when missing."""
    install_defaults(Playbook, PlaybookVersion, Step)
