"""The docs UI: Swagger UI from the swagger-ui-py package, served locally (no CDN, works offline)."""

from __future__ import annotations

import os
from typing import Any

import swagger_ui
from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

ASSETS = os.path.join(os.path.dirname(swagger_ui.__file__), "static")
ASSETS_PATH = "/schema/static"

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>content-api: API reference</title>
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<style>body {{ margin: 0; }}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_PATH}/swagger-ui-standalone-preset.js"></script>
<script src="/schema/docs.js"></script>
</body>
</html>
"""

# In a file of its own, so that a Content-Security-Policy without 'unsafe-inline' allows it.
SCRIPT = """window.ui = SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
});
"""


class LocalSwagger(OpenAPIRenderPlugin):
    """Swagger UI at /schema and /schema/swagger, reading /schema/openapi.json."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"])

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return PAGE.encode()
