import pytest
import tests.web.test_embargo_matrix as m
from peelkit.web import data, policy
from peelkit.web.routes import public

def test_mutant_visible_codes(app, web_settings, new_client, login, set_state, clock, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "visible_codes", lambda v, s, n: data.ALL_FORCES)
    with pytest.raises(AssertionError) as e:
        m.test_no_role_sees_what_the_embargo_hides("draft", app, web_settings, new_client, login, set_state, clock, tmp_path)
    print("MUT1", str(e.value)[:1500])

def test_mutant_can_view(app, web_settings, new_client, login, set_state, clock, tmp_path, monkeypatch):
    monkeypatch.setattr(public, "can_view_force", lambda v, s, f, n: v.role != "public")
    with pytest.raises(AssertionError) as e:
        m.test_no_role_sees_what_the_embargo_hides("embargoed-before-release", app, web_settings, new_client, login, set_state, clock, tmp_path)
    print("MUT2", str(e.value)[:1500])
