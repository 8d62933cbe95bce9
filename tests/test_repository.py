"""What a fresh clone holds besides code: the license text, and installs and notebook runs free of noise."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the canonical text
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def test_the_license_file_is_the_canonical_apache_2_text_pyproject_declares():
    assert tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["license"] == "Apache-2.0"
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_SHA256


def test_make_hides_the_editable_install_notice_nobody_can_act_on():
    install = [
        line for line in (ROOT / "Makefile").read_text("utf-8").splitlines() if "pip install" in line and "-e" in line
    ]
    assert install and all('-W "ignore:Editable installation:UserWarning"' in line for line in install)
