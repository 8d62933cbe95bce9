"""A trust registry's anchor counts only when the publisher the office configured made it.

A stranger anchored an edited copy of an office's registry (a rule trusting the stranger's own "board"), at a huge
version: the ledger accepted it and ``TrustRegistry.check_anchored`` passed, naming the stranger.
"""

from __future__ import annotations

import copy

import pytest
from support_ledger import did_key_entry, force_append

from vcred.errors import LedgerError, UsageError
from vcred.examples import ISSUER_ROLES
from vcred.examples.office import trust_registry
from vcred.ledger import Ledger, LedgerClient
from vcred.office import TrustRegistry
from vcred.testing import FIXED_NOW, insecure_seeded_key

ISSUERS = {role: insecure_seeded_key(f"registry owner {role}").public_key.did_key for role in ISSUER_ROLES}
T0 = int(FIXED_NOW.timestamp())


@pytest.fixture
def setting():
    """A ledger with the office's registry anchored (version 1), and an edited copy trusting a stranger's board."""
    ledger = Ledger.in_memory(origin="o", operator_name="op", operator_key=insecure_seeded_key("registry op"))
    registry = TrustRegistry(trust_registry(ISSUERS))
    office, entry = anchor("st marys office", registry, 1)
    ledger.append([entry], now=FIXED_NOW)
    edited = copy.deepcopy(trust_registry(ISSUERS))
    edited["rules"][0]["issuers"].append({"did": "did:key:z6MkstrangersOwnBoard", "name": "a board"})
    return ledger, office, registry, TrustRegistry(edited)


def anchor(seed, registry, version):
    return did_key_entry(
        seed,
        "trust-registry",
        {"url": registry.document.id, "version": version, "sha256": registry.digest},
        timestamp=T0,
    )


def client(ledger):
    synced = LedgerClient(ledger, operator=ledger.operator, origin="o")
    synced.sync()
    return synced


def test_the_ledger_refuses_a_strangers_anchor_of_an_offices_registry(setting):
    ledger, office, _, edited = setting
    _, entry = anchor("stranger", edited, 2**53 - 1)
    with pytest.raises(LedgerError, match=f"is anchored by {office}"):
        ledger.append([entry], now=FIXED_NOW)


def test_only_the_configured_publishers_anchors_count(setting):
    """An operator that does not enforce ownership took the stranger's anchor of the edited copy."""
    ledger, office, registry, edited = setting
    stranger, entry = anchor("stranger", edited, 2**53 - 1)
    force_append(ledger, entry)
    verifier = client(ledger)
    refused = edited.check_anchored(verifier, publisher=office)
    assert not refused.ok and "local edit or an outdated copy" in refused.reason and stranger not in refused.reason
    passed = registry.check_anchored(verifier, publisher=office)
    assert passed.ok and passed.details["publisher"] == office and passed.details["entry"] == 0
    # with no publisher configured, an anchor nobody vouched for is neither believed nor ignored
    unattributed = edited.check_anchored(verifier, publisher=None)
    assert not unattributed.ok and unattributed.details["anchored_by"] == [office, stranger]
    # the office's next version is not refused as a rollback of the stranger's
    ledger.append([anchor("st marys office", edited, 2)[1]], now=FIXED_NOW)
    assert edited.check_anchored(client(ledger), publisher=office).ok
    assert registry.check_anchored(client(ledger), publisher=office).details["anchored_version"] == 2


def test_without_a_publisher_an_unanchored_registry_is_skipped_and_a_publisher_must_be_a_did(setting):
    ledger = Ledger.in_memory(origin="o", operator_name="op", operator_key=insecure_seeded_key("registry op"))
    _, _, registry, _ = setting
    check = registry.check_anchored(client(ledger), publisher=None)
    assert check.status == "skipped" and "no version" in check.reason
    with pytest.raises(UsageError):
        registry.check_anchored(client(ledger), publisher="St Mary's")
