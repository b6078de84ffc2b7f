"""The terminal wired whole: store, keyring, credentials, client, core, sync worker, enrollment.

One place builds it, for every program that runs a terminal: the kiosk
(``ui.backend``, off the UI thread), ``kite-admin``, and the test suites'
terminals. Qt-free, like the rest of ``sync``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.auth import Authenticator
from kiosk.clock import Clock, utcnow
from kiosk.config import Settings
from kiosk.core import Core
from kiosk.store import Store, open_store
from sync import enrollment, push
from sync.authenticator import OnlineAuthenticator
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.credentials import CredentialStore, configure_keyring, store_key
from sync.enrollment import SyncEnrollment
from sync.worker import SyncWorker


@dataclass
class Terminal:
    """A running terminal's parts, besides its screens."""

    settings: Settings
    store: Store
    credentials: CredentialStore
    client: SyncClient
    core: Core
    worker: SyncWorker
    enrollment: SyncEnrollment
    enrolled: bool  # a credential was in the keyring at start (set once IT approves)

    def close(self, timeout: float = 5.0, *, record_stop: bool = True) -> None:
        """Stop the sync engine, then close the client and the store.

        ``record_stop=False``, for a terminal whose loops never started (one round
        run by ``kite-admin sync``), leaves the engine's status as that round left
        it, which is what IT reads next, instead of recording the engine stopped.
        """
        if record_stop:
            self.worker.stop(timeout=timeout)
        self.client.close()
        self.store.close()


def open_kiosk_store(settings: Settings) -> Store:
    """The kiosk's store as the kiosk opens it: keyring pinned, encrypted with its key."""
    configure_keyring(settings)
    return open_store(settings.database_path, store_key(settings))


def open_terminal(
    settings: Settings,
    *,
    clock: Clock | None = None,
    credentials: CredentialStore | None = None,
    pin_keyring: bool = True,
    client: SyncClient | None = None,
    authenticator: Authenticator | None = None,
    backoff: Backoff | None = None,
    push_batch: int = push.BATCH_SIZE,
    write_status: bool = True,
) -> Terminal:
    """Open the store and wire the terminal (blocking: call off the UI thread).

    By default the keyring backend is pinned from ``settings``, sign-in asks
    the server (falling back to the offline verifier), and time is the real UTC
    clock. Tests pass their own ``clock``, ``credentials`` (their own keyring
    service, with ``pin_keyring=False``), ``client`` or ``authenticator``, and a
    quicker ``backoff``.
    """
    # Never mkdir data_dir here: a missing folder is an unmounted data disk (or a terminal
    # IT never enrolled), and open_store refuses it with a StoreError naming the folder
    # instead of starting on a new, empty database. Only 'kite-admin enroll' creates it.
    # The kiosk's store is encrypted with the key of the sealed keyring: pinning it comes
    # first. Tests that bring their own keyring service (pin_keyring=False) keep a plain
    # store: encryption is proven by the tests of the pinned path (tests/security).
    store = open_kiosk_store(settings) if pin_keyring else open_store(settings.database_path)
    try:
        credentials = credentials or CredentialStore()
        now = clock or utcnow
        # The client puts this clock on every request (Kite-Client-Time): the terminal's own.
        client = client or SyncClient(settings, credentials.credential, clock=now)
    except BaseException:
        store.close()
        raise
    core = Core(store, settings, now, authenticator or OnlineAuthenticator(client))
    worker = SyncWorker(
        store,
        settings,
        client=client,
        credentials=credentials,
        clock=now,
        backoff=backoff,
        push_batch=push_batch,
        write_status=write_status,
    )
    # A resident who signs in gets his balances compared with the server's soon: after a
    # staff wipe the feed does not send his ledger again, and reconcile restores it.
    core.add_sign_in_listener(lambda _resident_id: worker.reconcile_soon())
    service = SyncEnrollment(store, client, credentials, settings, clock=now)
    return Terminal(
        settings=settings,
        store=store,
        credentials=credentials,
        client=client,
        core=core,
        worker=worker,
        enrollment=service,
        enrolled=enrollment.is_enrolled(credentials),
    )
