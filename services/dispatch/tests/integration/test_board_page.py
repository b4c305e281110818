"""The board page is a data-free shell served with a strict Content-Security-Policy."""

import re

import pytest

pytestmark = pytest.mark.integration


async def test_board_page_loads_its_own_script_and_style_under_a_strict_policy(dispatch):
    async with dispatch() as client:
        page = await client.get("/board/live")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        html = page.text
        assert re.findall(r"<script[^>]*>", html) == [
            '<script src="assets/board-map.js" defer>',
            '<script src="assets/board.js" defer>',
        ]
        assert not re.search(r"<script[^>]*>\s*[^<\s]", html), "inline script"
        assert " style=" not in html and "<style" not in html
        assert "http://" not in html and "https://" not in html, "assets come from dispatch"

        script = await client.get("/board/assets/board.js")
        style = await client.get("/board/assets/board.css")
        assert script.status_code == style.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert style.headers["content-type"].startswith("text/css")
        assert "EventSource" in script.text and "stream-ticket" in script.text
        drawing = await client.get("/board/assets/board-map.js")
        assert drawing.status_code == 200 and "createElementNS" in drawing.text
        for code in (script.text, drawing.text):
            assert "innerHTML" not in code, "data is written as text, never as markup"

        again = await client.get(
            "/board/assets/board.js", headers={"if-none-match": script.headers["etag"]}
        )
        assert again.status_code == 304 and again.content == b""


async def test_only_the_board_assets_are_served(dispatch):
    async with dispatch() as client:
        for name in ("board.html", "nope.js", "..%2Fboard_live.py", "board.json"):
            missing = await client.get(f"/board/assets/{name}")
            assert missing.status_code == 404, name
            assert missing.headers["content-type"].startswith("application/problem+json")


async def test_board_data_needs_a_coordinator_token(dispatch, token_for):
    async with dispatch() as client:
        assert (await client.post("/board/stream-ticket")).status_code == 401
        ops = {"authorization": f"Bearer {token_for('ops')}"}
        assert (await client.post("/board/stream-ticket", headers=ops)).status_code == 403
        admin = {"authorization": f"Bearer {token_for('admin')}"}
        assert (await client.post("/board/stream-ticket", headers=admin)).status_code == 200
