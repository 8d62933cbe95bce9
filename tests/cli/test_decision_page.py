"""The decision page the credentialing committee signs, read as a person reads it: rendered by headless Chromium.

The page must lead with the physician (name, NPI), the verdict and why (blocking reasons first, then the unmet
requirements), load nothing from anywhere, and show outside text literally. Without Chromium these tests skip with
the reason; on CI (CI=true), where .ci/run installs it, they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from support_cli import OFFICE_DID, build_office
from typer.testing import CliRunner

from vcred.cli.app import app, read_json_or_text
from vcred.cli.commands import office  # noqa: F401 - registers the command
from vcred.examples import RADIOLOGIST_NAME, RADIOLOGIST_NPI
from vcred.office.html import CSP, decision_html, format_moment, format_money

CHROMIUM = "/usr/bin/chromium"
TRACKER = "http://tracker.invalid/pixel.png"
HOSTILE_NAME = f"Dr. Amara Okafor <img src={TRACKER}><script>alert(1)</script>"
BLOCKED_BY = "did:example:nobody"  # an office configured with the wrong registry publisher: every decision blocked
# elements and attributes through which a page can load something
LOADERS = {"script", "img", "link", "iframe", "frame", "object", "embed", "video", "audio", "source", "base", "form"}
LOADING_ATTRIBUTES = {"src", "href", "srcset", "action", "data", "poster", "background"}


# --- the browser -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; missing, the tests skip with the reason, except on CI, which must always run them."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    why = f"headless Chromium is not installed at {CHROMIUM} (`make test` installs it when it runs as root with apt)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {why}; .ci/run must install it")
    pytest.skip(why)


def _run_chromium(chromium: str, tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


class _Requests:
    """A local HTTP proxy that records the first line of every request the browser makes through it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    self.lines.append(connection.recv(4096).split(b"\r\n")[0].decode("latin-1"))
                except OSError:
                    self.lines.append("(a connection that sent nothing)")

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def requests() -> Iterator[_Requests]:
    proxy = _Requests()
    yield proxy
    proxy.close()


def _render(chromium: str, tmp_path: Path, page: Path, requests: _Requests) -> str:
    """The DOM Chromium built from ``page``, every request it made going through ``requests``."""
    proxy = [f"--proxy-server=http://127.0.0.1:{requests.port}", "--proxy-bypass-list=<-loopback>"]
    return _run_chromium(chromium, tmp_path, page, *proxy, "--dump-dom").stdout


class _Seen(HTMLParser):
    """The text a person sees in a rendered DOM (not the head, not the body of a closed <details>), and every
    element or attribute that could load something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.loaders: list[str] = []
        self._hidden: list[str] = []  # open elements whose content is not shown
        self._closed_details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LOADERS:
            self.loaders.append(tag)
        self.loaders += [f"{tag} {name}={value}" for name, value in attrs if name in LOADING_ATTRIBUTES]
        self.loaders += [f"{tag} style" for name, value in attrs if name == "style" and "url(" in (value or "")]
        if tag in ("head", "style", "script", "title"):
            self._hidden.append(tag)
        if tag == "details" and "open" not in dict(attrs):
            self._closed_details += 1
            self._hidden.append("details")
        if tag == "summary" and self._hidden[-1:] == ["details"]:
            self._hidden.append("summary")  # shown inside a closed <details>

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden or self._hidden[-1] == "summary":
            self.text.append(data)

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def _seen(dom: str) -> _Seen:
    seen = _Seen()
    seen.feed(dom)
    seen.close()
    return seen


# --- the office's page --------------------------------------------------------------------------------------------


def _hostile_and_demanding(document: dict[str, Any]) -> dict[str, Any]:
    """Markup in the physician's name (signed by every issuer), and a policy asking for more CME than she has."""
    document = json.loads(json.dumps(document))
    if isinstance(document.get("credentialSubject"), dict):
        document["credentialSubject"]["name"] = HOSTILE_NAME
    for requirement in document.get("requirements", []):
        if requirement.get("kind") == "cme":
            requirement["minimum"] = "100"
            requirement["description"] = "At least 100 AMA PRA Category 1 credits in the last 24 months"
    return document


