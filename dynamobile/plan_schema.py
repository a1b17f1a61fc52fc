"""plan.schema.json, generated from the plan's types: ``python -m dynamobile.plan_schema``.

The committed file is this module's output (a test compares them), so the schema published
beside the code is always the one `dynamobile.plan.plan_from_dict` applies.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from .plan import Plan

SCHEMA_FILE = Path(__file__).with_name("plan.schema.json")

_HEADER = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://dynamobile.example/plan.schema.json",
    "title": "Dynamobile plan (plan.json), version 1",
    "description": "Tours of the Dynamobile with times in ISO 8601 (Europe/Paris offset), "
    "durations in seconds, distances in metres, coordinates in WGS84 degrees. "
    "Generated from dynamobile/plan.py by `python -m dynamobile.plan_schema`; do not edit.",
}


class _Schema(GenerateJsonSchema):
    """pydantic's generator without the titles it derives from field names (« Drive S »)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


def plan_json_schema() -> dict:
    """The JSON Schema (2020-12) of plan.json: what `plan_from_dict` accepts, from `Plan`'s types."""
    schema = TypeAdapter(Plan).json_schema(schema_generator=_Schema, mode="validation")
    schema.pop("title", None)
    return {**_HEADER, **schema}


def schema_text() -> str:
    """The text of plan.schema.json as generated now."""
    return json.dumps(plan_json_schema(), ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    """Write plan.schema.json beside this module; with ``--check``, only say whether it is stale."""
    text = schema_text()
    if "--check" in sys.argv[1:]:
        if SCHEMA_FILE.read_text(encoding="utf-8") != text:
            print(f"{SCHEMA_FILE} n'est pas à jour : python -m dynamobile.plan_schema")
            return 1
        return 0
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    print(f"{SCHEMA_FILE} écrit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
