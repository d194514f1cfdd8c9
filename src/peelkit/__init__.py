"""peelkit: a PEEL-style police effectiveness inspection, from official statistics to published reports."""

__version__ = "0.1.0"
