"""`python -m personlab`: the same front door as the `personlab` command."""

import sys

from personlab.app.cli import main

sys.exit(main())
