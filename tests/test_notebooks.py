"""Every notebook in notebooks/ runs top to bottom without errors (outputs are not compared)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("VCRED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    # the kernel talks to this process only: over local sockets (no TCP port, so no "TCP without encryption" warning)
    local = {"transport": "tcp"} if sys.platform == "win32" else {"transport": "ipc", "ip": str(tmp_path / "kernel")}
    client = NotebookClient(
        notebook,
        km=AsyncKernelManager(kernel_name="python3", **local),
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    assert "without encryption" not in capfd.readouterr().err  # no warning a user cannot act on
