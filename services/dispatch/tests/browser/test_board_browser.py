"""A coordinator watches a call arrive on the live board in Chromium and sends the proposed
clinician with one click; the board changes without a reload."""

import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dispatch.adapters.tables import clinicians

pytestmark = pytest.mark.integration

WAIT_S = 15
ON_TRACK_BG = "rgba(227, 243, 234, 1)"  # --on-track-bg in board.css
ASSIGNED_BG = ON_TRACK_BG  # still on track once assigned, well inside the window
FALLS = ("catheter", "falls", "prescribing")
# A rarer mix, at Much Wenlock where no base or other test stands, so the engine's choice is clear.
CONTINENCE_IV = ("catheter", "iv", "palliative")
WENLOCK = (362_300, 299_800)


def png_facts(data: bytes) -> tuple[int, int, int, int]:
    """Width, height, distinct scanlines and distinct byte values of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
    stride = 1 + width * (3 if colour == 2 else 4)
    raw = zlib.decompress(idat)
    assert len(raw) == stride * height
    rows = {raw[i * stride + 1 : (i + 1) * stride] for i in range(height)}
    return width, height, len(rows), len(set(raw))


async def _add_clinician(
    runtime: Any, cid: str, easting: float, northing: float, skills: tuple[str, ...] = FALLS
) -> None:
    async with runtime.engine.begin() as conn:
        await conn.execute(
            sa.insert(clinicians).values(
                id=cid,
                name="Board Test Clinician",
                skills=list(skills),
                base_name="test",
                base_easting=easting,
                base_northing=northing,
                easting=easting,
                northing=northing,
                status="available",
                shift_start=datetime(2020, 1, 1, tzinfo=UTC),
                shift_end=datetime(2100, 1, 1, tzinfo=UTC),
                leaving_after_job=False,
            )
        )


@pytest.fixture
def roster(live_dispatch) -> Iterator[Callable[..., str]]:
    """Add clinicians only this test uses; they leave the shared roster when it ends."""
    added: list[str] = []

    def add(easting: float, northing: float, skills: tuple[str, ...] = FALLS) -> str:
        cid = f"brd-{uuid.uuid4().hex[:8]}"
        live_dispatch.run(lambda rt: _add_clinician(rt, cid, easting, northing, skills))
        added.append(cid)
        return cid

    yield add

    async def remove(runtime: Any) -> None:
        async with runtime.engine.begin() as conn:
            await conn.execute(sa.delete(clinicians).where(clinicians.c.id.in_(added)))

    live_dispatch.run(remove)


def nhs_number() -> str:
    import random

    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def test_coordinator_sees_a_call_arrive_and_assigns_the_proposal_in_one_click(
    live_dispatch, chromium, token_for, roster, tmp_path: Path
):
    token = token_for("coordinator", subject="coord-board")
    bearer = {"authorization": f"Bearer {token}"}
    cid = roster(349_350, 312_750)  # right next to the patient: the engine's obvious choice
    driver, wait = chromium, WebDriverWait(chromium, WAIT_S)

    driver.get(f"{live_dispatch.url}/board/live")
    assert driver.find_element(By.ID, "login").is_displayed()
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait.until(lambda d: d.find_element(By.ID, "connection").text == "Live")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-version"))
    assert cid in {
        r.get_attribute("data-clinician-id")
        for r in driver.find_elements(By.CSS_SELECTOR, "#clinicians tbody tr")
    }

    with httpx.Client(base_url=live_dispatch.url, headers=bearer, timeout=30) as api:
        created = api.post(
            "/requests",
            json={
                "nhs_number": nhs_number(),
                "postcode": "SY1 1AA",
                "easting": 349_300,
                "northing": 312_700,
                "reason": "Fall at home, long lie",
                "skills_needed": ["falls"],
                "priority": 1,
            },
        )
        assert created.status_code == 201, created.text
        rid = created.json()["id"]
        try:
            row_css = f'#requests tbody tr[data-request-id="{rid}"]'
            row = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, row_css))
            assert "state-on-track" in row.get_attribute("class")
            assert "status-requested" in row.get_attribute("class")
            assert "Fall at home, long lie" in row.text and "central" in row.text
            assert row.find_element(By.CSS_SELECTOR, ".state-label").text.lower() == "on track"
            assert row.value_of_css_property("background-color") == ON_TRACK_BG
            left = row.find_element(By.CSS_SELECTOR, "td.left").text
            assert left.startswith(("119m", "120m")), left
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"{row_css} td.left").text != left)
            marker = driver.find_element(By.CSS_SELECTOR, f'#map circle[data-request-id="{rid}"]')
            assert "state-on-track" in marker.get_attribute("class")

            button = row.find_element(By.CSS_SELECTOR, "button.assign")
            proposed = button.text.removeprefix("Assign ")
            assert proposed, "the proposal names a clinician"
            button.click()

            wait.until(
                lambda d: (
                    "status-assigned"
                    in d.find_element(By.CSS_SELECTOR, row_css).get_attribute("class")
                )
            )
            row = driver.find_element(By.CSS_SELECTOR, row_css)
            assert row.find_element(By.CSS_SELECTOR, "td.clinician").text == proposed
            assert row.value_of_css_property("background-color") == ASSIGNED_BG
            assert not row.find_elements(By.CSS_SELECTOR, "button.assign")
            busy = driver.find_element(
                By.CSS_SELECTOR, f'#clinicians tbody tr[data-clinician-id="{proposed}"]'
            )
            assert "status-assigned" in busy.get_attribute("class")
            assert driver.find_elements(By.CSS_SELECTOR, "#map line.route")
            stored = api.get(f"/requests/{rid}").json()
            assert stored["status"] == "assigned" and stored["clinician_id"] == proposed

            shot = tmp_path / "board.png"
            assert driver.save_screenshot(str(shot))
            width, height, rows, values = png_facts(shot.read_bytes())
            inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
            assert (width, height) == tuple(inner) and width >= 1000 and height >= 600
            assert rows > 100 and values > 50, "the screenshot is blank"

            problems = [
                e["message"]
                for e in driver.get_log("browser")
                if e["level"] == "SEVERE" and "favicon" not in e["message"]
            ]
            assert problems == [], problems  # no CSP violation, no script error
        finally:
            api.post(f"/requests/{rid}/cancel", json={"reason": "browser test over"})


def test_coordinator_moves_a_job_to_the_better_placed_clinician_in_one_click(
    live_dispatch, chromium, token_for, roster
):
    token = token_for("coordinator", subject="coord-board")
    bearer = {"authorization": f"Bearer {token}"}
    far = roster(330_000, 340_000, CONTINENCE_IV)
    near = roster(WENLOCK[0] + 100, WENLOCK[1] + 100, CONTINENCE_IV)
    driver, wait = chromium, WebDriverWait(chromium, WAIT_S)
    driver.get(f"{live_dispatch.url}/board/live")
    if driver.find_element(By.ID, "login").is_displayed():
        driver.find_element(By.ID, "token").send_keys(token)
        driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait.until(lambda d: d.find_element(By.ID, "connection").text == "Live")

    with httpx.Client(base_url=live_dispatch.url, headers=bearer, timeout=30) as api:
        created = api.post(
            "/requests",
            json={
                "nhs_number": nhs_number(),
                "postcode": "TF13 6AA",
                "easting": WENLOCK[0],
                "northing": WENLOCK[1],
                "reason": "Catheter blocked, on end-of-life care",
                "skills_needed": list(CONTINENCE_IV),
            },
        )
        assert created.status_code == 201, created.text
        rid = created.json()["id"]
        try:
            sent = api.post(f"/requests/{rid}/assign", json={"clinician_id": far})
            assert sent.status_code == 200, sent.text
            row_css = f'#requests tbody tr[data-request-id="{rid}"]'
            button = wait.until(
                lambda d: d.find_element(By.CSS_SELECTOR, f"{row_css} button.reassign")
            )
            assert button.text == f"Reassign to {near}"
            button.click()

            wait.until(
                lambda d: d.find_element(By.CSS_SELECTOR, f"{row_css} td.clinician").text == near
            )
            row = driver.find_element(By.CSS_SELECTOR, row_css)
            assert "status-assigned" in row.get_attribute("class")
            freed = driver.find_element(
                By.CSS_SELECTOR, f'#clinicians tbody tr[data-clinician-id="{far}"]'
            )
            assert "status-available" in freed.get_attribute("class")
            stored = api.get(f"/requests/{rid}").json()
            assert stored["clinician_id"] == near
            # One step, not a decline then an assign: the first clinician has not declined.
            assert [h["status"] for h in stored["history"]] == ["requested", "assigned", "assigned"]
            assert stored["history"][-1]["note"].startswith(f"reassigned from {far}")
            assert not any("declined" in h["note"] for h in stored["history"])
            assert not driver.find_element(By.ID, "notice").is_displayed()
        finally:
            api.post(f"/requests/{rid}/cancel", json={"reason": "browser test over"})
