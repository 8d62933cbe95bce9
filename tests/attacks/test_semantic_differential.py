"""Semantic differential fuzzing: rewrites that keep a credential's RDF graph must not change any check or decision.

An eddsa-rdfc-2022 signature covers a graph, and JSON-LD offers many JSON spellings of one graph: expanded IRIs,
compact IRIs, inline aliases, ``@vocab``, scoped contexts, ``@type`` aliases, ``@included``, ``@graph``,
``@reverse``, ``@nest``, value objects, single values or arrays. A seeded engine applies one to three of them to a
signed credential, keeps only rewrites that provably leave the canonical graph unchanged (so the signature still
verifies), puts the result in a presentation and asserts the property: either verification fails, or every check
of that credential and every outcome of the credentialing decision are exactly what the original gave.
"""

from __future__ import annotations

import copy
import datetime as dt
import random

import pytest
from support_attacks import FULL, count

import vcred
from vcred.errors import VcredError
from vcred.examples import ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.jsonld.canon import canonize_rdfc
from vcred.jsonld.closed_world import key_meanings
from vcred.jsonld.loader import default_loader
from vcred.office import TrustRegistry, evaluate
from vcred.testing import FIXED_NOW, insecure_seeded_key

KEYS = {role: insecure_seeded_key(f"semantic {role}") for role in ISSUER_ROLES}
ISSUERS = {role: key.public_key.did_key for role, key in KEYS.items()}
ROLE = {did: role for role, did in ISSUERS.items()}
HOLDER = insecure_seeded_key("semantic holder")
CHALLENGE, DOMAIN = "n-semantic", "credentialing.example"
LOADER = default_loader()
CRED = "https://www.w3.org/2018/credentials#"
VOCAB = "https://w3id.org/vcred/vocab#"
TRIALS = 1500 if FULL else 60
FORM = "semantic differential (eddsa-rdfc-2022)"


def sign(credential):
    return vcred.issue_credential(credential, KEYS[ROLE[credential["issuer"]]], now=FIXED_NOW, validate=False)


SIGNED = [sign(c) for c in radiologist_credentials(ISSUERS, HOLDER.public_key.did_key, now=FIXED_NOW)]
ACCREDITATIONS = [sign(c) for c in accreditation_credentials(ISSUERS, now=FIXED_NOW)]


def registry():
    verify = lambda c, now: vcred.verify_credential(c, now=now)  # noqa: E731
    return TrustRegistry(trust_registry(ISSUERS), accreditations=ACCREDITATIONS, verify=verify)


REGISTRY = registry()


def decide(credentials):
    vp = vcred.create_presentation(
        credentials,
        HOLDER,
        challenge=CHALLENGE,
        domain=DOMAIN,
        suite="eddsa-jcs-2022",
        expires=dt.timedelta(hours=1),
        now=FIXED_NOW,
    )
    report = vcred.verify_presentation(vp, challenge=CHALLENGE, domain=DOMAIN, now=FIXED_NOW, trust=REGISTRY)
    return report, evaluate(report, POLICY, now=FIXED_NOW)


def outcomes(report, decision, index):
    checks = sorted((c.id, c.status.value, c.code) for c in report.credentials[index].checks)
    requirements = sorted((r.id, str(r.outcome), r.reason) for r in decision.requirements)
    return report.verified, checks, decision.approved, requirements


def graph(document):
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return canonize_rdfc(unsecured, loader=LOADER, backend="pyld")


# -- graph-preserving rewrites ---------------------------------------------------------------------------------------
def _node_at(document, pointer):
    parts = pointer.strip("/").split("/")
    node = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, parts[-1]


def _keys(document, rng, *, scalar=False):
    meanings = key_meanings(document, loader=LOADER)
    paths = [p for p in meanings if not p.startswith("/proof") and "~" not in p]
    if scalar:
        paths = [p for p in paths if isinstance(_node_at(document, p)[0].get(_node_at(document, p)[1]), str)]
    if not paths:
        return None
    path = rng.choice(sorted(paths))
    return path, meanings[path]


def expand_key(doc, rng):
    found = _keys(doc, rng)
    if not found:
        return None
    path, (iri, coercion) = found
    parent, key = _node_at(doc, path)
    value = parent.pop(key)
    if isinstance(value, str) and coercion == "@id":
        value = {"@id": value}
    elif isinstance(value, str) and isinstance(coercion, str) and not coercion.startswith("@"):
        value = {"@value": value, "@type": coercion}
    parent[iri] = value
    return doc


def value_object(doc, rng):
    found = _keys(doc, rng, scalar=True)
    if not found:
        return None
    path, (_iri, coercion) = found
    parent, key = _node_at(doc, path)
    if coercion in ("@id", "@vocab", "@json"):
        return None
    parent[key] = {"@value": parent[key], **({"@type": coercion} if coercion else {})}
    return doc


def toggle_array(doc, rng):
    found = _keys(doc, rng)
    if not found:
        return None
    parent, key = _node_at(doc, found[0])
    value = parent[key]
    parent[key] = value[0] if isinstance(value, list) and len(value) == 1 else [value]
    return doc


def keyword_id_type(doc, rng):
    name = rng.choice(["id", "type"])
    doc["@" + name] = doc.pop(name)
    return doc


def graph_wrap(doc, rng):
    proof = doc.pop("proof")
    context = doc.pop("@context")
    return {"@context": context, "@graph": [doc], "proof": proof}


def included(doc, rng):
    subject = doc["credentialSubject"]
    doc["credentialSubject"] = subject["id"]
    doc["@included"] = [subject]
    return doc


