"""The OpenAPI 3.1 document of the HTTP API, served at /openapi.json, built from the same JSON
Schemas the command line prints (`followup schema scenario|answer|explanation|batch-record|
error|rule-list`), so the document, the CLI and the outputs cannot drift apart (the tests run an
independent validator on it and a property-based tester against the app)."""

from __future__ import annotations

from typing import Any

from followup import __version__


def _component(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema as an OpenAPI component: without its own $schema and title."""
    return {k: v for k, v in schema.items() if k not in ("$schema",)}


def _error_responses(*statuses: int) -> dict[str, Any]:
    words = {
        400: "not JSON, not UTF-8, a duplicate key, or a bad query parameter",
        404: "no such schema",
        413: "the body is too large (or too many lines)",
        415: "the body is not sent as the media type required",
        422: "the scenario has problems: the command line's diagnostics, located by JSON pointer",
        503: "the request ran over its time",
    }
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(s): {"description": words[s], "content": ref} for s in statuses}


AS_OF = {
    "name": "as_of",
    "in": "query",
    "required": False,
    "description": "the day the question is asked (overrides the scenario's as_of); default: the "
    "scenario's, else the server's today",
    "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
}


def openapi(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The document, given the schemas by `followup schema` name."""
    scenario = schemas["scenario"]["$defs"]["scenario"]
    scenario_body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Scenario"}}},
    }

    def ok(ref: str, media: str = "application/json") -> dict[str, Any]:
        return {
            "200": {
                "description": "OK",
                "content": {media: {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
            }
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "followup-advisor",
            "version": __version__,
            "description": "Is a (second) follow-up after a job interview okay now, and when? "
            "Every answer carries a decision_id and the rules_digest, to log and replay it.",
        },
        "paths": {
            "/api/advise": {
                "post": {
                    "operationId": "advise",
                    "summary": "Answer one scenario",
                    "parameters": [AS_OF],
                    "requestBody": scenario_body,
                    "responses": {**ok("Answer"), **_error_responses(400, 413, 415, 422, 503)},
                }
            },
            "/api/explain": {
                "post": {
                    "operationId": "explain",
                    "summary": "Answer one scenario with its trace and lineage",
                    "parameters": [
                        AS_OF,
                        {
                            "name": "level",
                            "in": "query",
                            "required": False,
                            "schema": {"enum": ["answer", "fired", "full"], "default": "full"},
                        },
                    ],
                    "requestBody": scenario_body,
                    "responses": {**ok("Explanation"), **_error_responses(400, 413, 415, 422, 503)},
                }
            },
            "/api/batch": {
                "post": {
                    "operationId": "batch",
                    "summary": "JSON Lines of scenarios in, one record per line out (streamed)",
                    "parameters": [AS_OF],
                    "requestBody": {
                        "required": True,
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "one JSON line per input line, each a BatchRecord",
                            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                        },
                        **_error_responses(400, 413, 415),
                    },
                }
            },
            "/api/rules": {
                "get": {"operationId": "rules", "summary": "The rules", "responses": ok("RuleList")}
            },
            "/api/schema/{kind}": {
                "get": {
                    "operationId": "schema",
                    "summary": "A JSON Schema, as `followup schema KIND` prints it",
                    "parameters": [
                        {"name": "kind", "in": "path", "required": True, "schema": {"enum": sorted(schemas)}}
                    ],
                    "responses": {
                        "200": {
                            "description": "the schema",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_error_responses(404),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "Alive, and which rules it answers with",
                    "responses": ok("Health"),
                }
            },
        },
        "components": {
            "schemas": {
                "Scenario": scenario,
                "Answer": _component(schemas["answer"]),
                "Explanation": _component(schemas["explanation"]),
                "BatchRecord": _component(schemas["batch-record"]),
                "RuleList": _component(schemas["rule-list"]),
                "Error": _component(schemas["error"]),
                "Health": {
                    "type": "object",
                    "required": ["schema_version", "status", "rules_digest"],
                    "properties": {
                        "schema_version": {"type": "integer"},
                        "status": {"const": "ok"},
                        "rules_digest": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            }
        },
    }
