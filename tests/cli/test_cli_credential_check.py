"""`vcred credential-check`: an office decides a real presentation against its policy and archives the report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from support_cli import OFFICE_DID, anchor_registry
from typer.testing import CliRunner

from vcred.cli.app import app
from vcred.cli.commands import office  # noqa: F401 - registers the command
from vcred.local import LocalSetting


def invoke(tmp_path, names, *extra):
    return CliRunner().invoke(app, [*_args(tmp_path, names), *extra])


def _args(tmp_path, names):
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
        "--registry-publisher",
        OFFICE_DID,
        "--no-replay-check",  # these tests decide one presentation many times; replays have their own test
    ]
    for name in names:
        args += ["--accreditations", name]
    return args


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
    """A registry that is not its publisher's latest anchored version is NOT APPROVED everywhere, reason first."""
    tmp_path, names = office_files
    result = invoke(tmp_path, names, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["trust_registry"]["status"] == "passed"
    registry = json.loads((tmp_path / "registry.json").read_text())
    now = dt.datetime.now(dt.UTC)
    anchor_registry(LocalSetting(tmp_path / "data").ledger(), registry, version=2, now=now, digest="ab" * 32)
    refused = invoke(tmp_path, names, "--json", "--html", str(tmp_path / "d.html"))
    assert refused.exit_code == 1
    output = json.loads(refused.output)
    assert output["trust_registry"]["status"] == "failed" and "outdated copy" in output["trust_registry"]["reason"]
    assert output["decision"]["approved"] is False and "not the anchored version" in output["decision"]["blocking"][0]
    assert "NOT APPROVED" in (tmp_path / "d.html").read_text()
    text = invoke(tmp_path, names)
    assert text.exit_code == 1 and "DECISION: NOT APPROVED" in text.output and "DECISION: APPROVED" not in text.output
    # a local trial may decide anyway, explicitly
    trial = invoke(tmp_path, names, "--allow-unanchored-registry")
    assert trial.exit_code == 0, trial.output


def test_a_registry_never_anchored_or_without_a_publisher_is_not_approved(office_files):
    tmp_path, names = office_files
    args = [a for a in _args(tmp_path, names) if a not in ("--registry-publisher", OFFICE_DID)]
    unnamed = CliRunner().invoke(app, [*args, "--json"])
    assert unnamed.exit_code == 1 and json.loads(unnamed.output)["decision"]["approved"] is False
    other = CliRunner().invoke(app, [*args, "--registry-publisher", "did:example:nobody", "--json"])
    assert other.exit_code == 1 and "no version" in json.loads(other.output)["trust_registry"]["reason"]


def test_the_command_and_the_library_decide_alike(office_files):
    """The CLI renders vcred.office.Office's review: same inputs, same outcome, requirement by requirement."""
    from vcred.cli.app import read_json_or_text
    from vcred.office import Office, TrustRegistry
    from vcred.verify.verifier import Verifier

    tmp_path, names = office_files
    for extra in ((), ("--allow-unanchored-registry",)):
        cli = json.loads(invoke(tmp_path, names, "--json", *extra).output)["decision"]
        verifier = Verifier.from_local(tmp_path / "data")
        registry = TrustRegistry(
            json.loads((tmp_path / "registry.json").read_text()),
            accreditations=[read_json_or_text(Path(n)) for n in names],
            verify=lambda c, now, v=verifier: v.verify_credential(c, now=now),
        )
        the_office = Office(
            verifier,
            json.loads((tmp_path / "policy.json").read_text()),
            registry,
            registry_publisher=OFFICE_DID,
            allow_unanchored_registry=bool(extra),
        )
        library = the_office.check(
            (tmp_path / "vp.json").read_text(), challenge="n-77", domain="credentialing.stmarys.example"
        ).model_dump(mode="json")
        assert library["approved"] == cli["approved"] and library["blocking"] == cli["blocking"]
        assert [(r["id"], r["outcome"], r["reason"]) for r in library["requirements"]] == [
            (r["id"], r["outcome"], r["reason"]) for r in cli["requirements"]
        ]


def test_a_presentation_decided_once_is_refused_as_a_replay(office_files):
    tmp_path, names = office_files
    args = [a for a in _args(tmp_path, names) if a != "--no-replay-check"]
    first = CliRunner().invoke(app, [*args, "--json"])
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(app, [*args, "--json"])
    assert again.exit_code == 1
    replay = next(c for c in json.loads(again.output)["verification"]["checks"] if c["id"] == "vp.replay")
    assert replay["status"] == "failed" and "replayed" in replay["reason"]
