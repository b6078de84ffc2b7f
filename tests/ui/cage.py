"""Start the kiosk under ``cage`` (headless wlroots) as an unprivileged user, for real.

cage refuses to run as root, so the session runs as the system user ``kite-cage``
(made on first use) through ``runuser``, with its own ``XDG_RUNTIME_DIR`` (0700).
That user must be able to read the Python it runs: the test venv's own interpreter
when it can (CI's venv is made from Debian's ``/usr/bin/python3``), otherwise a
throwaway venv made from ``/usr/bin/python3`` that reads the test venv's
site-packages (a venv built from a Python under root's home, as on a developer's
machine, cannot be read by another user).

The output is rotated twice (``cage -r -r``: 180 degrees, still 1280x720; ``grim``
turns its image upright). Reason: a window exactly the output's size is otherwise
scanned out directly, and cage 0.1.4's screen capture on the headless backend
then returns the last composited frame (black, or a stale one) instead of the
window. A rotated output is always composited, so the screenshot is what the
compositor shows. The decoration flag ``-d`` of the kiosk unit is left off on
purpose: the window has no title bar because the app asks for none.

``python -m tests.ui.cage DIR`` runs the session once and keeps its screenshots
in ``DIR`` (how ``docs/screenshots/cage-*.png`` are made).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

USER = "kite-cage"
REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")
SESSION_TIMEOUT_S = 90


class CageUnavailable(RuntimeError):
    """This machine cannot run the session; the message says what is missing."""


def check_machine() -> None:
    if os.geteuid() != 0:
        raise CageUnavailable(
            "the cage session test needs root (it adds the user kite-cage and starts cage "
            "as that user with runuser); run it as root, as CI does"
        )
    missing = [tool for tool in ("cage", "grim", "runuser", "useradd") if not shutil.which(tool)]
    if missing:
        raise CageUnavailable(
            f"missing {', '.join(missing)}: install the Debian packages cage, xwayland, grim "
            "and libwayland-cursor0 (bash .ci/setup does)"
        )


def ensure_user() -> None:
    if subprocess.run(["id", "-u", USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            check=True,
        )


def as_user(*command: str | Path, env: dict[str, str], cwd: Path, timeout: float) -> Any:
    return subprocess.run(
        ["runuser", "-u", USER, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _user_reads(*paths: str | Path) -> bool:
    """Whether the unprivileged user can read every one of ``paths`` (and reach it)."""
    return all(
        subprocess.run(["runuser", "-u", USER, "--", "test", "-r", str(p)]).returncode == 0
        for p in paths
    )


def _probe(python: Path, source: Path, base: Path) -> str:
    """'' when the user can run ``python`` and import the app with it; else the error."""
    probe = "import PySide6.QtWidgets, ui.lockdown, tests.unit.conftest"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(base), "PYTHONPATH": str(source)}
    done = as_user(python, "-B", "-c", probe, env=env, cwd=base, timeout=60)
    return "" if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


def _copy_tree(source: Path, target: Path) -> None:
    """Hard links where the file system allows (fast, same permissions), else a copy."""
    if subprocess.run(["cp", "-al", source, target], capture_output=True).returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(["cp", "-a", source, target], check=True)


def _readable_source(base: Path) -> Path:
    """The checkout, or (when the user cannot read it, e.g. under /root) a copy of its code."""
    if _user_reads(REPO / "ui" / "__init__.py", REPO / "assets"):
        return REPO
    staged = base / "src"
    staged.mkdir()
    for package in ("kiosk", "sync", "ui", "tests", "assets"):
        shutil.copytree(
            REPO / package, staged / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return staged


def _throwaway_venv(base: Path) -> Path:
    """A venv from Debian's Python that reads the test venv's packages (or a copy of them)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    if not SYSTEM_PYTHON.exists():
        raise CageUnavailable(f"{USER} cannot run {sys.executable} and there is no {SYSTEM_PYTHON}")
    venv = base / "venv"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", venv], check=True)
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found or not found[0].parent.name.endswith(version):
        raise CageUnavailable(f"{SYSTEM_PYTHON} is not Python {version}, as the test venv is")
    shared = [
        Path(p) for p in dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    ]
    readable = []
    for number, folder in enumerate(shared):
        if not _user_reads(folder / "PySide6" / "__init__.py") and (folder / "PySide6").exists():
            copy = base / f"site-packages-{number}"
            _copy_tree(folder, copy)
            folder = copy
        readable.append(folder)
    lines = "".join(f"import site; site.addsitedir({str(p)!r})\n" for p in readable)
    (found[0] / "kite-test-venv.pth").write_text(lines)
    return venv / "bin" / "python"


def user_python(base: Path) -> tuple[Path, Path]:
    """A Python the unprivileged user can run with the app's dependencies, and the code's root."""
    source = _readable_source(base)
    python = Path(sys.executable)
    if _probe(python, source, base):
        python = _throwaway_venv(base)
        why = _probe(python, source, base)
        if why:
            raise CageUnavailable(f"{USER} cannot import the app or its dependencies: {why}")
    return python, source


def run_session(keep: Path | None = None) -> dict[str, Any]:
    """Run the session once; its results, with ``dir`` the folder of its screenshots."""
    check_machine()
    ensure_user()
    base = Path(tempfile.mkdtemp(prefix="kite-cage-"))
    base.chmod(0o755)
    runtime, out = base / "run", base / "out"
    for folder, mode in ((runtime, 0o700), (out, 0o755)):
        folder.mkdir(mode=mode)
        shutil.chown(folder, USER, USER)
    python, source = user_python(base)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(out),
        "TMPDIR": str(out),
        "XDG_RUNTIME_DIR": str(runtime),
        "WLR_BACKENDS": "headless",
        "WLR_RENDERER": "pixman",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "QT_QPA_PLATFORM": "wayland",
        "PYTHONPATH": str(source),
    }
    command = ("cage", "-r", "-r", "--", python, "-B", "-m", "tests.ui.cage_session", out)
    done = as_user(*command, env=env, cwd=base, timeout=SESSION_TIMEOUT_S)
    results_file = out / "results.json"
    if done.returncode != 0 or not results_file.exists():
        raise AssertionError(f"the cage session failed (exit {done.returncode}):\n{done.stderr}")
    results: dict[str, Any] = json.loads(results_file.read_text())
    results["dir"] = str(out)
    results["log"] = done.stderr
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        for step in results["steps"]:
            shutil.copyfile(out / f"{step['name']}.png", keep / f"cage-{step['name']}.png")
    return results


if __name__ == "__main__":
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    outcome = run_session(where)
    print(f"{len(outcome['steps'])} screenshots in {where}")
