"""What the launch buttons start: Binder's environment and preset, no placeholder JupyterHub, and base
dependencies that admit what Colab ships."""

import json
import os
import subprocess
import tomllib
from pathlib import Path

import yaml

BINDER = Path("binder")


def test_no_placeholder_jupyterhub_button():
    hub = yaml.safe_load(Path("_config.yml").read_text())["launch_buttons"].get("jupyterhub_url", "")
    assert "example" not in hub


def test_binder_installs_the_package_with_a_cpu_torch():
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    assert "-e .[book]" in lines
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines


def test_binder_starts_at_the_smoke_preset_unless_told_otherwise():
    environment = {key: value for key, value in os.environ.items() if key != "XAIAUDIO_PRESET"}
    command = [str(BINDER / "start"), "sh", "-c", "echo $XAIAUDIO_PRESET"]
    assert subprocess.run(command, env=environment, capture_output=True, text=True).stdout.strip() == "smoke"
    environment["XAIAUDIO_PRESET"] = "book"
    assert subprocess.run(command, env=environment, capture_output=True, text=True).stdout.strip() == "book"


def test_binder_opens_markdown_chapters_as_notebooks(tmp_path):
    subprocess.run([str(BINDER / "postBuild")], env={**os.environ, "HOME": str(tmp_path)}, check=True)
    written = tmp_path / ".jupyter" / "labconfig" / "default_setting_overrides.json"
    viewers = json.loads(written.read_text())["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == "Jupytext Notebook"


def test_base_dependencies_admit_what_colab_ships():
    """Colab's ipywidgets 7.7.1 (the explorer works on it: tests/test_widgets.py) and its CUDA torch: an
    upgrade there has broken widgets before, and the install cell keeps torch as installed."""
    from packaging.requirements import Requirement

    dependencies = tomllib.loads(Path("pyproject.toml").read_text())["project"]["dependencies"]
    ranges = {requirement.name: requirement.specifier for requirement in map(Requirement, dependencies)}
    assert ranges["ipywidgets"].contains("7.7.1")
    assert ranges["torch"].contains("2.6.0+cu124")