def _credential_check(tmp_path: Path, names: list[str], publisher: str, html: Path) -> Any:
    args = ["credential-check", str(tmp_path / "vp.json"), "--policy", str(tmp_path / "policy.json")]
    args += ["--trust", str(tmp_path / "registry.json"), "--registry-publisher", publisher, "--json"]
    args += ["--challenge", "n-77", "--domain", "credentialing.stmarys.example", "--html", str(html)]
    for name in names:
        args += ["--accreditations", name]
    return CliRunner().invoke(app, args)


def test_the_committee_reads_who_what_and_why_and_the_page_loads_nothing(tmp_path, monkeypatch, chromium, requests):
    monkeypatch.setenv("VCRED_DATA_DIR", str(tmp_path / "data"))
    _, names = build_office(tmp_path, edit=_hostile_and_demanding)
    page = tmp_path / "decision.html"
    result = _credential_check(tmp_path, names, BLOCKED_BY, page)
    assert result.exit_code == 1, result.output
    decision = json.loads(result.output)["decision"]
    blocking = decision["blocking"][0]
    assert "no version" in blocking and BLOCKED_BY in blocking

    dom = _render(chromium, tmp_path, page, requests)
    seen = _seen(dom)
    text = seen.visible
    assert HOSTILE_NAME in text  # the physician's name, character for character (markup shown, not obeyed)
    assert f"NPI {RADIOLOGIST_NPI}" in text
    verdict_at = text.index("NOT APPROVED")
    assert "APPROVED" not in text[:verdict_at]
    # the banner: the blocking reason first, then the requirement not met, all before the details
    banner = text[verdict_at : text.index("Requirements", verdict_at)]
    assert banner.index("The office may not approve") < banner.index("At least 100 AMA PRA Category 1 credits")
    assert blocking in banner and "51.75 AMA PRA Category 1 credits completed" in banner
    assert text.index(HOSTILE_NAME) < verdict_at < text.index("Verification checks")
    assert "Credit credits" not in text and "$1,000,000 / $3,000,000" in text
    assert re.search(r"Decided \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "did:vcred:" in text and "American Board of Radiology" in text  # issuers by name, DIDs in small print
    # ~260 checks, each credential's collapsed: their rows are not in what a person sees until opened
    assert seen._closed_details == 13 and "vc.proof.signature" not in text
    # nothing that loads, and a policy that forbids loading anything
    assert seen.loaders == []
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in dom
    assert not [line for line in requests.lines if "tracker.invalid" in line]


def test_the_detector_sees_a_page_that_loads_something(tmp_path, chromium, requests):
    """The control: the same browser and proxy notice a page that loads from outside, so silence above means it."""
    page = tmp_path / "leaky.html"
    page.write_text(f"<!doctype html><p>leaky<img src='{TRACKER}'></p>")
    seen = _seen(_render(chromium, tmp_path, page, requests))
    assert seen.loaders and any("tracker.invalid" in line for line in requests.lines), requests.lines


def test_the_printed_page_carries_the_decision(tmp_path, monkeypatch, chromium):
    """Printed (PDF, as the committee files it): physician, NPI, verdict and readable amounts on paper."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: pdftotext (poppler-utils) is missing; .ci/run must install it")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    monkeypatch.setenv("VCRED_DATA_DIR", str(tmp_path / "data"))
    _, names = build_office(tmp_path)
    page = tmp_path / "decision.html"
    assert _credential_check(tmp_path, names, OFFICE_DID, page).exit_code == 0
    pdf = tmp_path / "decision.pdf"
    _run_chromium(chromium, tmp_path, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", printed)
    assert RADIOLOGIST_NAME in flat and RADIOLOGIST_NPI in flat and "APPROVED" in flat
    assert "NOT APPROVED" not in flat and "every requirement is met" in flat
    assert "$1,000,000 / $3,000,000" in flat


# --- without a browser ---------------------------------------------------------------------------------------------


def test_issuers_are_named_as_the_office_registry_names_them(tmp_path, monkeypatch):
    """Given the office's registry, its names come first; without it, the credential's own (signed) name."""
    from vcred.office import Office, TrustRegistry
    from vcred.verify.verifier import Verifier

    monkeypatch.setenv("VCRED_DATA_DIR", str(tmp_path / "data"))
    _, names = build_office(tmp_path)
    document = json.loads((tmp_path / "registry.json").read_text())
    verifier = Verifier.from_local(tmp_path / "data")
    registry = TrustRegistry(
        document,
        accreditations=[read_json_or_text(Path(n)) for n in names],
        verify=lambda c, now: verifier.verify_credential(c, now=now),
    )
    the_office = Office(
        verifier, json.loads((tmp_path / "policy.json").read_text()), registry, registry_publisher=OFFICE_DID
    )
    review = the_office.review(
        (tmp_path / "vp.json").read_text(), challenge="n-77", domain="credentialing.stmarys.example"
    )
    renamed = json.loads(json.dumps(document))
    (board,) = next(r["issuers"] for r in renamed["rules"] if r["credentialType"] == "BoardCertificationCredential")
    board["name"] = "ABR (as St. Mary's lists it)"
    with_registry = decision_html(review.decision, review.verification, TrustRegistry(renamed))
    assert "ABR (as St. Mary&#x27;s lists it)" in with_registry
    without = decision_html(review.decision, review.verification)  # the names the trust check used
    assert "American Board of Radiology<br><span class='did'>" in without and "ABR (as" not in without
    untrusted = review.verification.model_copy(deep=True)
    for cred in untrusted.credentials:
        cred.checks = [c for c in cred.checks if c.id != "vc.trust"]
    own = decision_html(review.decision, untrusted)  # no registry at all: the issuer's own signed name, said so
    assert "American Board of Radiology <span class='small'>(as its own credential names it)</span>" in own
    assert f"<h1 id='physician'>{RADIOLOGIST_NAME}</h1>" in without
    assert review.decision.decided_at not in without  # no microseconds on the page
    assert format_moment(review.decision.decided_at) in without


def test_no_name_from_a_credential_that_did_not_verify():
    from vcred.office.evaluate import CredentialingDecision
    from vcred.report import PresentationReport, VerificationReport

    forged = VerificationReport(
        verified=False,
        issuer="did:example:forger",
        types=["VerifiableCredential", "MedicalLicenseCredential"],
        credential={"issuer": "did:example:forger", "credentialSubject": {"id": "did:example:h", "name": "Dr. Forged"}},
    )
    decision = CredentialingDecision(
        approved=False,
        policy="p",
        policy_version=1,
        holder="did:example:h",
        decided_at="2026-11-29T14:03:09.115485+00:00",
        presentation_verified=False,
        requirements=[],
    )
    page = decision_html(decision, PresentationReport(holder="did:example:h", credentials=[forged]))
    assert "Dr. Forged" not in page and "Physician not identified" in page
    assert "2026-11-29 14:03 UTC" in page and ".115485" not in page


def test_amounts_and_moments_read_as_people_write_them():
    assert format_money("1000000.00", "USD") == "$1,000,000"
    assert format_money("1250.50", "USD") == "$1,250.50"
    assert format_money("20000", "CHF") == "CHF 20,000"
    assert format_moment("2026-11-29T15:03:09.115485+01:00") == "2026-11-29 14:03 UTC"
    assert format_moment("2026-11-29T14:03:09Z") == "2026-11-29 14:03 UTC"
    assert format_moment("not a date") == "not a date"
