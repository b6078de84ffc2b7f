"""Every request is authenticated, and each party reaches only what is theirs."""

from __future__ import annotations

from tests.server.live import LiveServer, World, key, ok, pull_all


def test_a_device_never_sees_residents_of_other_units(central_server: LiveServer) -> None:
    here, there = central_server.world(), central_server.world(debit_cents=100)
    with there.family() as family:
        ok(
            family.post(
                "/v1/family/transfers",
                json={
                    "idempotency_key": key(),
                    "contact_id": there.resident.contact_id,
                    "stamps": 1,
                },
            )
        )
    with here.terminal() as terminal:
        changes, _ = pull_all(terminal)
    mentioned = {c["data"].get("resident_id") for c in changes} - {None}
    assert mentioned == {here.resident.resident_id}


def test_family_and_terminal_credentials_do_not_open_staff_endpoints(world: World) -> None:
    with world.family() as family, world.server.client(world.credential, protocol=None) as terminal:
        for client in (family, terminal):
            answer = client.get("/v1/staff/review")
            assert answer.status_code in (401, 403)
            assert answer.json()["error"]["code"] in ("unauthenticated", "forbidden")


def test_staff_and_family_tokens_are_not_device_credentials(world: World) -> None:
    for token in (world.server.staff_token, world.family_token):
        with world.server.client(token) as client:
            answer = client.get("/v1/changes")
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthenticated"


def test_staff_and_family_endpoints_need_a_token(central_server: LiveServer) -> None:
    with central_server.client(protocol=None) as anonymous:
        for path in (
            "/v1/staff/devices",
            "/v1/staff/review",
            "/v1/family/contacts",
            "/v1/family/messages",
        ):
            answer = anonymous.get(path)
            assert answer.status_code == 401, path
            assert answer.json()["error"]["code"] == "unauthenticated"


def test_a_family_sees_only_its_own_contacts(central_server: LiveServer) -> None:
    mine, theirs = central_server.world(), central_server.world()
    with mine.family() as family:
        contacts = ok(family.get("/v1/family/contacts"))
    assert [c["contact_id"] for c in contacts] == [mine.resident.contact_id]
    assert theirs.resident.contact_id not in str(contacts)
