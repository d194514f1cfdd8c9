"""The web app: the public side (published reports, comparisons, the API) and the work side (data status,
queries, ledger entry, publication control) behind sign-in. Built on FastAPI with GOV.UK Frontend."""
