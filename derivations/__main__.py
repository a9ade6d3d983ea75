"""``python -m derivations``: the command line (see :mod:`derivations.cli`)."""
import sys

from derivations.cli import main

sys.exit(main())
