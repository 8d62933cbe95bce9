"""Generate ``schemas/*.json`` from the family models: ``python -m vcred.model.families.generate [--check]``.

The package's ``vcred/schemas/`` (bundled, read by the schema check) is the source of truth; the repository's
top-level ``schemas/`` is a byte-for-byte copy for readers, written by the same run and checked by ``--check``.

The envelope (VC 2.0 properties) is written here; the subject comes from the pydantic model, plus the two
cross-field rules the models enforce, written as ``if``/``then`` so model and schema accept the same documents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from vcred.model.families.common import DECIMAL_PATTERN
from vcred.model.families.registry import FAMILIES, VC_V2, VCRED_CONTEXT, Family

PACKAGE_SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
SCHEMAS_DIR = Path(__file__).resolve().parents[3] / "schemas"  # the repository's copy (absent when installed)
CONTEXT_FILE = Path(__file__).resolve().parents[2] / "jsonld" / "contexts" / "vcred-v1.jsonld"
VOCAB = "https://w3id.org/vcred/vocab#"
XSD = "http://www.w3.org/2001/XMLSchema#"
_DEFINED_BY_VC_V2 = {"id", "type", "name", "description"}  # protected there; redefining them would be an error

_CROSS_FIELD: dict[str, list[dict[str, Any]]] = {
    "GraduateTrainingSubject": [
        {"if": {"properties": {"completionStatus": {"const": "completed"}}}, "then": {"required": ["completionDate"]}}
    ],
    "MalpracticeHistorySubject": [
        {
            "if": {"properties": {"claims": {"maxItems": 0}}},
            "then": {"properties": {"noClaimsInPeriod": {"const": True}}},
            "else": {"properties": {"noClaimsInPeriod": {"const": False}}},
        }
    ],
}

_URI = {"type": "string", "format": "uri"}


def credential_schema(family: Family) -> dict[str, Any]:
    """The JSON Schema (2020-12) of a whole credential of ``family``."""
    subject = family.subject_model.model_json_schema(ref_template="#/$defs/{model}")
    definitions = subject.pop("$defs", {})
    name = family.subject_model.__name__
    subject["allOf"] = _CROSS_FIELD.get(name, [])
    if not subject["allOf"]:
        del subject["allOf"]
    definitions[name] = subject
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": family.schema_id,
        "title": f"{family.type} ({family.title})",
        "description": f"{family.title}: a credential issued by its primary source (vcred radiology vocabulary).",
        "type": "object",
        "required": ["@context", "type", "issuer", "validFrom", "credentialSubject", "credentialSchema"],
        "properties": {
            "@context": {
                "type": "array",
                "prefixItems": [{"const": VC_V2}, {"const": VCRED_CONTEXT}],
                "minItems": 2,
            },
            "id": _URI,
            "type": {"type": "array", "items": {"type": "string"}, "contains": {"const": family.type}},
            "issuer": {
                "anyOf": [
                    _URI,
                    {"type": "object", "required": ["id"], "properties": {"id": _URI, "name": {"type": "string"}}},
                ]
            },
            "name": {"type": "string"},
            "description": {"type": "string"},
            "validFrom": {"type": "string", "format": "date-time"},
            "validUntil": {"type": "string", "format": "date-time"},
            "credentialSubject": {"$ref": f"#/$defs/{name}"},
            "credentialSchema": {
                "type": "object",
                "required": ["id", "type"],
                "properties": {"id": {"const": family.schema_id}, "type": {"const": "JsonSchema"}},
            },
            "credentialStatus": {
                "anyOf": [
                    {"$ref": "#/$defs/StatusEntry"},
                    {"type": "array", "items": {"$ref": "#/$defs/StatusEntry"}, "minItems": 1},
                ]
            },
        },
        "$defs": {
            **definitions,
            "StatusEntry": {
                "type": "object",
                "required": ["type", "statusPurpose", "statusListIndex", "statusListCredential"],
                "properties": {
                    "id": _URI,
                    "type": {"const": "BitstringStatusListEntry"},
                    "statusPurpose": {"type": "string"},
                    "statusListIndex": {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"},
                    "statusListCredential": _URI,
                },
            },
        },
    }


def _leaf_types(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/list/Annotated annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return [annotation]
    if origin in (list, typing.Union, types.UnionType):
        return [leaf for arg in typing.get_args(annotation) for leaf in _leaf_types(arg)]
    return [annotation]


def _term(name: str, field: Any) -> Any:
    leaves = [leaf for leaf in _leaf_types(field.annotation) if leaf is not type(None)]
    if any(leaf is dt.date for leaf in leaves):
        return {"@id": VOCAB + name, "@type": XSD + "date"}
    if any(getattr(m, "pattern", None) == DECIMAL_PATTERN for m in field.metadata):
        return {"@id": VOCAB + name, "@type": XSD + "decimal"}
    return VOCAB + name


def vocabulary_context() -> dict[str, Any]:
    """The vcred JSON-LD context: every type and property of every family, protected, no @vocab."""
    terms: dict[str, Any] = {}
    pending: list[type[BaseModel]] = [f.subject_model for f in FAMILIES.values()]
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            for leaf in _leaf_types(field.annotation):
                if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                    pending.append(leaf)
            if name not in _DEFINED_BY_VC_V2:
                terms[name] = _term(name, field)
    # presentations: the holder's batch anchor proofs travel as opaque JSON (see vcred.ledger.anchors)
    terms["anchorProofs"] = {"@id": VOCAB + "anchorProofs", "@type": "@json"}
    types_ = {f.type: VOCAB + f.type for f in FAMILIES.values()}
    return {
        "@context": {
            "@version": 1.1,
            "@protected": True,
            **dict(sorted(types_.items())),
            **dict(sorted(terms.items())),
        }
    }


def render_context() -> str:
    """The context file's exact text."""
    return json.dumps(vocabulary_context(), indent=2, ensure_ascii=False) + "\n"


