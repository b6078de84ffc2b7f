"""kite-update end to end, as root runs it: real archives, signatures, links and stores.

Each test lays out a terminal in a temporary folder (release 1.0.0 current, a real
Kite store at the current schema), then runs ``kite-update`` as a subprocess
against fake releases (tests/update/fake_release.py) that the updater starts and
waits for, as it would the real bundle.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.store import cipher, open_store
from kiosk.store.checks import inspect
from sync.update import signing
from sync.update.cli import main
from sync.update.releases import Layout
from tests import sealed
from tests.update.fake_release import make_bundle

REPO = Path(__file__).resolve().parents[2]


def kite_update(*args: str) -> subprocess.CompletedProcess[str]:
    """``kite-update ARGS`` in this process (the releases it tries are still subprocesses)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(["kite-update", *args], code, out.getvalue(), err.getvalue())


def kite_update_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``kite-update ARGS`` as its own process, as IT runs it."""
    return subprocess.run(
        [sys.executable, "-m", "sync.update.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@dataclass
class Shelf:
    """Release archives packed once per module by ``kite-update pack``, copied per test."""

    folder: Path
    key: Path

    def get(self, version: str, behaviour: str, key: Path | None) -> Path:
        out = self.folder / f"{behaviour}-{(key or self.key).stem}"
        archive = out / f"kite-{version}.tar.gz"
        if not archive.exists():
            bundle = make_bundle(out / "build" / version, version, behaviour)
            packed = kite_update(
                "pack", "--bundle", str(bundle), "--version", version,
                "--key", str(key or self.key), "--out", str(out),
            )  # fmt: skip
            assert packed.returncode == 0, packed.stderr
            assert packed.stdout.splitlines() == [str(archive), f"{archive}.sig"]
        return archive


@dataclass
class Terminal:
    root: Path
    config: Path
    key: Path
    database: Path
    shelf: Shelf

    @property
    def layout(self) -> Layout:
        return Layout(self.root / "opt" / "kite")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return kite_update(*args)

    def release(self, version: str, behaviour: str = "good", key: Path | None = None) -> Path:
        """This test's copy of a signed release archive of a fake bundle (and its .sig)."""
        packed = self.shelf.get(version, behaviour, key)
        out = self.root / "out"
        out.mkdir(exist_ok=True)
        shutil.copy(packed, out / packed.name)
        shutil.copy(f"{packed}.sig", out / f"{packed.name}.sig")
        return out / packed.name

    def install(self, archive: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("install", "--config", str(self.config), str(archive), *extra)

    def tables(self) -> set[str]:
        key = None if cipher.is_plain(self.database) else sealed.keyring_of(self.root).store_key()
        with closing(cipher.connect(self.database, key)) as db:
            return {row[0] for row in db.execute("SELECT name FROM sqlite_master")}


def tree(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` with its link target or content: what 'nothing changed' means."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(folder))] = "-> " + os.readlink(path)
        elif path.is_file():
            found[str(path.relative_to(folder))] = path.read_bytes().hex()
    return found


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One key pair for the module, made by ``kite-update keygen``: (private key, public)."""
    key = tmp_path_factory.mktemp("key") / "signing.pem"
    keygen = kite_update_process("keygen", str(key))
    assert keygen.returncode == 0, keygen.stderr
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    return key, keygen.stdout.strip().rsplit(" ", 1)[-1]


@pytest.fixture(scope="module")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Kite store at the shipped schema, copied into each test's terminal."""
    path = tmp_path_factory.mktemp("store") / "kite.db"
    open_store(path).close()
    return path


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory, signing_key: tuple[Path, str]) -> Shelf:
    return Shelf(tmp_path_factory.mktemp("releases"), signing_key[0])


@pytest.fixture
def terminal(
    tmp_path: Path, signing_key: tuple[Path, str], store_template: Path, shelf: Shelf
) -> Terminal:
    root = tmp_path
    key, public = signing_key
    data = root / "var" / "lib" / "kite"
    data.mkdir(parents=True, mode=0o700)
    kite_config = root / "etc" / "kite.toml"
    kite_config.parent.mkdir()
    kite_config.write_text(
        f'data_dir = "{data}"\nserver_url = "http://127.0.0.1:9"\nfacility_id = "test"\n'
    )
    config = root / "etc" / "update.toml"
    config.write_text(
        f'public_key = "{public}"\nready_timeout = 3\n'
        f'install_dir = "{root / "opt" / "kite"}"\nstate_dir = "{root / "state"}"\n'
        f'kite_config = "{kite_config}"\nrun_as = ""\nservice = ""\n'
    )
    config.chmod(0o644)
    installed = Terminal(root, config, key, data / "kite.db", shelf)
    make_bundle(installed.layout.releases / "1.0.0", "1.0.0")
    installed.layout.switch("current", "1.0.0")
    shutil.copy(store_template, installed.database)
    return installed


def test_a_signed_update_installs_beside_the_old_one_and_switches(terminal: Terminal) -> None:
    archive = terminal.release("2.0.0")

    result = kite_update_process("install", "--config", str(terminal.config), str(archive))

    assert result.returncode == 0, result.stderr
    assert "updated 1.0.0 -> 2.0.0" in result.stdout
    assert os.readlink(terminal.layout.link("current")) == "releases/2.0.0"
    assert terminal.layout.version_of("previous") == "1.0.0"
    assert (terminal.layout.releases / "1.0.0" / "kite").is_file()  # kept for a rollback
    assert (terminal.layout.releases / "2.0.0" / "kite-admin").resolve().name == "kite"
    assert "migrated_by_2_0_0" in terminal.tables()
    status = terminal.run("status", "--config", str(terminal.config))
    assert status.stdout.splitlines()[:2] == ["current:   2.0.0", "previous:  1.0.0"]


def test_a_bad_signature_is_refused_and_nothing_changes(terminal: Terminal) -> None:
    archive = terminal.release("2.0.0")
    with archive.open("ab") as handle:
        handle.write(b"\0")  # altered after signing
    before = tree(terminal.root / "opt"), terminal.database.read_bytes()

    result = terminal.install(archive)

    assert result.returncode == 1
    assert "does not match" in result.stderr
    assert "the release was refused and nothing was changed" in result.stderr
    assert (tree(terminal.root / "opt"), terminal.database.read_bytes()) == before
    assert not (terminal.root / "state").exists()


def test_a_release_signed_with_another_key_is_refused(terminal: Terminal) -> None:
    other = terminal.shelf.folder / "other.pem"
    if not other.exists():
        assert terminal.run("keygen", str(other)).returncode == 0
    archive = terminal.release("2.0.0", key=other)
    before = tree(terminal.root / "opt")

    result = terminal.install(archive)

    assert result.returncode == 1
    assert "signed with another key" in result.stderr
    assert tree(terminal.root / "opt") == before


@pytest.mark.parametrize(
    ("behaviour", "why"),
    [
        ("never-ready", "did not report READY within 3 s; its output ends: painting..."),
        ("exits-early", "exited (status 1) before reporting READY"),
        ("fails-self-test", "self-test failed (exit status 1): kite: smoke test: the store"),
    ],
)
def test_a_broken_release_rolls_back_on_its_own_with_the_store_restored(
    terminal: Terminal, behaviour: str, why: str
) -> None:
    archive = terminal.release("2.0.0", behaviour)
    store_before = terminal.tables()

    result = terminal.install(archive)

    assert result.returncode == 3, result.stderr
    assert f"Release 2.0.0 failed: its {why}" in result.stderr or why in result.stderr
    assert "Rolled back: 1.0.0 is current again and the store was restored" in result.stderr
    assert os.readlink(terminal.layout.link("current")) == "releases/1.0.0"
    assert not terminal.layout.link("previous").exists()  # as before the update
    assert not (terminal.layout.releases / "2.0.0").exists()  # the failed release is gone
    assert terminal.tables() == store_before  # the fake migration is undone
    assert terminal.database.stat().st_mode & 0o777 == 0o600
    assert inspect(terminal.database).revision is not None  # an intact Kite store
    old = subprocess.run(
        [str(terminal.layout.link("current") / "kite")], capture_output=True, text=True,
        check=True, env={**os.environ, "KITE_CONFIG": str(terminal.root / "etc" / "kite.toml")},
    )  # fmt: skip
    assert old.stdout.startswith("fake kite 1.0.0")


def test_an_encrypted_store_is_backed_up_tried_and_restored_with_its_key(
    terminal: Terminal,
) -> None:
    key = sealed.keyring_of(terminal.root).store_key()  # the updater unseals the same key
    cipher.encrypt_in_place(terminal.database, key)
    store_before = terminal.tables()
    assert terminal.install(terminal.release("2.0.0")).returncode == 0
    assert "migrated_by_2_0_0" in terminal.tables()  # the trial opened it with the key
    assert not cipher.is_plain(terminal.database)

    assert terminal.run("rollback", "--config", str(terminal.config)).returncode == 0
    assert terminal.tables() == store_before
    assert not cipher.is_plain(terminal.database)
    assert not list(Path("/run").glob("kite-update-*"))  # the trial's key folder is gone


def test_rollback_after_a_good_update_puts_back_the_release_and_the_store(
    terminal: Terminal,
) -> None:
    store_before = terminal.tables()
    assert terminal.install(terminal.release("2.0.0")).returncode == 0

    result = terminal.run("rollback", "--config", str(terminal.config))

    assert result.returncode == 0, result.stderr
    assert "rolled back to 1.0.0" in result.stdout
    assert os.readlink(terminal.layout.link("current")) == "releases/1.0.0"
    assert terminal.tables() == store_before
    again = terminal.run("rollback", "--config", str(terminal.config))
    assert again.returncode == 1
    assert "There is no update to roll back" in again.stderr


def test_an_archive_escaping_its_folder_is_refused(terminal: Terminal) -> None:
    bundle = make_bundle(terminal.root / "build" / "evil", "2.0.0")
    manifest = terminal.root / "build" / "kite-release.json"
    manifest.write_text('{"format": 1, "version": "2.0.0"}')
    evil = terminal.root / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(manifest, arcname="kite-release.json")
        tar.add(bundle / "kite", arcname="kite")
        tar.add(manifest, arcname="../../../escaped")
    signing.sign(evil, signing.load_private_key(terminal.key))  # a good signature
    before = tree(terminal.root / "opt")

    result = terminal.install(evil)

    assert result.returncode == 1
    assert "Unpacking" in result.stderr
    assert "nothing was switched" in result.stderr
    assert tree(terminal.root / "opt") == before
    assert not (terminal.root / "escaped").exists()


def test_a_configuration_others_may_write_is_refused(terminal: Terminal) -> None:
    terminal.config.chmod(0o666)

    result = terminal.install(terminal.release("2.0.0"))

    assert result.returncode == 1
    assert "may be written by its group or others" in result.stderr
    assert "chown root:root" in result.stderr


def test_without_a_pinned_key_every_release_is_refused(terminal: Terminal) -> None:
    text = terminal.config.read_text().splitlines()
    terminal.config.write_text("\n".join(['public_key = ""', *text[1:]]) + "\n")

    result = terminal.install(terminal.release("2.0.0"))

    assert result.returncode == 1
    assert "No release signing key is pinned" in result.stderr


def test_an_unknown_setting_is_refused_by_name(terminal: Terminal) -> None:
    terminal.config.write_text(terminal.config.read_text() + "ready_timout = 5\n")

    result = terminal.run("status", "--config", str(terminal.config))

    assert result.returncode == 1
    assert "ready_timout: Extra inputs are not permitted" in result.stderr
