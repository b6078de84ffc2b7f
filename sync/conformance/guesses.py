"""Where the published documents left the independent client guessing, and what it guessed.

Each :class:`Guess` names what ``docs/protocol.md`` / ``docs/server.md`` / the OpenAPI
document say (or do not say) and what :mod:`sync.conformance.client` does about it.
A guess the client had to *use* during a run (a tolerated field it met, an either-or
answer it accepted) is reported in the run's table, so a tester sees which parts of a
server's behaviour rest on a guess rather than on the documents. ``docs/conformance.md``
lists them too; when the documents settle one, its entry goes and the client follows
the documents strictly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guess:
    key: str
    documents: str
    client: str


GUESSES: tuple[Guess, ...] = (
    Guess(
        "protocol-header-value",
        "Conventions say every request carries `Kite-Protocol: 1.0`; the page is 1.5 and "
        "`Kite-Client-Time` belongs to 1.5",
        "sends `Kite-Protocol: 1.5` and `Kite-Client-Time` on every terminal request",
    ),
    Guess(
        "health-without-header",
        "a missing `Kite-Protocol` is `426` on every request; `GET /v1/health` needs no "
        "authentication and is used by hand",
        "checks the 426 only on an authenticated terminal endpoint; health is taken with "
        "or without the header",
    ),
    Guess(
        "who-mints-ids",
        "not said who creates `device_id` and `one_time_code` (the code is 'shown on its screen')",
        "the terminal mints both (an `Id` and 12 hex characters)",
    ),
    Guess(
        "client-id",
        "`client_id` of send_message and purchase_stamps: format and scope unstated",
        "32 lower-case hex characters, fresh per item (an `Id`), never reused",
    ),
    Guess(
        "first-seq",
        "'a new device ID starts at 0' (the high-water mark); the first item's `seq` unstated",
        "numbers items from 1",
    ),
    Guess(
        "item-result-memo",
        "`ItemResult` is `{idempotency_key, outcome, original_outcome, reason, params, "
        "result}` and unknown fields are refused; the server adds `memo`",
        "tolerates `memo` (a string) and ignores it",
    ),
    Guess(
        "enroll-extra-fields",
        "`enroll` answers `{state: pending}`; `collect` adds `credential, housing_units` "
        "only when approved",
        "tolerates `credential: null` and `housing_units: []` on the other answers",
    ),
    Guess(
        "key-reused-where",
        "`idempotency_key_reused` is listed both as a `409` error code and as a reject reason",
        "accepts either a `409 idempotency_key_reused` or the item `rejected` with that reason",
    ),
    Guess(
        "client-id-reused",
        "nothing says what a `client_id` already used under another key gets",
        "never reuses one (not exercised)",
    ),
    Guess(
        "written-at",
        "`written_at` is a field of the terminal's `send_message`; the feed's "
        "`outbound_message.written_at` is not said to be the terminal's",
        "does not compare the feed's `written_at` with the one it sent",
    ),
    Guess(
        "stamp-balance",
        "how a terminal derives a resident's stamp balance and debit from the feed is unstated",
        "stamps = sum of the resident's `ledger_entry.stamps`; debit = the last "
        "`debit_balance.cents` (0 before any)",
    ),
    Guess(
        "reconcile-messages",
        "`messages` counts 'server messages it holds, inbound approved plus outbound accepted'",
        "counts distinct `message_id`s of the resident's `message` and `outbound_message` "
        "changes (a message later rejected in review still counts)",
    ),
    Guess(
        "cursor-order",
        "cursors are 'opaque strings (today decimal digits) ordered by the server'",
        "compares two cursors as integers when both are decimal digits, else only for equality",
    ),
    Guess(
        "batch-out-of-order-params",
        "the params of `400 batch_out_of_order` are unstated",
        "checks only the status and code",
    ),
    Guess(
        "rotate-body",
        "`POST /v1/device/rotate` takes `{}` in the page; the OpenAPI document gives it no body",
        "sends `{}`",
    ),
    Guess(
        "proof-before-scope",
        "an item naming a resident outside the device's units is `not_your_resident`, and one "
        "without a valid proof `resident_unproven`; which comes first is unstated, and a "
        "terminal cannot prove for a resident who cannot sign in on it",
        "takes either for an unproven item about another unit's resident, and checks "
        "`not_your_resident` on an item proved before its resident moved away",
    ),
    Guess(
        "mismatch-sign",
        "`Mismatch {resident_id, field, terminal, server}`: which figure goes where is "
        "only implied by the names",
        "`terminal` = what it sent, `server` = the server's figure",
    ),
)

BY_KEY = {guess.key: guess for guess in GUESSES}
