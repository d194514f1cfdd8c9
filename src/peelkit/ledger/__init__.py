"""The inspection ledger: judgments, areas for improvement, file reviews and surveys, in a SQL database
(SQLite by default, PostgreSQL when PEEL_DATABASE_URL says so), with an audit row for every change."""
