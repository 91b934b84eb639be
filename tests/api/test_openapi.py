"""/openapi.json covers every route with its schemas, and /docs renders it."""

from openapi_spec_validator import validate

from arsnova.api.openapi import UNDOCUMENTED, documented_routes


async def spec_of(client) -> dict:
    response = await client.get("/openapi.json")
    assert response.status == 200
    return await response.json()


async def test_document_is_valid_openapi_3(client):
    spec = await spec_of(client)
    assert spec["openapi"].startswith("3.")
    validate(spec)


async def test_every_route_is_documented(client, app):
    spec = await spec_of(client)
    routes = documented_routes(app)
    assert len(routes) > 10
    for method, path, _handler in routes:
        operation = spec["paths"][path][method.lower()]
        assert UNDOCUMENTED not in operation, f"{method} {path} lacks @operation"
        assert operation["responses"], f"{method} {path} documents no response"


async def test_bodies_and_errors_reference_the_schemas(client):
    spec = await spec_of(client)
    create = spec["paths"]["/session/"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SessionCreate"}
    created = spec["components"]["schemas"]["SessionCreate"]
    assert created["additionalProperties"] is False
    assert created["required"] == ["name"]
    assert created["properties"]["shortName"]["maxLength"] == 12
    assert {"201", "400", "401", "413", "415"} <= set(create["responses"])
    assert create["security"] == [{"cookie": []}]
    listing = spec["paths"]["/session/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"visitedonly", "ownedonly", "user", "sort", "order", "limit", "offset"} <= names
    assert "text/plain" in listing["responses"]["501"]["content"]


async def test_docs_page_and_its_assets_are_served_locally(client):
    page = await client.get("/docs")
    assert page.status == 200
    html = await page.text()
    assert "/docs/ui/swagger-ui-bundle.js" in html and "/docs/static/init.js" in html
    for asset in (
        "/docs/ui/swagger-ui-bundle.js",
        "/docs/ui/swagger-ui.css",
        "/docs/static/init.js",
    ):
        assert (await client.get(asset)).status == 200


async def test_cors_preflight_routes_stay_out_of_the_document(aiohttp_client, settings_with):
    from arsnova.app import create_app

    client = await aiohttp_client(create_app(settings_with(cors_origins=("https://lms.example",))))
    spec = await spec_of(client)
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert not any(UNDOCUMENTED in op for op in operations)
    assert not any("options" in path for path in spec["paths"].values())


async def test_rate_limited_routes_document_429(client):
    paths = (await spec_of(client))["paths"]
    limited = [
        ("/auth/login", "get"),
        ("/session/{keyword}", "get"),
        ("/session/{keyword}/interposed/", "post"),
        ("/session/{keyword}/qa/questions", "post"),
        ("/session/{keyword}/qa/questions/{question_id}/vote", "put"),
        ("/session/{keyword}/feedback", "get"),
    ]
    for path, method in limited:
        assert "429" in paths[path][method]["responses"], (method, path)
    assert "429" not in paths["/auth/"]["get"]["responses"]
    assert "404" in paths["/integration/user/{user}/sessions/"]["get"]["responses"]


async def test_downloads_are_documented_as_binary_files(client):
    paths = (await spec_of(client))["paths"]
    for extension, media_type in (
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv"),
    ):
        success = paths[f"/session/{{keyword}}/results.{extension}"]["get"]["responses"]["200"]
        binary = {"schema": {"type": "string", "format": "binary"}}
        assert success["content"] == {media_type: binary}
        assert "Content-Disposition" in success["headers"]
