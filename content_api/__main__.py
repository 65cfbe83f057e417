"""python -m content_api -> the content-api command line."""

import sys

from .cli import main

sys.exit(main())
