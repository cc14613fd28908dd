"""The suite's guard: a test that reaches beyond loopback fails."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import NetworkUsed


def test_connecting_outside_loopback_is_refused(no_network: list[str]) -> None:
    with socket.socket() as s, pytest.raises(NetworkUsed):
        s.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed, but never tried either
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("slack.com", 443)
    assert len(no_network) == 2  # and the test would fail at teardown:
    no_network.clear()


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
    assert socket.getaddrinfo("localhost", 80)
