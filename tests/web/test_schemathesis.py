"""The API agrees with its OpenAPI description (schemathesis: status codes, content types, headers and response
bodies against the declared models) for generated requests, with the publication published so the success
responses are exercised too; the description's examples make schemathesis try real ids first.

`@schema.parametrize()` needs the schema when the module is collected, so the app is made here on a folder the
module fixture fills (a copy of the web tests' world) before any request is sent; loading the description
touches no data.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from peelkit.ledger import db
from peelkit.ledger.publication_state import set_status
from peelkit.web.app import WebSettings, create_app
from tests.web.conftest import PUBLICATION, SECRET, Clock

HOME = Path(tempfile.mkdtemp(prefix="peel-schemathesis-"))
atexit.register(shutil.rmtree, HOME, True)
URL = f"sqlite:///{HOME / 'ledger.sqlite3'}"
app = create_app(WebSettings(warehouse_path=HOME / "warehouse.duckdb", ledger_url=URL, site_dir=HOME / "site",
                             secret_key=SECRET, clock=Clock()))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def published_world(web_template: Path) -> Iterator[None]:
    for name in ("warehouse.duckdb", "ledger.sqlite3"):
        shutil.copy(web_template / name, HOME / name)
    db._UPGRADED.add(URL)  # copied from a migrated template
    with db.session_scope(URL, actor="test") as session:
        set_status(session, PUBLICATION, "published", None, 0, override="test")
    yield
    db.engine_for(URL).dispose()


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_matches_its_description(case: Any) -> None:
    case.call_and_validate()
