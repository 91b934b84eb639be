"""/docs (Swagger UI) is a page like ours: the same security headers, and it still works."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.web.conftest import LAPTOP

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/docs", "/", "/lecturer/", "/join/12345678"])
async def test_pages_and_docs_send_the_security_headers(client, path):
    response = await client.get(path)
    assert response.status == 200
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert {name: response.headers.get(name) for name in HEADERS} == HEADERS


async def test_swagger_ui_renders_under_the_policy(open_page, base_url, page_errors, screenshot):
    page = await open_page(f"{base_url}/docs", viewport=LAPTOP)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if message.type == "error" else None
    )
    await page.reload()  # with the console listener from the start
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("ARSnova")
    await expect(
        page.locator(".opblock-summary-path", has_text="/session/{keyword}/interposed/").first
    ).to_be_visible()
    await page.locator(".opblock-summary", has_text="/healthz").first.click()
    await expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    await screenshot(page, "docs")
    assert [text for text in refused if "Content Security Policy" in text] == []
    assert page_errors == []
