"""Decision-level property: over generated worlds, an approval always rests on credentials that deserve it.

A world has several issuers, a trust registry whose rules overlap (an issuer listed for several types, a type both
listed and accredited), accreditations with periods (some revoked, some expired, some by an accreditor the office
does not trust), credentials issued at random times (some revoked, suspended, expired, malformed, naming two
families), and a presentation with extra, duplicate and older credentials. The office decides twice with one
long-lived registry: now, and two and a half days later after more revocations.

Property, both ways: a decision is approved only if, for every requirement, some presented credential verified,
is trusted for that requirement's type at its issuance and at the decision time, is current (not expired, revoked
or suspended, and no newer credential of its issuer and type is revoked or suspended) and meets the rule. The
oracle below computes that from the world's ground truth, independently of vcred's code. And a deserved decision is
refused only under one of vcred's documented stricter rules (a duplicate, a presented credential that cannot be
relied on, an issuer's newest statement that falls short), also computed from the ground truth.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support_attacks import FULL, count

import vcred
from vcred.examples.office import POLICY
from vcred.office import TrustRegistry, evaluate
from vcred.status import MemoryFetcher, StatusList, StatusListCache
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.verify.options import VerifyOptions

WORLDS = 400 if FULL else 30
ORGS = ("board-1", "board-2", "cme-1", "cme-2", "cme-3", "school-1", "school-2")
ACCREDITORS = ("accme", "lcme", "rogue")
KEYS = {name: insecure_seeded_key(f"worlds {name}") for name in (*ORGS, *ACCREDITORS)}
DID = {name: key.public_key.did_key for name, key in KEYS.items()}
HOLDER = insecure_seeded_key("worlds holder")
SUBJECT = {"id": HOLDER.public_key.did_key, "name": "Dr. World"}
DEGREE, BOARD, CME = "MedicalDegreeCredential", "BoardCertificationCredential", "CMECredential"
SCHEMA = {DEGREE: "medical-degree-credential", BOARD: "board-certification-credential", CME: "cme-credential"}
SCOPE = {CME: "cme-provider", DEGREE: "medical-school"}
SCHEMA_BASE = "https://w3id.org/vcred/schemas/"
CATEGORY_1 = "AMA PRA Category 1 Credit"
MINIMUM = Decimal(20)
CHALLENGE, DOMAIN = "worlds", "credentialing.worlds.example"
LATER = FIXED_NOW + dt.timedelta(days=2, hours=12)  # whole-day offsets stay half a day away from either moment

POLICY_UNDER_TEST = {
    **POLICY,
    "requirements": [
        {"id": "degree", "kind": "medical-degree", "degrees": ["MD", "DO"], "description": "MD or DO"},
        {
            "id": "board",
            "kind": "board-certification",
            "specialty": "Diagnostic Radiology",
            "requireContinuingCertification": False,
            "description": "certified in diagnostic radiology",
        },
        {
            "id": "cme",
            "kind": "cme",
            "creditType": CATEGORY_1,
            "minimum": str(MINIMUM),
            "windowMonths": 24,
            "description": "20 credits in 24 months",
        },
    ],
}


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Accreditation:
    org: str
    accreditor: str
    scope: str
    status: str
    start: dt.datetime
    end: dt.datetime
    revoked_from: dt.datetime | None  # when the accreditor's list says revoked (None: never)


@dataclass
class Credential:
    types: list[str]
    issuer: str
    issued: dt.datetime
    until: dt.datetime | None
    subject: dict[str, Any]
    revoked_from: dt.datetime | None
    suspended_from: dt.datetime | None
    malformed: bool
    names_schema: bool = True
    signed: Any = None


@dataclass
class World:
    listed: dict[str, list[str]]  # credential type -> issuers listed for it
    accredited: list[str]  # types with an accreditedBy rule
    scopes: dict[str, list[str]]  # accreditor -> scopes the office trusts it for
    accreditations: list[Accreditation]
    credentials: list[Credential]
    order: list[int]  # the presentation: indexes into credentials (repeats allowed)


def _moment(draw: Any, low: int, high: int) -> dt.datetime:
    return FIXED_NOW + dt.timedelta(days=draw(st.integers(low, high)))


def _revocation(draw: Any) -> dt.datetime | None:
    return draw(st.sampled_from([None, None, None, FIXED_NOW, LATER]))


def _subject(draw: Any, family: str, issuer: str) -> tuple[dict[str, Any], bool]:
    org = {"id": DID[issuer], "name": issuer}
    if family == DEGREE:
        degree = draw(st.sampled_from(["MD", "MD", "DO", "MBBS"]))
        data = {"degree": degree, "school": org, "schoolAccreditor": {"name": "LCME"}}
        return {**SUBJECT, **data, "conferralDate": "2012-05-20", "country": "US"}, False
    if family == BOARD:
        return {
            **SUBJECT,
            "certifyingBoard": org,
            "specialty": draw(st.sampled_from(["Diagnostic Radiology", "Diagnostic Radiology", "Radiation Oncology"])),
            "initialCertificationDate": "2019-06-01",
            "certificationStatus": draw(st.sampled_from(["certified", "certified", "suspended", "expired"])),
        }, False
    # months ago: never within a month of the 24-month window's edge, so the oracle's window is unambiguous
    months = draw(st.sampled_from([0, 2, 5, 9, 14, 20, 22, 26, 30]))
    amount = draw(st.sampled_from(["5.00", "8.50", "12.00", "12.00", "Infinity", "NaN", "1e3"]))
    return {
        **SUBJECT,
        "activityTitle": "An activity",
        "activityId": draw(st.sampled_from(["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"])),
        "provider": org,
        "providerAccreditor": {"name": "ACCME"},
        "credits": [{"creditType": CATEGORY_1, "amount": amount}],
        "completionDate": (FIXED_NOW - dt.timedelta(days=round(30.44 * months))).date().isoformat(),
        "topic": "Imaging",
    }, amount not in ("5.00", "8.50", "12.00")


def _noise_credential(draw: Any) -> Credential:
    family = draw(st.sampled_from([DEGREE, BOARD, CME, CME]))
    issuer = draw(st.sampled_from(ORGS))
    subject, malformed = _subject(draw, family, issuer)
    types = ["VerifiableCredential", family]
    if draw(st.integers(0, 5)) == 0:  # one signature, two families
        other = draw(st.sampled_from([t for t in (DEGREE, BOARD, CME) if t != family]))
        types.append(other)
        subject.update(_subject(draw, other, issuer)[0])
    return Credential(
        types=types,
        issuer=issuer,
        issued=_moment(draw, -900, -1),
        until=draw(st.sampled_from([None, None, _moment(draw, -30, 400)])),
        subject=subject,
        revoked_from=_revocation(draw),
        suspended_from=_revocation(draw),
        malformed=malformed,
    )


def _noise_accreditation(draw: Any) -> Accreditation:
    return Accreditation(
        org=draw(st.sampled_from(ORGS)),
        accreditor=draw(st.sampled_from(ACCREDITORS)),
        scope=draw(st.sampled_from(["cme-provider", "medical-school"])),
        status=draw(st.sampled_from(["accredited", "accredited", "provisional", "probation"])),
        start=_moment(draw, -1500, 0),
        end=_moment(draw, -30, 900),
        revoked_from=_revocation(draw),
    )


def _core(draw: Any) -> tuple[list[Credential], list[Accreditation], list[int]]:
    """An honest core that (nearly) earns an approval, then the attacks of the reviews, each at plain odds (a
    seeded Random: hypothesis favours edge values, which would withdraw most of the core).

    Returns the credentials, the accreditations and the presentation (indexes, repeats allowed).
    """
    rng = draw(st.randoms(use_true_random=True))

    def rare() -> dt.datetime | None:
        return rng.choice([FIXED_NOW, LATER]) if rng.random() < 0.04 else None

    def honest(family: str, issuer: str, days: tuple[int, int] = (-400, -1), **changes: Any) -> Credential:
        subject, _ = _subject(draw, family, issuer)
        subject.update(changes)
        issued = FIXED_NOW + dt.timedelta(days=rng.randint(*days))
        return Credential(["VerifiableCredential", family], issuer, issued, None, subject, rare(), rare(), False)

    def cme(activity: str, month: int, **changes: Any) -> Credential:
        changes.setdefault("credits", [{"creditType": CATEGORY_1, "amount": "12.00"}])
        return honest(CME, "cme-1", activityId=activity, completionDate=f"2026-0{month}-01", **changes)

    late = rng.random() < 0.2  # cme-1 accredited only 30 days ago, for activities done months before
    days = (-20, -2) if late else (-400, -1)
    credentials = [
        honest(DEGREE, "school-1", degree="MD"),
        honest(BOARD, "board-1", specialty="Diagnostic Radiology", certificationStatus="certified"),
        cme("C-1", 1, days=days),
    ]
    if rng.random() < 0.6:
        credentials.append(cme("C-3", 3, days=days))
    long_ago = FIXED_NOW - dt.timedelta(days=rng.randint(700, 1500))
    until = LATER + dt.timedelta(days=300)
    start = FIXED_NOW - dt.timedelta(days=30) if late else long_ago
    accreditations = [
        Accreditation("cme-1", "accme", "cme-provider", "accredited", start, until, rare()),
        Accreditation("school-1", "lcme", "medical-school", "accredited", long_ago, until, rare()),
    ]
    order = list(range(len(credentials)))
    if rng.random() < 0.25:  # an older copy, while the issuer may have suspended the current one
        current = rng.choice(credentials[:3])
        older = Credential(**{**current.__dict__, "issued": current.issued - dt.timedelta(days=200)})
        older.revoked_from = older.suspended_from = None
        if rng.random() < 0.6:
            current.suspended_from = FIXED_NOW
        credentials.append(older)
        order.insert(0, len(credentials) - 1)
    if rng.random() < 0.2:  # one signature, two families: a CME provider vouching for a degree or a board
        other = rng.choice([DEGREE, BOARD])
        forged = cme("C-5", 4)
        forged.types.append(other)
        forged.subject.update({k: v for k, v in credentials[0 if other == DEGREE else 1].subject.items()})
        forged.subject.update({"activityId": "C-5", "credits": forged.subject["credits"]})
        credentials.append(forged)
        order.append(len(credentials) - 1)
        order.remove(0 if other == DEGREE else 1)
    if rng.random() < 0.15:  # an amount outside the format, in a credential that names no schema
        bad = cme("C-6", 2, credits=[{"creditType": CATEGORY_1, "amount": rng.choice(["Infinity", "NaN", "1e3"])}])
        bad.malformed, bad.names_schema = True, False
        credentials.append(bad)
        order.append(len(credentials) - 1)
    if rng.random() < 0.25:  # the same CME certificate twice, or a second certificate of one activity
        if rng.random() < 0.5:
            order.append(2)
        else:
            credentials.append(cme("C-1", 1, days=days))
            order.append(len(credentials) - 1)
    return credentials, accreditations, order


@st.composite
def worlds(draw: Any) -> World:
    listed = {
        BOARD: ["board-1", *draw(st.lists(st.sampled_from(ORGS), max_size=2, unique=True))],
        DEGREE: draw(st.lists(st.sampled_from(ORGS), max_size=2, unique=True)),
        CME: draw(st.lists(st.sampled_from(ORGS), max_size=1, unique=True)),
    }
    accredited = [CME, *([DEGREE] if draw(st.booleans()) or "school-1" not in listed[DEGREE] else [])]
    scopes = {"accme": ["cme-provider"], "lcme": ["medical-school"]}
    if draw(st.booleans()):
        scopes["accme"].append("medical-school")  # one accreditor trusted for two scopes
    credentials, accreditations, order = _core(draw)
    rng = draw(st.randoms(use_true_random=True))
    for _ in range(rng.choice([0, 0, 0, 0, 1, 2, 4])):
        credentials.append(_noise_credential(draw))
        order.insert(rng.randrange(len(order) + 1), len(credentials) - 1)
    accreditations += [_noise_accreditation(draw) for _ in range(draw(st.integers(0, 4)))]
    subset = [i for i in order if rng.random() > 0.05] or order
    if rng.random() < 0.1:
        subset.insert(rng.randrange(len(subset) + 1), rng.choice(subset))  # a duplicate
    return World(listed, accredited, scopes, accreditations, credentials, subset)


# --- building the world with vcred's public API ---


class Lists:
    """Each party's revocation and suspension lists, republished as of a moment."""

    def __init__(self) -> None:
        self.fetcher = MemoryFetcher()
        self.lists: dict[tuple[str, str], StatusList] = {}
        self.marks: list[tuple[str, str, int, dt.datetime]] = []

    def entry(self, party: str, purpose: str, when: dt.datetime | None) -> dict[str, Any]:
        key = (party, purpose)
        if key not in self.lists:
            url = f"https://{party}.example/status/{purpose}"
            self.lists[key] = StatusList(url=url, purpose=purpose, issuer=DID[party])
        index = self.lists[key].allocate()
        if when is not None:
            self.marks.append((party, purpose, index, when))
        return self.lists[key].entry(index)

    def publish(self, moment: dt.datetime) -> None:
        for party, purpose, index, when in self.marks:
            if when <= moment:
                self.lists[(party, purpose)].set(index)
        for (party, _), status_list in self.lists.items():
            signed = status_list.publish(KEYS[party], now=moment, suite="eddsa-jcs-2022")
            self.fetcher.publish(status_list.url, json.dumps(signed))


