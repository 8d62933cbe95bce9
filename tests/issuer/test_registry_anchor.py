"""An office anchors its trust registry under its own DID; versions advance; offices naming it accept that copy."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from vcred.errors import LedgerError
from vcred.examples import ISSUER_ROLES
from vcred.examples.office import trust_registry
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.office import TrustRegistry
from vcred.testing import FIXED_NOW
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS


def test_anchor_registry_versions_and_ownership(tmp_path):
    local = LocalSetting(tmp_path / "data")
    office = IssuerAccount.create(local, "stmarys", recovery="r" * 20, kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW)
    stranger = IssuerAccount.create(local, "stranger", recovery="s" * 20, kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW)
    local.trust_local_ledger()
    document = trust_registry({role: f"did:example:{role}" for role in ISSUER_ROLES})
    assert office.anchor_registry(local, document, now=FIXED_NOW + timedelta(seconds=1)) == 1
    edited = copy.deepcopy(document)
    edited["rules"] = edited["rules"][1:]
    assert office.anchor_registry(local, edited, now=FIXED_NOW + timedelta(seconds=2)) == 2
    client = local.client()
    assert TrustRegistry(edited).check_anchored(client, publisher=office.did).ok
    stale = TrustRegistry(document).check_anchored(client, publisher=office.did)
    assert not stale.ok and "outdated copy" in stale.reason
    with pytest.raises(LedgerError, match="anchored by"):
        stranger.anchor_registry(local, document, now=FIXED_NOW + timedelta(seconds=3))
    # the version survives a reload of the account
    assert IssuerAccount.load(local, "stmarys").registry_versions[document["id"]] == 2
