"""VC Data Model 2.0 presentation shape rules (no crypto, no I/O)."""

from __future__ import annotations

from typing import Any

from vcred.model.credential import VC_V2, as_list, check_well_formed_credential, is_url, types_of

ENVELOPED = "EnvelopedVerifiableCredential"


def check_well_formed_presentation(doc: Any) -> list[str]:
    """Problems with a presentation's shape; embedded credentials are checked too."""
    if not isinstance(doc, dict):
        return ["presentation: must be a JSON object"]
    problems: list[str] = []
    context = as_list(doc.get("@context"))
    if not context or context[0] != VC_V2:
        problems.append(f"@context: the first item must be {VC_V2}")
    for index, item in enumerate(context):
        if not (is_url(item) or isinstance(item, dict)):
            problems.append(f"@context[{index}]: must be a URL or a context object")
    if "id" in doc and not is_url(doc["id"]):
        problems.append("id: must be a single URL")
    if "VerifiablePresentation" not in types_of(doc):
        problems.append("type: must include VerifiablePresentation")
    if "holder" in doc:
        holder = doc["holder"]
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        if not is_url(holder_id):
            problems.append("holder: must be a URL or an object with a URL id")
    for index, item in enumerate(as_list(doc.get("verifiableCredential", []))):
        where = f"verifiableCredential[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object (a credential or an {ENVELOPED})")
        elif ENVELOPED in types_of(item):
            if not (isinstance(item.get("id"), str) and item["id"].startswith("data:")):
                problems.append(f"{where}.id: an {ENVELOPED} carries a data: URL")
            if "@context" not in item:
                problems.append(f"{where}.@context: missing")
        else:
            problems.extend(f"{where}.{p}" for p in check_well_formed_credential(item))
    return problems
