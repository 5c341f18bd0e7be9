#!/usr/bin/env python
"""Django's command-line utility for the eks-platform reference app."""

import os
import sys


def main() -> None:
    """Run a management command; ``checkenv`` runs before the settings are loaded."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] == ["checkenv"]:
        # checkenv reports the very variables without which the settings refuse to load, so it
        # must not load them: run it standalone instead of through Django's command machinery.
        from core.management.commands.checkenv import run_standalone

        sys.exit(run_standalone(sys.argv[2:]))

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
