"""The name of the local Discord's state file, alone: every CLI run looks for it (does a local Discord exist
here?) and must not load the emulator or its state schema (pydantic) to do so; detect's start-up (issue 21)."""

STATE_FILE = ".discord-emulator.json"
