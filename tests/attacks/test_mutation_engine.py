"""The mutation engine always hands back an edit that changes the document, so a tampering loop always ends."""

from __future__ import annotations

import random

import pytest
from support_mutations import MAX_DRAWS, mutate

from vcred.examples import board_certification_example


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "document",
    [
        {},  # no path at all: every draw used to be a no-op, and the tampering loop spun forever
        {"a": []},  # removing an empty array changes nothing
        {"a": [{}]},  # nothing to add to or remove from, one element
        {"type": ["VerifiableCredential", "ForgedCredential"]},  # "change type" would write what is there
        {"@context": ["x", "x"]},  # swapping two equal contexts changes nothing
        {"n": -1.0},  # -1.0 * 2 + 1 == -1.0
        board_certification_example(issuer="did:example:board"),
    ],
)
def test_every_draw_is_a_change(document):
    rng = random.Random(7)
    for _ in range(500):
        description, mutated = mutate(document, rng)
        assert mutated != document, description


def test_a_document_nothing_can_be_drawn_from_gets_the_fallback_edit():
    class NoDraws(random.Random):
        """Draws only edits that cannot apply to an empty object (``remove``)."""

        def choice(self, seq):
            return "remove" if "remove" in seq else super().choice(seq)

    rng = NoDraws(1)
    description, mutated = mutate({}, rng)
    assert description == "add top-level field added0" and mutated == {"added0": "added value"}
    assert MAX_DRAWS > 0


def test_only_objects_are_mutated():
    with pytest.raises(TypeError, match="edits JSON objects"):
        mutate([1, 2], random.Random(0))
