import socket

import pytest

from tests.conftest import NetworkAccessError


def test_public_address_is_refused(no_internet: list[str]) -> None:
    with socket.socket() as s, pytest.raises(NetworkAccessError):
        s.connect(("93.184.216.34", 80))
    no_internet.clear()  # the attempt was expected here; don't fail teardown


def test_public_name_is_not_even_resolved(no_internet: list[str]) -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("example.com", 443)
    no_internet.clear()


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