def document_schemas() -> dict[str, str]:
    """The schemas of the office's own documents (credentialing policy, trust registry)."""
    from vcred.office.documents import DOCUMENT_SCHEMAS

    out = {}
    for name, (model, schema_id) in DOCUMENT_SCHEMAS.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": schema_id,
            **model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}"),
        }
        out[name] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return out


def render(family: Family) -> str:
    """The schema file's exact text."""
    return json.dumps(credential_schema(family), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the schema files (or, with --check, report any that differ)."""
    stale: list[str] = []
    schemas = [(f.schema_file, render(f)) for f in FAMILIES.values()] + list(document_schemas().items())
    folders = [PACKAGE_SCHEMAS_DIR] + ([SCHEMAS_DIR] if SCHEMAS_DIR.is_dir() else [])
    outputs = [(folder / name, text) for folder in folders for name, text in schemas]
    outputs.append((CONTEXT_FILE, render_context()))
    if "--check" in argv:  # a schema file no model generates is stale too (one folder must not hold more)
        names = {name for name, _ in schemas}
        stale.extend(str(p) for folder in folders for p in sorted(folder.glob("*.json")) if p.name not in names)
    for path, text in outputs:
        if "--check" in argv:
            if not path.exists() or path.read_text("utf-8") != text:
                stale.append(f"{path.parent.name}/{path.name}")
        else:
            path.write_text(text, "utf-8")
    manifest_path = CONTEXT_FILE.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    digest = hashlib.sha256(render_context().encode("utf-8")).hexdigest()
    entry = next(e for e in manifest["contexts"] if e["url"] == VCRED_CONTEXT)
    if entry["sha256"] != digest:
        if "--check" in argv:
            stale.append("manifest.json (vcred context digest)")
        else:
            entry["sha256"] = digest
            manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if stale:
        print("out of date:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
