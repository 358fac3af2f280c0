"""Work forked off the run: a child that collects garbage does not copy its parent's heap."""

from __future__ import annotations

import gc
import os
import resource

from harness.forking import fork_frozen, frozen_heap


def _faults_of_a_collecting_child(frozen: bool) -> int:
    """Page faults a forked child takes for one full collection of the heap it inherited."""
    read, write = os.pipe()
    pid = fork_frozen() if frozen else os.fork()
    if pid == 0:
        try:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            gc.collect()
            after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            os.write(write, str(after - before).encode())
        finally:
            os._exit(0)
    os.close(write)
    with open(read, encoding="ascii") as pipe:
        faults = int(pipe.read())
    os.waitpid(pid, 0)
    return faults


def test_a_child_forked_frozen_does_not_copy_the_inherited_heap() -> None:
    heap = [[index] for index in range(300_000)]  # 300k small containers: ~40 MB of pages
    frozen = _faults_of_a_collecting_child(frozen=True)
    walked = _faults_of_a_collecting_child(frozen=False)
    assert len(heap) == 300_000
    assert walked > 2_000 and frozen < walked / 10


def test_the_parent_collects_as_before() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        with frozen_heap():  # nested: the outer block still holds them frozen after this one
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    read, write = os.pipe()
    pid = fork_frozen()
    if pid == 0:
        os.write(write, str(gc.get_freeze_count()).encode())
        os._exit(0)
    os.close(write)
    with open(read, encoding="ascii") as pipe:
        assert int(pipe.read()) > 0  # the child keeps them frozen
    os.waitpid(pid, 0)
    assert gc.get_freeze_count() == 0
