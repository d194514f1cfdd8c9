"""Exceptions for misuse and configuration. Data problems are Findings, not exceptions."""

from __future__ import annotations


class PeelError(Exception):
    """Base class: the CLI prints the message and exits with `exit_code`."""

    exit_code = 1


class ConfigError(PeelError):
    exit_code = 2


class OfflineError(PeelError):
    exit_code = 3


class RecordRuleError(PeelError):
    """The inspection record's rules refuse this change: a published record changed without a correction, or a
    publication released while its gate is not clear and no override reason is given."""

    exit_code = 8
