"""The server is reachable, speaks protocol 1, and refuses other majors clearly."""

from __future__ import annotations

from tests.server.live import LiveServer, World


def test_health_names_the_protocol_major(central_server: LiveServer) -> None:
    with central_server.client(protocol=None) as client:
        answer = client.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json()["protocol_major"] == 1


def test_terminal_of_another_major_gets_426_with_protocol_version_code(world: World) -> None:
    with world.server.client(world.credential, protocol="2.0") as terminal:
        answer = terminal.get("/v1/changes")
    assert answer.status_code == 426
    assert answer.json()["error"]["code"] == "protocol_version"
    assert answer.json()["error"]["params"]["server_major"] == 1


def test_terminal_without_protocol_header_is_refused_as_unknown_version(world: World) -> None:
    with world.server.client(world.credential, protocol=None) as terminal:
        answer = terminal.post("/v1/push", json={"items": []})
    assert answer.status_code == 426
    assert answer.json()["error"]["code"] == "protocol_version"


def test_minor_version_differences_are_accepted(world: World) -> None:
    with world.server.client(world.credential, protocol="1.8") as terminal:
        assert terminal.get("/v1/changes").status_code == 200


def test_restarted_server_keeps_its_url_data_and_credentials(private_server: LiveServer) -> None:
    world = private_server.world(debit_cents=300)
    url = private_server.url
    private_server.restart()
    assert private_server.url == url
    with world.terminal() as terminal:
        assert terminal.get("/v1/changes").status_code == 200
    assert private_server.balances(world.resident.resident_id) == (0, 300)