def reverse(doc, rng):
    subject = doc.pop("credentialSubject")
    subject["@reverse"] = {CRED + "credentialSubject": {"@id": doc["id"]}}
    doc["@included"] = [subject]
    return doc


def inline_alias(doc, rng):
    found = _keys(doc, rng)
    if not found:
        return None
    path, (iri, coercion) = found
    parent, key = _node_at(doc, path)
    definition = {"@id": iri, **({"@type": coercion} if coercion else {})}
    doc["@context"] = [*doc["@context"], {"alias": definition}]
    parent["alias"] = parent.pop(key)
    return doc


def vocab(doc, rng):
    """vcred's terms through ``@vocab`` instead of the vcred context, their type coercions written out."""
    meanings = key_meanings(doc, loader=LOADER)
    for path in sorted(meanings, key=len, reverse=True):
        iri, coercion = meanings[path]
        parent, key = _node_at(doc, path)
        if not iri.startswith(VOCAB) or not isinstance(parent.get(key), str):
            continue
        if coercion == "@id":
            parent[key] = {"@id": parent[key]}
        elif isinstance(coercion, str) and not coercion.startswith("@"):
            parent[key] = {"@value": parent[key], "@type": coercion}
    doc["@context"] = [c for c in doc["@context"] if c != "https://w3id.org/vcred/v1"] + [{"@vocab": VOCAB}]
    return doc


def compact_iri(doc, rng):
    subject = doc["credentialSubject"]
    keys = [k for k in subject if k not in ("id", "type", "name")]
    if not keys:
        return None
    key = rng.choice(sorted(keys))
    doc["@context"] = [*doc["@context"], {"vv": VOCAB}]
    subject["vv:" + key] = subject.pop(key)
    return doc


def nest(doc, rng):
    subject = doc["credentialSubject"]
    keys = [k for k in subject if k not in ("id", "type")]
    key = rng.choice(sorted(keys))
    doc["@context"] = [*doc["@context"], {"nested": "@nest"}]
    subject["nested"] = {key: subject.pop(key)}
    return doc


def type_alias(doc, rng):
    doc["@context"] = [*doc["@context"], {"kind": "@type"}]
    doc["kind"] = doc.pop("type")
    return doc


def scoped_context(doc, rng):
    doc["credentialSubject"]["@context"] = ["https://w3id.org/vcred/v1"]
    return doc


def empty_array(doc, rng):
    doc["evidence"] = []
    return doc


def shuffle_types(doc, rng):
    types = list(doc["type"])
    rng.shuffle(types)
    doc["type"] = types + ([types[0]] if rng.random() < 0.5 else [])
    return doc


REWRITES = [
    expand_key,
    value_object,
    toggle_array,
    keyword_id_type,
    graph_wrap,
    included,
    reverse,
    inline_alias,
    vocab,
    compact_iri,
    nest,
    type_alias,
    scoped_context,
    empty_array,
    shuffle_types,
]


def rewrite(document, rng):
    doc = copy.deepcopy(document)
    applied = []
    for fn in rng.sample(REWRITES, rng.randint(1, 3)):
        try:
            result = fn(doc, rng)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError, VcredError):
            result = None  # this rewrite does not apply to what earlier ones made
        if result is not None:
            doc = result
            applied.append(fn.__name__)
    return doc, applied


def test_same_graph_same_checks_same_decision():
    baseline_report, baseline_decision = decide(SIGNED)
    assert baseline_report.verified and baseline_decision.approved, baseline_decision
    baselines = [outcomes(baseline_report, baseline_decision, i) for i in range(len(SIGNED))]
    originals = [graph(c) for c in SIGNED]
    rng = random.Random(20261129)
    seen = accepted = 0
    for _ in range(TRIALS):
        index = rng.randrange(len(SIGNED))
        rewritten, applied = rewrite(SIGNED[index], rng)
        if not applied:
            continue
        count(FORM, "rewrites tried")
        try:
            same = graph(rewritten) == originals[index]
        except VcredError:
            same = False
        if not same:
            count(FORM, "graph changed (not a same-graph rewrite)")
            continue
        seen += 1
        credentials = [*SIGNED[:index], rewritten, *SIGNED[index + 1 :]]
        report, decision = decide(credentials)
        if not report.verified:
            assert not decision.approved, f"approved a failed presentation after {applied}"
            count(FORM, "same graph, refused")
            continue
        assert outcomes(report, decision, index) == baselines[index], f"outcome changed after {applied}"
        count(FORM, "same graph, accepted with every check and the decision unchanged")
        accepted += 1
    assert seen >= TRIALS // 4, "too few same-graph rewrites to prove anything"
    assert accepted, "no same-graph rewrite was accepted: the unchanged-outcome property was never exercised"


@pytest.mark.parametrize("rewrite_fn", REWRITES, ids=[fn.__name__ for fn in REWRITES])
def test_each_rewrite_keeps_the_graph_on_some_credential(rewrite_fn):
    """The engine is honest: every rewrite kind yields a same-graph document somewhere (else it tests nothing)."""
    rng = random.Random(rewrite_fn.__name__)
    for original in SIGNED * 3:
        try:
            result = rewrite_fn(copy.deepcopy(original), rng)
            if result is not None and graph(result) == graph(original):
                return
        except (KeyError, IndexError, TypeError, AttributeError, ValueError, VcredError):
            continue
    pytest.fail(f"{rewrite_fn.__name__} never kept the graph")
