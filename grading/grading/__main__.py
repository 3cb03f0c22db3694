"""``python -m grading``: see :mod:`grading.main`."""

import sys

from .main import main

sys.exit(main())
