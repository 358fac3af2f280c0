"""executor: ray never joins a cluster it was not given, and a dead given one fails fast."""

from __future__ import annotations

import sys
import types

import pytest

from harness.config import ExecutorSettings
from harness.errors import HarnessError
from harness.run.executors import RayExecutor, probe_address

from ..conftest import free_port


class _FakeRay(types.ModuleType):
    def __init__(self) -> None:
        super().__init__("ray")
        self.calls: list[dict] = []

    def is_initialized(self) -> bool:
        return False

    def init(self, **kwargs) -> None:
        self.calls.append(kwargs)
        raise RuntimeError("stop here")  # the test only needs the arguments


def test_without_an_address_a_new_local_instance_is_started(monkeypatch) -> None:
    """Before: address None let Ray join the last cluster `ray start` recorded, and wait
    without end when it had died."""
    fake = _FakeRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    with pytest.raises(HarnessError, match="cannot start or reach a local instance"):
        RayExecutor(ExecutorSettings(type="ray"))._connect()
    assert fake.calls[0]["address"] == "local"


def test_a_given_address_that_accepts_nothing_fails_in_one_line(monkeypatch) -> None:
    fake = _FakeRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(HarnessError) as error:
        RayExecutor(ExecutorSettings(type="ray", address=address))._connect()
    message = str(error.value)
    assert message.startswith(f"executor ray: cannot reach the Ray cluster at {address} (")
    assert "\n" not in message and not fake.calls  # refused before ray.init could hang
    with pytest.raises(HarnessError, match=r"ray://127\.0\.0\.1:\d+"):
        probe_address(f"ray://{address}", timeout=5)
    probe_address("auto")  # left to Ray: nothing to probe
