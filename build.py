#!/usr/bin/env python3
"""Run Khabar from a checkout: `python build.py COMMAND [options]` (same as `khabar`)."""

import sys

from khabar.cli import main

if __name__ == "__main__":
    sys.exit(main())
