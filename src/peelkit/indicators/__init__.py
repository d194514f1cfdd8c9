"""Indicators: declarative definitions (catalogue), publications as data files, and the engine."""
