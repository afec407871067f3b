"""``python -m k3py`` runs the command line."""

import sys

from k3py.cli import main

sys.exit(main())