def sign(document: dict[str, Any], party: str, when: dt.datetime = FIXED_NOW) -> Any:
    return vcred.issue_credential(document, KEYS[party], suite="eddsa-jcs-2022", now=when, validate=False)


def build(world: World, lists: Lists) -> tuple[list[Any], list[Any]]:
    accreditations = []
    for a in world.accreditations:
        accreditations.append(
            sign(
                {
                    "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/vcred/v1"],
                    "type": ["VerifiableCredential", "AccreditationCredential"],
                    "issuer": DID[a.accreditor],
                    "validFrom": stamp(a.start),
                    "validUntil": stamp(a.end),
                    "credentialSubject": {
                        "id": DID[a.org],
                        "name": a.org,
                        "accreditationScope": a.scope,
                        "accreditationStatus": a.status,
                    },
                    "credentialStatus": lists.entry(a.accreditor, "revocation", a.revoked_from),
                },
                a.accreditor,
            )
        )
    for number, c in enumerate(world.credentials):
        family = c.types[1]
        document = {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/vcred/v1"],
            "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
            "type": c.types,
            "issuer": DID[c.issuer],
            "validFrom": stamp(c.issued),
            "credentialSubject": c.subject,
            "credentialSchema": {
                "id": f"https://w3id.org/vcred/schemas/{SCHEMA[family]}/v1.json",
                "type": "JsonSchema",
            },
            "credentialStatus": [
                lists.entry(c.issuer, "revocation", c.revoked_from),
                lists.entry(c.issuer, "suspension", c.suspended_from),
            ],
        }
        if c.names_schema:
            document["credentialSchema"] = {"id": f"{SCHEMA_BASE}{SCHEMA[family]}/v1.json", "type": "JsonSchema"}
        if c.until is not None:
            document["validUntil"] = stamp(c.until)
        c.signed = sign(document, c.issuer, c.issued)  # issued then: its proof says so, and the registry reads that
    return accreditations, [world.credentials[i].signed for i in world.order]


