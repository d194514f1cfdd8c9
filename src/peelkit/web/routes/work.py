"""The work side of the web app (analysts, inspectors, force users): data status, data queries, ledger editing
and publication control. Each concern has its own module; this one gathers their routes for the app.

URLs (each page also answers as JSON at the same path + `.json`):
  /status, POST /status/signoff, /checks, POST /checks/run, /imports
  /queries, /queries/new (+ POST), /queries/{id}, POST /queries/{id}/answer|close|reopen
  /ledger/{pub}/forces/{slug}, .../judgments/{question}, .../areas, .../areas/{id}/status,
  .../areas/{id}/recommendations,
  .../narrative/{section}, .../file-review, .../file-review/{sample} (each form page GET + POST)
  /publications/{pub}/control, POST .../control/embargo|publish|draft
  /returns, /returns/template.xlsx, POST /returns/upload
  /accuracy/{pub}, POST .../window, /accuracy/{pub}/forces/{slug}, POST .../comments, .../comments/{id}/answer
  .../judgments/{question}/moderate (POST), /ledger/{pub}/moderation
  /publications/{pub}/control, POST .../control/embargo|publish|draft|site
"""

from __future__ import annotations

from fastapi import APIRouter

from peelkit.web.routes import (
    work_accuracy,
    work_areas,
    work_checks,
    work_control,
    work_ledger,
    work_moderation,
    work_narrative,
    work_queries,
    work_recommendations,
    work_returns,
    work_review,
    work_site,
    work_status,
)

router = APIRouter(include_in_schema=False)
for module in (work_status, work_queries, work_ledger, work_areas, work_recommendations, work_narrative, work_review,
               work_control, work_returns, work_accuracy, work_moderation, work_checks,
               work_site):
    router.include_router(module.router)
