"""The `torget` command: Django's manage.py plus Torget's own subcommands.

Subcommands are written with hyphens (`torget import-areas`); Django's command modules use
underscores, so the name is translated before Django sees it.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torget.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "torget"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
