"""Exceptions for misuse and configuration. Data problems are Findings, not exceptions.

Each error kind carries its own `exit_code` (the `peel` command) and `http_status` (the web app), as Datasette
does. Library code and commands simply raise; nothing catches an error only to print it:

- the CLI has one handler, `clitools.PeelGroup.invoke`, wrapping every `peel` command: it prints the message
  (as JSON for `--format json`, when the command declares its format with `clitools.FormatOption` or
  `ShortFormatOption`) and exits with the class's `exit_code`;
- the web app has one handler, `web.app._install_error_handlers`: the GOV.UK error page, or JSON for `/api` and
  `.json` paths, with the class's `http_status`.

So a new error kind is a subclass here (or beside its domain) with both attributes; a new command raises it.
Every exit code is in the README's table, and `tests/test_errors.py` fails if two kinds share a code that the
table does not explain.
"""

from __future__ import annotations


class PeelError(Exception):
    """What was asked cannot be done as things stand (the message says why): exit 1."""

    exit_code = 1
    http_status = 400


class InputError(PeelError):
    """Bad input from the user: a value, an option, a name or a path that is not what was expected.

    Exit 2, the code Click gives a usage error, so every kind of bad input exits the same way."""

    exit_code = 2
    http_status = 400


class NotFoundError(InputError):
    """The user named something (an id, a force, a publication) that does not exist: bad input, exit 2."""

    http_status = 404


class ConfigError(InputError):
    """A setting or path is wrong (exit 2); to the web app it is the server's fault, not the visitor's."""

    http_status = 500


class OfflineError(PeelError):
    """A download needs the internet and there is none: exit 3."""

    exit_code = 3
    http_status = 503


class OutputError(PeelError):
    """An output could not be produced (a publish, a PDF, survey weights); what existed before is as it was."""

    exit_code = 6
    http_status = 500


class RecordRuleError(PeelError):
    """The inspection record's rules refuse this change: a published record changed without a correction, or a
    publication released while its gate is not clear and no override reason is given."""

    exit_code = 8
    http_status = 409
