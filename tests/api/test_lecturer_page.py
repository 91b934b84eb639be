"""GET /lecturer/{keyword} and /presenter/{keyword}: the owner and admins get the page;
students go to theirs."""

from __future__ import annotations

import pytest

from arsnova.app import create_app
from tests.conftest import guest_login

LECTURER_PAGE = 'src="/static/js/lecturer.js"'
PRESENTER_PAGE = 'src="/static/js/presenter.js"'
OWNER_PAGES = pytest.mark.parametrize(
    ("prefix", "script"), [("lecturer", LECTURER_PAGE), ("presenter", PRESENTER_PAGE)]
)
PREFIXES = pytest.mark.parametrize("prefix", ["lecturer", "presenter"])


async def page(client, path: str):
    return await client.get(path, allow_redirects=False)


@OWNER_PAGES
async def test_the_owner_and_admins_get_the_page(owner, admin, keyword, prefix, script):
    for client in (owner, admin):
        response = await page(client, f"/{prefix}/{keyword}")
        assert response.status == 200
        assert script in await response.text()
        assert "Content-Security-Policy" in response.headers


@PREFIXES
async def test_a_student_is_sent_to_the_student_page(participant, stranger, keyword, prefix):
    for client in (participant, stranger):
        response = await page(client, f"/{prefix}/{keyword}")
        assert response.status == 302
        assert response.headers["Location"] == f"/join/{keyword}"


async def test_without_a_login_the_page_offers_one(anonymous, keyword):
    response = await page(anonymous, f"/lecturer/{keyword}")
    assert response.status == 200
    assert LECTURER_PAGE in await response.text()


@pytest.mark.parametrize(
    "path",
    ["00000000", "nonsense", "%00", "x" * 5000, "%E2%80%AE%F0%9F%98%80", "..%2F..", "a%20b"],
)
@PREFIXES
async def test_an_unknown_keyword_goes_to_the_landing_page_which_says_so(stranger, path, prefix):
    response = await page(stranger, f"/{prefix}/{path}")
    assert response.status == 302
    assert response.headers["Location"] == "/?notification=keyword-invalid"


async def test_past_the_probing_limit_the_page_comes_with_the_apis_error(
    aiohttp_client, settings_with
):
    client = await guest_login(await aiohttp_client(create_app(settings_with(rate_limits=True))))
    statuses = [(await page(client, f"/lecturer/{n:08d}")).status for n in range(12)]
    assert statuses[:10] == [302] * 10
    assert statuses[10:] == [200, 200]  # not an oracle: the page itself reports the 429
