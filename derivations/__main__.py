"""``python -m derivations``: the command line (see :mod:`derivations.cli`)."""
import sys

from derivations.cli import main

if __name__ == "__main__":
    sys.exit(main())
