"""« Localiser l'adresse » on the site form and the Dépôt page: the server geocodes the typed
address from the geocoder's cache (offline) or Nominatim (online). These tests never reach the
internet: sockets are blocked, and a miss must fail within seconds with the French message."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from field_app.catalogue import GEOCODE_FAILED
from routing import geocoding, streets

from .test_catalogue import coord, site_rows  # noqa: F401

URL = "/coord/api/adresse"
CACHED = {
    "12 rue de la Gare, Chambéry": [45.5712, 5.9196],
    "3 place de la Mairie, Bassens": [45.5863, 5.9403],
}


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network at all (any connection attempt fails at once) and a geocoder cache seeded the
    way `routing.geocoding` writes it: ``{query: [lat, lon]}`` in ``$DYNAMOBILE_CACHE``."""

    def refuse(*args, **kwargs):
        raise OSError("réseau coupé par le test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    ox = pytest.importorskip("osmnx")
    monkeypatch.setattr(ox.settings, "use_cache", False)  # nor osmnx's own HTTP cache
    monkeypatch.setenv("DYNAMOBILE_CACHE", str(tmp_path / "cache"))
    cache = tmp_path / "cache" / "geocode.json"
    cache.parent.mkdir()
    cache.write_text(json.dumps(CACHED, ensure_ascii=False, indent=1))
    return cache


@pytest.fixture
def api(coord, auth, app):
    app.config["GEOCODE_TIMEOUT_S"] = 3
    headers = {"X-CSRFToken": auth.api_token()}
    return lambda body: coord.post(URL, json=body, headers=headers)


def test_a_cached_address_is_placed_offline(offline, api, db):
    answer = api({"address": "  12 rue de la Gare ", "commune": ""})
    assert answer.status_code == 200
    assert answer.get_json() == {"ok": True, "lat": 45.5712, "lon": 5.9196}
    # The address naming the city is the same query; the commune typed is the hint.
    assert api({"address": "12 rue de la Gare, Chambéry"}).get_json()["lat"] == 45.5712
    answer = api({"address": "3 place de la Mairie", "commune": "Bassens"})
    assert answer.get_json() == {"ok": True, "lat": 45.5863, "lon": 5.9403}
    assert site_rows(db) == []  # nothing is saved: the page fills its fields


def test_an_unknown_address_offline_fails_fast_and_changes_nothing(offline, api, db):
    before = offline.read_text()
    started = time.monotonic()
    answer = api({"address": "99 impasse des Nulle-Part", "commune": ""})
    assert time.monotonic() - started < 5
    assert answer.status_code == 422
    assert answer.get_json() == {"ok": False, "error": GEOCODE_FAILED}
    assert GEOCODE_FAILED == (
        "Adresse introuvable ou pas de connexion : placez le lieu sur la carte ou tapez ses "
        "coordonnées"
    )
    assert offline.read_text() == before and site_rows(db) == []
    answer = api({"address": "   "})
    assert answer.status_code == 422 and answer.get_json()["error"] == "tapez d'abord une adresse"
    assert api({"address": 12}).status_code == 400
    assert api({"address": "x" * 301}).status_code == 422


def test_the_endpoint_is_for_coordinators_with_csrf(client, auth, offline):
    auth.login("alice")
    csrf = auth.api_token()
    response = client.post(
        URL, json={"address": "12 rue de la Gare"}, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 403
    auth.login("coord")
    assert client.post(URL, json={"address": "12 rue de la Gare"}).status_code == 400  # no token


def test_a_slow_geocoder_is_not_waited_for_and_its_late_answer_is_kept(offline, monkeypatch):
    release = threading.Event()

    def slow(query: str) -> tuple[float, float]:
        release.wait(5)
        return (45.57, 5.91)

    monkeypatch.setattr(streets, "geocode", slow)
    started = time.monotonic()
    with pytest.raises(geocoding.StreetDataError, match="pas de réponse en 0.2 s"):
        geocoding.geocode_address("1 rue Lente", city_hint="Chambéry", timeout_s=0.2)
    assert time.monotonic() - started < 2
    release.set()
    deadline = time.monotonic() + 5
    while "1 rue Lente, Chambéry" not in json.loads(offline.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert geocoding.geocode_address("1 rue Lente", city_hint="chambéry") == (45.57, 5.91)
    assert json.loads(offline.read_text())["12 rue de la Gare, Chambéry"] == [45.5712, 5.9196]


@pytest.mark.parametrize(
    ("path", "field"), [("/coord/lieux/nouveau", "f-address"), ("/coord/depot", "f-depot_address")]
)
def test_the_forms_have_the_button_and_a_live_region(coord, path, field):
    html = coord.get(path).get_data(as_text=True)
    assert f'data-address="{field}"' in html
    assert 'type="button" aria-describedby="adresse-lecture">Localiser l&#39;adresse' in html or (
        'type="button" aria-describedby="adresse-lecture">Localiser l\'adresse' in html
    )
    assert 'id="adresse-lecture" role="status" aria-live="polite"' in html