def registry_document(world: World) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [
        {"credentialType": t, "issuers": [{"did": DID[o], "name": o} for o in issuers]}
        for t, issuers in world.listed.items()
        if issuers
    ]
    rules += [{"credentialType": t, "accreditedBy": {"scope": SCOPE[t]}} for t in world.accredited]
    return {
        "id": "https://credentialing.worlds.example/registry",
        "version": 1,
        "name": "worlds",
        "accreditors": [{"did": DID[a], "name": a, "scopes": s} for a, s in world.scopes.items()],
        "rules": rules,
    }


# --- the oracle: what an approval must rest on, from the world's ground truth ---


def _active(when: dt.datetime | None, moment: dt.datetime) -> bool:
    return when is not None and when <= moment


def _accreditation_vouches(a: Accreditation, world: World, c: Credential, scope: str, moment: dt.datetime) -> bool:
    if a.org != c.issuer or a.scope != scope or scope not in world.scopes.get(a.accreditor, []):
        return False
    if a.status not in ("accredited", "provisional") or _active(a.revoked_from, moment) or a.end < moment:
        return False
    if not a.start <= c.issued <= a.end:
        return False
    if CME in c.types:
        done = dt.date.fromisoformat(c.subject["completionDate"])
        return a.start.date() <= done <= a.end.date()
    return True


