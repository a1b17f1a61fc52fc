"""The agent's page is installable (manifest icons) and answers are compressed."""

import gzip
import io

from PIL import Image

from field_app.web import asset_url


def test_manifest_icons_load(app, client, auth):
    manifest = client.get("/agent/manifest.webmanifest")
    assert manifest.status_code == 200
    icons = manifest.get_json()["icons"]
    assert {icon["sizes"] for icon in icons} == {"192x192", "512x512"}
    for icon in icons:
        response = client.get(icon["src"])
        assert response.status_code == 200
        assert response.mimetype == icon["type"] == "image/png"
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert Image.open(io.BytesIO(response.get_data())).size == (width, height)


def test_text_answers_are_gzipped_and_keep_their_headers(app, client, auth):
    auth.login("alice")
    plain = client.get("/agent/")
    zipped = client.get("/agent/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(zipped.get_data()) < len(plain.get_data()) / 3
    assert zipped.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    # Brotli when the browser offers it.
    assert (
        client.get("/agent/", headers={"Accept-Encoding": "gzip, br"}).headers["Content-Encoding"]
        == "br"
    )
    # Static files: compressed as they stream; the ETag names the encoding and still gives a 304.
    with app.test_request_context():
        url = asset_url("agent.js")
    js = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and js.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(js.get_data()).startswith(b"// Dynamobile field app")
    etag = js.headers["ETag"]
    assert etag.endswith(':gzip"')
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    # Small answers are left alone (not worth it under 1 KB).
    session = client.get("/api/session", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in session.headers
