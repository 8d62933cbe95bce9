"""The JSON Schemas exist twice: bundled in the package (the source of truth) and at the repository's top level."""

from __future__ import annotations

from vcred.model.families import generate


def test_the_repository_schemas_are_the_bundled_schemas_byte_for_byte():
    bundled = {p.name: p.read_bytes() for p in generate.PACKAGE_SCHEMAS_DIR.glob("*.json")}
    top_level = {p.name: p.read_bytes() for p in generate.SCHEMAS_DIR.glob("*.json")}
    assert bundled, "no bundled schemas"
    assert sorted(top_level) == sorted(bundled)
    assert [name for name in bundled if bundled[name] != top_level[name]] == []


def test_the_generator_checks_both_copies(tmp_path, monkeypatch):
    copy = tmp_path / "schemas"
    copy.mkdir()
    for path in generate.PACKAGE_SCHEMAS_DIR.glob("*.json"):
        (copy / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(generate, "SCHEMAS_DIR", copy)
    assert generate.main(["--check"]) == 0
    (copy / "cme-credential.json").write_text("{}\n")
    (copy / "left-over.json").write_text("{}\n")
    assert generate.main(["--check"]) == 1