def trusted(world: World, c: Credential, family: str, moment: dt.datetime) -> bool:
    if c.issuer in world.listed.get(family, []):
        return True
    return family in world.accredited and any(
        _accreditation_vouches(a, world, c, SCOPE[family], moment) for a in world.accreditations
    )


def usable(world: World, c: Credential, family: str, moment: dt.datetime) -> bool:
    if c.types != ["VerifiableCredential", family] or c.malformed:
        return False
    if (c.until is not None and c.until < moment) or _active(c.revoked_from, moment):
        return False
    if _active(c.suspended_from, moment) or not trusted(world, c, family, moment):
        return False
    presented = {id(world.credentials[i]) for i in world.order}
    withdrawn_newer = [
        d
        for d in world.credentials
        if id(d) in presented
        and family in d.types
        and d.issuer == c.issuer
        and d.issued > c.issued
        and (_active(d.revoked_from, moment) or _active(d.suspended_from, moment))
    ]
    return not withdrawn_newer


def deserved(world: World, moment: dt.datetime) -> bool:
    presented = [world.credentials[i] for i in dict.fromkeys(world.order)]
    degree = any(usable(world, c, DEGREE, moment) and c.subject["degree"] in ("MD", "DO") for c in presented)
    board = any(
        usable(world, c, BOARD, moment)
        and c.subject["specialty"] == "Diagnostic Radiology"
        and c.subject["certificationStatus"] == "certified"
        for c in presented
    )
    window = (moment - dt.timedelta(days=round(30.44 * 24))).date()
    best: dict[str, Decimal] = {}  # per activity, the most any qualifying certificate awards (an upper bound)
    for c in presented:
        done = dt.date.fromisoformat(c.subject["completionDate"]) if CME in c.types else None
        if done is not None and usable(world, c, CME, moment) and window <= done <= moment.date():
            amount = Decimal(c.subject["credits"][0]["amount"])
            best[c.subject["activityId"]] = max(best.get(c.subject["activityId"], Decimal(0)), amount)
    return degree and board and sum(best.values(), Decimal(0)) >= MINIMUM


