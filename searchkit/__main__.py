"""``python -m searchkit``: the command line (see :mod:`searchkit.cli`)."""

import sys

from searchkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
