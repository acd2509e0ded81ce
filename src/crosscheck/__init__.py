"""Crosscheck: compare what governments claim with what independent monitors report."""

__version__ = "0.1.0"
