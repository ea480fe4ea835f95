"""``python -m searchkit``: the command line (see :mod:`searchkit.ui.cli`)."""

import sys

from searchkit.ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