# --- the other direction: vcred refuses a deserved decision only under one of its documented stricter rules ---


def _clean(world: World, c: Credential, moment: dt.datetime) -> bool:
    """Ground truth: the credential verifies, names one family, is trusted for it and current."""
    return len(c.types) == 2 and usable(world, c, c.types[1], moment)


def _latest_statements_fall_short(world: World, presented: list[Credential], moment: dt.datetime) -> bool:
    """The issuer's newest statement decides (evaluate's rule; the oracle above takes any qualifying one)."""
    boards = [c for c in presented if c.types[1:] == [BOARD] and c.subject["specialty"] == "Diagnostic Radiology"]
    if boards and max(boards, key=lambda c: c.issued).subject["certificationStatus"] != "certified":
        return True
    window = (moment - dt.timedelta(days=round(30.44 * 24))).date()
    newest: dict[str, Credential] = {}
    for c in presented:
        if c.types[1:] == [CME] and (
            c.subject["activityId"] not in newest or c.issued > newest[c.subject["activityId"]].issued
        ):
            newest[c.subject["activityId"]] = c
    total = sum(
        (
            Decimal(c.subject["credits"][0]["amount"])
            for c in newest.values()
            if window <= dt.date.fromisoformat(c.subject["completionDate"]) <= moment.date()
        ),
        Decimal(0),
    )
    return total < MINIMUM


