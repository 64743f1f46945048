#!/usr/bin/env python
"""Django's command-line utility for Allot."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # The project package lives in platform/allot and is imported as `allot` (platform/ is not a package).
    sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allot.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
