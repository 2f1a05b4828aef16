#!/usr/bin/env python3
"""The Docker action's entry point: the runner starts the container with this file."""

import sys

from alia_action.action import main

if __name__ == "__main__":
    sys.exit(main())
