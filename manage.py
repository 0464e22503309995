#!/usr/bin/env python
import sys

from config.environment import django_environment_prepare


def main() -> None:
    django_environment_prepare()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
