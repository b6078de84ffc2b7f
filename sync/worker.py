"""The sync worker: one background engine that pushes, pulls and reconciles.

Plain Python threads (``sync`` never imports Qt; the UI adapts the status
listener into a Qt signal). Two loops share one store and one client:

- the *push loop* sleeps on an :class:`threading.Event` until the outbox gains
  a row (the store calls :meth:`SyncWorker.nudge` after any commit that added
  one) or the next item falls due, then drains it;
- the *pull loop* long-polls the change feed, applies pages, and reconciles
  balances once it has caught up.

When the server cannot be reached each loop backs off exponentially with full
jitter (:mod:`sync.backoff`), never sooner than a Retry-After. After each push
round, pull and reconcile the worker tells its changes listeners which kinds
of data it changed (:class:`kiosk.changes.Changes`), so views redraw only then. Before
each push round the credential is rotated if due (:mod:`sync.rotation`). A revoked
or suspended device, a credential the server no longer takes or a protocol mismatch
stops both loops; revocation also wipes resident data and removes the credential (the
others keep both: IT enrolls the terminal again), and the status says to call IT.
What each failure makes of the status is :mod:`sync.status`'s to say.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from kiosk import device, outbox, wipe
from kiosk.changes import Changes
from kiosk.clock import Clock, utcnow
from kiosk.config import Settings
from kiosk.store.database import Store
from sync import pull, push, reconcile, rotation
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.errors import CredentialRevoked, NotEnrolled, PermanentError, SyncError, TransientError
from sync.health_report import HealthReporter
from sync.status import (
    STOPPED_STATES,
    SyncStatus,
    after_failure,
    after_success,
    error_code,
    stopped,
    stopping_state,
    write_status_file,
)

log = logging.getLogger(__name__)

StatusListener = Callable[[SyncStatus], None]
ChangesListener = Callable[[Changes], None]


class SyncWorker:
    """Runs the store-and-forward engine off the UI thread.

    Construct, :meth:`add_listener`, :meth:`start`; :meth:`stop` at exit. A
    commit that adds an outbox row wakes it by itself (``Store.add_outbox_listener``).
    :meth:`sync_once` runs one full round on the caller's thread (kite-admin, tests).
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        client: SyncClient | None = None,
        credentials: CredentialStore | None = None,
        clock: Clock = utcnow,
        backoff: Backoff | None = None,
        push_batch: int = push.BATCH_SIZE,
        page_limit: int = 500,
        reconcile_every_s: float = 300.0,
        write_status: bool = True,
    ) -> None:
        self.store = store
        self.settings = settings
        self.credentials = credentials or CredentialStore()
        self.client = client or SyncClient(settings, self.credentials.credential)
        self.rotation = rotation.CredentialRotation(settings, self.client, self.credentials, clock)
        self.health = HealthReporter(settings, self.client, self.status, clock)
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.push_batch = push_batch
        self.page_limit = page_limit
        self.reconcile_every_s = reconcile_every_s
        self.write_status = write_status
        self._wake = threading.Event()
        self._reconcile_asked = threading.Event()  # a sign-in asked for one (reconcile_soon)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        # Held while a push round or a reconcile talks to the server: a reconcile that
        # counted before a push and asked after it would report a mismatch that is not one.
        self._exchange = threading.Lock()
        self._listeners: list[StatusListener] = []
        self._changes_listeners: list[ChangesListener] = []
        self._threads: list[threading.Thread] = []
        self._status = SyncStatus()
        self._last_reconcile: datetime | None = None
        store.add_outbox_listener(self.nudge)

    # -- public ------------------------------------------------------------------

    def add_listener(self, listener: StatusListener) -> None:
        """Call ``listener(status)`` (on the worker's thread) after every change."""
        with self._lock:
            self._listeners.append(listener)

    def add_changes_listener(self, listener: ChangesListener) -> None:
        """Call ``listener(changes)`` (on the worker's thread) after a round changed data."""
        with self._lock:
            self._changes_listeners.append(listener)

    def status(self) -> SyncStatus:
        """The latest snapshot (cheap; safe from any thread)."""
        with self._lock:
            return self._status

    def nudge(self) -> None:
        """The outbox gained a row: push now rather than at the next due time."""
        self._wake.set()

    def reconcile_soon(self) -> None:
        """Compare balances with the server now, on the push thread (a resident signed
        in: after a staff wipe, his balances come back only this way)."""
        self._reconcile_asked.set()
        self._wake.set()

    def start(self) -> None:
        """Start both loops (again after enrollment or a stop); a no-op while running."""
        self._threads = [t for t in self._threads if t.is_alive()]
        if self._threads:
            return
        self._stop.clear()
        with self._lock:
            # Started again after a stop, or after enrolling again in this process (a
            # revoked, suspended or refused device): what stopped it is over until the
            # server says otherwise.
            if self._status.state in ("not_enrolled", "stopped", *STOPPED_STATES):
                self._status = self._status.evolve(
                    state="starting", call_it=False, online=False, last_error=None
                )
        if not self._check_device():
            self._stop.set()
            return  # not enrolled, or revoked: nothing to run
        loops = (("kite-sync-push", self._push_loop), ("kite-sync-pull", self._pull_loop))
        for name, loop in loops:
            thread = threading.Thread(target=loop, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask both loops to end and wait for them (a long poll ends by itself)."""
        self._halt()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._update(state="stopped", online=False)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def sync_once(self, *, wait_s: int = 0) -> SyncStatus:
        """One round on this thread: push all due items, pull to the end, reconcile."""
        if self.status().state in STOPPED_STATES or not self._check_device():
            return self.status()
        try:
            self.rotation.rotate_if_due()
            with self._exchange:  # as the push loop's rounds: never beside a reconcile
                report = push.push_due(
                    self.store,
                    self.client,
                    clock=self.clock,
                    batch_size=self.push_batch,
                    backoff=self.backoff,
                )
            self._changed(report.changed)
            if self._pull_to_end(wait_s):
                self._reconcile(force=True)
        except SyncError as exc:
            self._failed(exc)
            self._fatal(exc)
        except Exception as exc:  # a bug or a local failure: recorded, never a crash
            log.exception("sync round failed")
            self._failed(exc)
        else:
            self._succeeded()
            self._report_health()
        return self.status()

    # -- loops -------------------------------------------------------------------

    def _push_loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            delay: float
            try:
                if self._reconcile_asked.is_set():
                    self._reconcile_asked.clear()
                    # Safe beside a pull: a correction counts only entries booked up to the
                    # server's snapshot (kiosk.ledger.correct_to_server).
                    self._reconcile(force=True)
                self.rotation.rotate_if_due()
                with self._exchange:
                    report = push.push_due(
                        self.store,
                        self.client,
                        clock=self.clock,
                        batch_size=self.push_batch,
                        backoff=self.backoff,
                    )
            except Exception as exc:
                failures += 1
                retry_in = self._round_failed(exc, failures, "push")
                if retry_in is None:
                    return
                delay = retry_in
            else:
                failures = 0
                self._changed(report.changed)
                if report.sent:
                    self._succeeded()
                    delay = self._until_next_due()
                else:
                    self._refresh_counts()
                    # Nothing could go although something may be due (an item held by a
                    # dependency): never spin; a nudge still wakes the loop at once.
                    delay = max(self._until_next_due(), 1.0)
                self._report_health()
                delay = min(delay, max(self.health.seconds_until_due(), 1.0))
            self._wake.wait(delay)
            self._wake.clear()

    def _pull_loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if self._pull_to_end(self.settings.long_poll_s):
                    self._reconcile(force=False)
            except Exception as exc:
                failures += 1
                retry_in = self._round_failed(exc, failures, "pull")
                if retry_in is None:
                    return
                self._stop.wait(retry_in)
            else:
                failures = 0
                self._succeeded()

    def _round_failed(self, exc: Exception, failures: int, loop: str) -> float | None:
        """Record a failed round of ``loop``: seconds until the next, or None once halted."""
        if isinstance(exc, TransientError):
            self._failed(exc)
            return self.backoff.delay(failures, exc.retry_after)
        if isinstance(exc, PermanentError):
            self._failed(exc)
            return None if self._fatal(exc) else self.backoff.delay(failures)
        log.exception("%s round failed", loop)  # a bug or a local failure must not kill the engine
        self._failed(exc)
        return self.backoff.delay(failures)

    def _pull_to_end(self, wait_s: int) -> bool:
        """Pull one round; True if it caught up (only then are counts worth comparing)."""
        report = pull.pull_until_caught_up(
            self.store,
            self.client,
            clock=self.clock,
            limit=self.page_limit,
            wait_s=wait_s,
            should_stop=self._stop.is_set,
        )
        self._changed(report.changed)
        if report.revoked:
            raise CredentialRevoked("the server sent a revoke command")
        if report.changes:
            self._last_reconcile = None  # news arrived: compare balances again soon
        return report.caught_up

    def _reconcile(self, *, force: bool) -> None:
        now = self.clock()
        last = self._last_reconcile
        if not force and last is not None and (now - last).total_seconds() < self.reconcile_every_s:
            return
        with self._exchange:
            report = reconcile.reconcile(self.store, self.client, clock=self.clock)
        self._last_reconcile = now
        if report.snapshots_applied:
            # The server's snapshot replaced ours: balances, contacts, messages.
            self._changed(Changes.STAMPS | Changes.CONTACTS | Changes.MESSAGES)

    # -- state -------------------------------------------------------------------

    def _check_device(self) -> bool:
        """Honour a revocation recorded before a restart; notice a missing credential.

        True when the engine may run.
        """
        if self._revoked_in_store():
            self._revoke()
            return False
        if not self.credentials.credential():
            self._failed(NotEnrolled("no device credential in the keyring"))
            return False
        with self._lock:
            if self._status.state == "not_enrolled":  # enrolled since: start afresh
                self._status = self._status.evolve(state="starting", last_error=None)
        return True

    def _fatal(self, exc: BaseException) -> bool:
        """Halt after a failure only IT can end, or for want of a credential; True if so."""
        state = stopping_state(exc)
        if state == "revoked":
            self._revoke()
        elif state is not None:
            self._update(**stopped(state))
            self._halt()
        elif isinstance(exc, NotEnrolled):
            self._halt()  # its status ("not_enrolled") came with the failure
        else:
            return False
        return True

    def _halt(self) -> None:
        """End both loops (a waiting push loop wakes to see it)."""
        self._stop.set()
        self._wake.set()

    def _revoke(self) -> None:
        """Wipe resident data, drop the credential, and say to call IT."""
        if not self._revoked_in_store():  # a revoke command already wiped in its own transaction
            with self.store.write() as session:
                wipe.wipe_resident_data(session, "revoke", self.clock())
            wipe.finish_wipe(self.store)
        self.credentials.forget_credential()
        self._changed(Changes.ALL)
        self._update(**stopped("revoked"))
        self._halt()

    def _revoked_in_store(self) -> bool:
        with self.store.read() as session:
            return device.is_revoked(session)

    def _until_next_due(self) -> float:
        due = push.next_due_at(self.store)
        if due is None:
            return 3600.0
        return max(0.0, (due - self.clock()).total_seconds())

    def _counts(self) -> tuple[int, int]:
        with self.store.read() as session:
            return outbox.waiting_and_refused(session)

    def _refresh_counts(self) -> None:
        waiting, failed = self._counts()
        self._update(items_waiting=waiting, items_failed=failed)

    def _succeeded(self) -> None:
        """Record a round that reached the server (:func:`sync.status.after_success`)."""
        with self._lock:
            if self._status.state in (*STOPPED_STATES, "not_enrolled"):
                return
            held_back = (
                self._status.offline_since is not None or self._status.state == "clock_wrong"
            )
        if held_back:
            # The server answers again (or takes this clock again): items backing off need not
            # wait out their delay, which a wrong clock may have put hours away.
            push.due_now(self.store, clock=self.clock)
            self._wake.set()
        waiting, failed = self._counts()
        self._update(**after_success(now=self.clock(), waiting=waiting, failed=failed))

    def _report_health(self) -> None:
        """Tell the server how this terminal is, when due (``sync.health_report``)."""
        try:
            self.health.report_if_due()
        except SyncError as exc:  # revoked, suspended, clock refused: as any request
            self._failed(exc)
            self._fatal(exc)

    def _failed(self, exc: BaseException) -> None:
        """Record a failure in the status (:func:`sync.status.after_failure`)."""
        self.health.errors += 1
        log.warning("sync: %s: %s", error_code(exc), exc)
        try:
            waiting, failed = self._counts()
        except Exception:  # the store itself may be what failed
            waiting, failed = self._status.items_waiting, self._status.items_failed
        with self._lock:
            current = self._status
        if current.state in STOPPED_STATES:
            return
        now = self.clock()
        self._update(**after_failure(current, exc, now=now, waiting=waiting, failed=failed))

    def _update(self, **changes: object) -> None:
        with self._lock:
            new = self._status.evolve(**changes).with_clock(self.client.clock_reading)
            if new == self._status:
                return
            self._status = new
            listeners = list(self._listeners)
        if self.write_status:
            try:
                write_status_file(self.settings.data_dir, new)
            except OSError:
                log.warning("cannot write the sync status file", exc_info=True)
        for listener in listeners:
            try:
                listener(new)
            except Exception:
                log.exception("sync status listener failed")

    def _changed(self, changes: Changes) -> None:
        if not changes:
            return
        with self._lock:
            listeners = list(self._changes_listeners)
        for listener in listeners:
            try:
                listener(changes)
            except Exception:
                log.exception("sync changes listener failed")

    def __repr__(self) -> str:
        return f"SyncWorker({self.settings.server_url!r}, {self.status().state})"
