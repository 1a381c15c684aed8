from playbooks.tests.conftest import default_playbooks  # noqa: F401  (the rules read the built-in playbooks)
