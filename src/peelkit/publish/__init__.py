"""Publishing: per-force reports (HTML and PDF), figures, national data tables, and the static site."""
