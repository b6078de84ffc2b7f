"""Opening the store, the core and the sync worker, off the UI thread after first paint.

Everything heavy (SQLAlchemy, requests, pydantic models of the protocol) is
imported inside :func:`open_backend`, so the sign-in screen paints first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.clock import Clock
    from kiosk.config import Settings
    from kiosk.core import Core
    from kiosk.store.database import Store
    from sync.worker import SyncWorker


@dataclass
class Backend:
    """What the running terminal needs besides its screens."""

    store: Store
    core: Core
    worker: SyncWorker
    enrollment: Any  # ui.screens.enrollment.EnrollmentService
    enrolled: bool

    def close(self) -> None:
        self.worker.stop(timeout=5)
        self.store.close()


def open_backend(settings: Settings, clock: Clock | None = None) -> Backend:
    """Open the store and wire the core and the sync worker (call from a worker thread)."""
    from kiosk.clock import utcnow
    from kiosk.core import Core
    from kiosk.store import open_store
    from sync import enrollment
    from sync.authenticator import OnlineAuthenticator
    from sync.client import SyncClient
    from sync.credentials import CredentialStore, configure_keyring
    from sync.worker import SyncWorker
    from ui.screens.enrollment import SyncEnrollment

    # Never mkdir data_dir here: a missing folder is an unmounted data disk (or a terminal
    # IT never enrolled), and open_store refuses it with a StoreError naming the folder
    # instead of starting on a new, empty database. Only 'kite-admin enroll' creates it.
    store = open_store(settings.database_path)
    try:
        configure_keyring(settings)
    except BaseException:
        store.close()
        raise
    credentials = CredentialStore()
    client = SyncClient(settings, credentials.credential)
    now = clock or utcnow
    core = Core(store, settings, now, OnlineAuthenticator(client))
    worker = SyncWorker(store, settings, client=client, credentials=credentials, clock=now)
    service = SyncEnrollment(store, client, credentials, settings)
    return Backend(store, core, worker, service, enrollment.is_enrolled(credentials))