def stricter_rule_applies(world: World, moment: dt.datetime) -> bool:
    """A duplicate in the presentation, a presented credential that cannot be relied on (it blocks the decision
    rather than being skipped), or an issuer's newest statement that does not meet the rule."""
    if len(set(world.order)) != len(world.order):
        return True
    presented = [world.credentials[i] for i in dict.fromkeys(world.order)]
    if not all(_clean(world, c, moment) for c in presented):
        return True
    return _latest_statements_fall_short(world, presented, moment)


@settings(max_examples=WORLDS, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(worlds())
def test_an_approval_rests_on_credentials_that_deserve_it(world: World) -> None:
    lists = Lists()
    accreditations, signed = build(world, lists)
    lists.publish(FIXED_NOW)
    cache = StatusListCache()

    def verify(credential: Any, now: dt.datetime = FIXED_NOW) -> Any:
        return vcred.verify_credential(
            credential, now=now, status_fetcher=lists.fetcher, options=VerifyOptions(status_cache=cache)
        )

    # one registry for both decisions, as an office keeps it; its verifier sees each republished list
    registry = TrustRegistry(registry_document(world), accreditations=accreditations, verify=verify)
    for moment in (FIXED_NOW, LATER):
        if moment is LATER:
            lists.publish(LATER)
            cache.clear()
        decision = decide_with(world, registry, signed, moment, lists)
        should = deserved(world, moment)
        count("policy decisions", "worlds decided")
        count("policy decisions", "approved" if decision.approved else "refused")
        if should and not decision.approved:
            count("policy decisions", "refused though the oracle would allow (a stricter rule applied)")
            assert stricter_rule_applies(world, moment), (
                f"refused at {moment} though deserved and no stricter rule applies: "
                f"{decision.presentation_problems} {[r.reason for r in decision.requirements]}"
            )
        assert not decision.approved or should, (
            f"approved at {moment} without deserving it: {[r.reason for r in decision.requirements]}"
        )


def decide_with(world: World, registry: TrustRegistry, signed: list[Any], moment: dt.datetime, lists: Lists) -> Any:
    options = VerifyOptions(status_cache=StatusListCache())
    vp = vcred.create_presentation(
        signed, HOLDER, challenge=CHALLENGE, domain=DOMAIN, expires=dt.timedelta(hours=1), now=moment
    )
    report = vcred.verify_presentation(
        vp,
        challenge=CHALLENGE,
        domain=DOMAIN,
        now=moment,
        trust=registry,
        status_fetcher=lists.fetcher,
        options=options,
    )
    assert not any(c.id.endswith(".internal") for r in [report, *report.credentials] for c in r.checks)
    return evaluate(report, POLICY_UNDER_TEST, now=moment)
