"""``python -m app`` is the ``broadsheet`` command."""

import sys

from app.cli import main

sys.exit(main())
