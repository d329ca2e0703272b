"""The API layer: the FastAPI app, its routes, the MCP server, the CLI and the web app."""
