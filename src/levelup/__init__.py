"""levelup: a reproducible statistical progress report on the UK Levelling Up missions."""

__version__ = "0.1.0"
