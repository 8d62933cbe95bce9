"""`vcred credential-check`: an office decides a real presentation against its policy and archives the report."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from vcred.cli.app import app
from vcred.cli.commands import office  # noqa: F401 - registers the command
from vcred.local import LocalSetting


def invoke(tmp_path, names, *extra):
    args = [
        "credential-check",
        str(tmp_path / "vp.json"),
        "--policy",
        str(tmp_path / "policy.json"),
        "--trust",
        str(tmp_path / "registry.json"),
        "--challenge",
        "n-77",
        "--domain",
        "credentialing.stmarys.example",
        *extra,
    ]
    for name in names:
        args += ["--accreditations", name]
    return CliRunner().invoke(app, args)


def test_approved_with_html_report(office_files):
    tmp_path, names = office_files
    result = invoke(tmp_path, names, "--html", str(tmp_path / "decision.html"))
    assert result.exit_code == 0, result.output
    assert "APPROVED" in result.output
    html = (tmp_path / "decision.html").read_text()
    assert "every requirement is met" in html and "<script" not in html


def test_without_accreditations_the_chains_break(office_files):
    tmp_path, _ = office_files
    result = invoke(tmp_path, [], "--json")
    assert result.exit_code == 1
    decision = json.loads(result.output)["decision"]
    unmet = {r["id"] for r in decision["requirements"] if r["outcome"] != "met"}
    assert {"degree", "residency", "cme"} <= unmet and "board" not in unmet


def test_a_registry_that_is_not_the_anchored_version_is_refused(office_files):
    from vcred.ledger import make_entry
    from vcred.policy import TrustRegistry
    from vcred.testing import insecure_seeded_key

    tmp_path, names = office_files
    result = invoke(tmp_path, names, "--json")
    assert result.exit_code == 0 and "no version" in json.loads(result.output)["trustRegistry"]["reason"]
    registry = TrustRegistry(json.loads((tmp_path / "registry.json").read_text()))
    office_key = insecure_seeded_key("st marys office")
    did = office_key.public_key.did_key
    now = dt.datetime.now(dt.UTC)
    entry = make_entry(
        "trust-registry",
        {"publisher": did, "url": registry.document.id, "version": 1, "sha256": "ab" * 32},  # another version
        submitter=f"{did}#{office_key.public_key.multibase}",
        key=office_key,
        timestamp=int(now.timestamp()),
    )
    LocalSetting(tmp_path / "data").ledger().append([entry], now=now)
    refused = invoke(tmp_path, names, "--json", "--registry-publisher", did)
    assert refused.exit_code == 1
    anchor = json.loads(refused.output)["trustRegistry"]
    assert anchor["status"] == "failed" and "outdated copy" in anchor["reason"]
    # without a publisher named, an anchor of the registry's URL is neither believed nor ignored
    unattributed = invoke(tmp_path, names, "--json")
    assert unattributed.exit_code == 1
    anchor = json.loads(unattributed.output)["trustRegistry"]
    assert anchor["status"] == "failed" and did in anchor["reason"] and anchor["details"]["anchored_by"] == [did]
    current = make_entry(
        "trust-registry",
        {"publisher": did, "url": registry.document.id, "version": 2, "sha256": registry.digest},
        submitter=f"{did}#{office_key.public_key.multibase}",
        key=office_key,
        timestamp=int(now.timestamp()),
    )
    LocalSetting(tmp_path / "data").ledger().append([current], now=now)
    approved = invoke(tmp_path, names, "--registry-publisher", did)
    assert approved.exit_code == 0 and f"as {did} anchored it" in " ".join(approved.output.split())
