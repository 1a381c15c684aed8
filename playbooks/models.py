# Playbooks, their steps and a case's progress through them arrive with the playbook work.
