"""pyproject.toml, environment.yml and constraints.txt describe the same environment."""

import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse(requirements) -> dict[str, str]:
    parsed = {}
    for req in requirements:
        name, spec = REQUIREMENT.match(req).groups()
        parsed[_normalise(name)] = spec.replace(" ", "")
    return parsed


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return _parse(reqs)


def conda_requirements() -> tuple[dict[str, str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return _parse(d for d in conda if not d.startswith(("python=", "pip"))), pip


def constraints() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith("#")]
    return {_normalise(name): version for name, version in (p.split("==") for p in pins)}


def test_environment_yml_lists_exactly_the_pyproject_requirements():
    conda, _ = conda_requirements()
    assert conda == pyproject_requirements()


def test_environment_yml_installs_rnnlab_itself_editable():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    _, pip = conda_requirements()
    assert pip == ["-e ."]
    assert "conda-forge" in env["channels"]
    assert "python=3.11" in env["dependencies"]


def test_constraints_pin_every_requirement_compatibly():
    pins = constraints()
    for name, spec in pyproject_requirements().items():
        assert name in pins, f"constraints.txt does not pin {name}"
        lower = re.fullmatch(r">=([\d.]+)", spec)
        if lower:
            pinned = tuple(int(p) for p in re.findall(r"\d+", pins[name])[:3])
            minimum = tuple(int(p) for p in lower.group(1).split("."))
            assert pinned >= minimum, f"{name}=={pins[name]} violates {spec}"


def test_outputs_that_change_notebook_text_are_pinned():
    pins = constraints()
    for name in ("numpy", "matplotlib", "ipykernel", "nbgrader"):
        assert re.fullmatch(r"\d+(\.\d+)+", pins[name]), name
