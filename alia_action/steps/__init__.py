"""The steps the handlers share: load and validate, apply a plan (read, guard, claim, back up, write, verify,
record), one health check, and the health a deploy's own verification shows. ``handlers/`` holds only the
modules that export a handler."""
