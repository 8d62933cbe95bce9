"""The fast schema validator (jsonschema-rs) and the reference (jsonschema) agree on every verdict.

The fast one decides on the hot path; the reference explains failures. A disagreement where the fast one accepts
what the reference refuses would let a malformed credential through, so every family example and hundreds of
mutations of each are judged by both.
"""

from __future__ import annotations

import copy
import random

from support_mutations import mutate

from vcred.examples import accreditation_credentials, radiologist_credentials
from vcred.model.families.registry import FAMILIES, family_types
from vcred.model.families.schema_check import schema_problems, schema_valid
from vcred.testing import FIXED_NOW


class _AnyIssuer(dict):
    def __missing__(self, role):
        return f"did:key:z6MkSchemaIssuer{role}"


def examples():
    issuers = _AnyIssuer()
    return radiologist_credentials(issuers, "did:key:z6MkSchemaHolder", now=FIXED_NOW) + accreditation_credentials(
        issuers, now=FIXED_NOW
    )


def test_fast_and_reference_validators_agree():
    rng = random.Random(7)
    judged = 0
    for example in examples():
        schema_id = FAMILIES[family_types(example["type"])[0]].schema_id
        assert schema_valid(example, schema_id) and not schema_problems(example, schema_id)
        for _ in range(60):
            _description, mutated = mutate(copy.deepcopy(example), rng)
            assert schema_valid(mutated, schema_id) == (not schema_problems(mutated, schema_id)), _description
            judged += 1
    assert judged > 500
