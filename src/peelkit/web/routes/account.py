"""Signing in and out, and the signed-in user's own page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from peelkit.web.auth import (
    TooManyAttempts,
    check_csrf,
    csrf_protect,
    end_session,
    get_viewer,
    login,
    require,
    safe_next,
    start_session,
)
from peelkit.web.policy import Viewer
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)


def _login_page(request: Request, next_path: str, *, error: str | None = None, name: str = "",
                status_code: int = 200) -> Response:
    return page(request, "account/login.html", {"next": next_path, "error": error, "name": name},
                status_code=status_code)


@router.get("/login")
@router.get("/login.json")
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002 (the query is ?next=)
    return _login_page(request, safe_next(next))


@router.post("/login")
def login_submit(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",  # noqa: A002
) -> Response:
    check_csrf(request, csrf_token)
    target = safe_next(next)
    if not name.strip() or not password:
        return _login_page(request, target, error="Enter your user name and password", name=name,
                           status_code=400)
    try:
        viewer = login(request, name, password)
    except TooManyAttempts:
        return _login_page(request, target, name=name, status_code=429,
                           error="Too many failed sign-in attempts: wait 15 minutes and try again")
    if viewer is None:
        return _login_page(request, target, error="The user name or password is not right", name=name,
                           status_code=401)
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, viewer)
    return response


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    end_session(request, response)
    return response


@router.get("/account")
@router.get("/account.json")
def account(request: Request, viewer: Annotated[Viewer, Depends(require())]) -> Response:
    return page(request, "account/account.html", {"user": viewer.to_dict()})


__all__ = ["get_viewer", "router"]
