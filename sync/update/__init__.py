"""Signed side-by-side updates of the terminal, with rollback (``kite-update``).

A release is a tarball of the one-dir bundle with a manifest naming its version,
and a detached Ed25519 signature (:mod:`sync.update.signing`). On the terminal the
updater, run by root:

1. checks the signature against the public key pinned in the root-owned
   ``/etc/kite/update.toml`` (:mod:`sync.update.settings`); a bad one changes nothing;
2. unpacks the release beside the running one, ``/opt/kite/releases/<version>``
   (:mod:`sync.update.releases`);
3. stops the kiosk session, backs the store up (:mod:`kiosk.store.backups`, the
   copy Kite itself takes before a migration), and switches ``/opt/kite/current``
   to the new release by renaming a new symbolic link over it (atomic);
4. runs the new release's self-test (``--smoke-test``: the store opened and
   migrated, the sign-in screen painted) and starts it until it reports READY
   over sd_notify (:mod:`sync.update.trial`), then starts the session again;
5. on any failure there, switches back, restores the store and starts the old
   release (:mod:`sync.update.updater`).

Nothing here imports Qt: the updater is the bundle started as ``kite-update``.
"""


class UpdateError(Exception):
    """An update or rollback that was refused or failed; the message says why and what now."""

    #: True when a new release was switched to, failed its trial and was rolled back.
    rolled_back = False
