"""Radiology credential families: typed subjects, builders, JSON Schemas, categories.

>>> from vcred.model.families import FAMILIES, category_of
>>> sorted(f.category for f in FAMILIES.values() if f.category)[:2]
['board', 'cme']
"""

from vcred.model.families.builders import build_credential, validate_subject
from vcred.model.families.cme import cme_credits, sum_cme_credits
from vcred.model.families.registry import (
    CATEGORIES,
    FAMILIES,
    VCRED_CONTEXT,
    Family,
    category_of,
    family_of,
    types_in,
)
from vcred.model.families.schema_check import check_schema

__all__ = [
    "CATEGORIES",
    "FAMILIES",
    "VCRED_CONTEXT",
    "Family",
    "build_credential",
    "category_of",
    "check_schema",
    "cme_credits",
    "family_of",
    "sum_cme_credits",
    "types_in",
    "validate_subject",
]
