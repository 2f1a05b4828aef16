"""command-deploy: deploy Discord application commands safely."""

__version__ = "1.0.0"
