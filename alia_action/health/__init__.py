"""Health logic, pure (no I/O): judge one check, read a trend from the history, draw the charts.

The ``health`` handler (``handlers/health.py``) feeds these with what it read from Discord and
``metrics.log``, and turns their answers into outputs, a summary, alerts and an exit code.
"""
