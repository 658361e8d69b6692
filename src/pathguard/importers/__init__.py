"""Importers: OpenAPI specs and MCP tool lists become `endpoints.yaml` world models.

Every inferred fact keeps its evidence (the parameter and the response field,
or the annotation and its default) so a user can check it in the generated
file and in the import report.
"""
