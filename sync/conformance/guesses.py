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
        "purchase-client-id-reused",
        "a `send_message` whose `client_id` the server already holds under another key is "
        "`idempotency_key_reused {client_id}`; what a `purchase_stamps` gets for a "
        "`client_id` already used is unstated (only that a terminal never reuses one)",
        "never reuses one (not exercised)",
    ),
    Guess(
        "cursor-order",
        "cursors are 'opaque strings (today decimal digits) ordered by the server', and a "
        "`next_cursor` behind the cursor asked for is to be refused",
        "compares two cursors as integers when both are decimal digits, else only for equality",
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
        "debit-before-any",
        "the debit balance is 'the latest `debit_balance` (by `as_of`)'; a resident with "
        "none in the feed is not mentioned",
        "reports 0 cents for a resident the feed gave no `debit_balance`",
    ),
)

BY_KEY = {guess.key: guess for guess in GUESSES}
