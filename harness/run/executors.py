"""Where batches of work items run: in this process (``local``, the default) or on Ray actors.

An executor only turns one system's batches into generations. Everything around it belongs to
:func:`harness.run.generation.generate_outputs` and is the same for both: cache lookups before
any work is sent, and, as each batch comes back, the cache write, ``outputs.jsonl``, failure
counting and ``max_failures``.

The Ray executor sends the uncached batches of a cacheable system (a model) through Ray Data
``map_batches`` on an actor pool of ``num_actors`` actors. Each actor builds the system once
from its params (plain pydantic data and the config's folder, never a loaded model), so each
actor loads the model once. A batch is one row of the dataset, so the batches are exactly the
local ones (same length-sorted order, same padding, same outputs). A batch whose actor dies is
retried ``max_retries`` times on a restarted actor, then recorded as failed, item by item.
Systems that are cheaper to recompute than to look up (``cacheable = False``: lead, identity,
outputs files) run in the driver. Ray is imported only when a Ray executor first runs a batch.

Under Ray, a system's :meth:`~harness.systems.base.System.run_info` and
:meth:`~harness.systems.base.System.finish` are read from each actor after each batch (they must
not change the system's state) and merged: see :func:`merge_run_info`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import pickle
import socket
import threading
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from harness.config import EXECUTORS, ExecutorSettings
from harness.errors import HarnessError
from harness.records import Example, Generation, Status
from harness.run.plan import WorkItem
from harness.run.timeouts import CallTimeout, time_limit
from harness.systems import SYSTEMS, System, SystemParams

log = logging.getLogger(__name__)

#: one batch's positions (in the system's items) and its generations, in that order
BatchResult = tuple[Sequence[int], list[Generation]]


TimeLimit = Callable[[float | None], AbstractContextManager[None]]


def generate_batch(
    system: System, examples: Sequence[Example], limit: TimeLimit = time_limit
) -> list[Generation]:
    """One call into the system; a failing batch is retried one example at a time, so one bad
    example costs only itself. A :class:`HarnessError` (a user mistake) propagates."""
    try:
        with limit(system.params.timeout):
            outputs = system.generate(examples)
        if not isinstance(outputs, list | tuple):
            raise TypeError(f"generate returned {type(outputs).__name__}, not a list of str")
        if len(outputs) != len(examples):
            raise RuntimeError(f"returned {len(outputs)} outputs for {len(examples)} inputs")
    except HarnessError:
        raise
    except (Exception, CallTimeout) as exc:
        if len(examples) > 1:
            log.info("%s: batch of %d failed (%s); one by one", system.name, len(examples), exc)
            return [g for ex in examples for g in generate_batch(system, [ex], limit)]
        reason = f"{type(exc).__name__}: {exc}"
        return [Generation(system.name, examples[0], "", Status.FAILED, reason)]
    generations = []
    for example, output in zip(examples, outputs, strict=True):
        if isinstance(output, Exception):  # this input failed alone; the others are kept
            reason = f"{type(output).__name__}: {output}"
            generations.append(Generation(system.name, example, "", Status.FAILED, reason))
        elif output is None:
            generations.append(Generation(system.name, example, "", Status.MISSING, "no output"))
        elif not isinstance(output, str):  # a plug-in's mistake: this output fails, not the run
            reason = f"TypeError: output is {type(output).__name__}, not str"
            generations.append(Generation(system.name, example, "", Status.FAILED, reason))
        elif not output.strip():
            generations.append(Generation(system.name, example, output, Status.EMPTY))
        else:
            generations.append(Generation(system.name, example, output, Status.GENERATED))
    return generations


def load_system(system: System, limit: TimeLimit = time_limit) -> str | None:
    """Load the system before its first timed call: ``timeout`` times generation only, and
    ``load_timeout`` (if set) the load. Returns why loading failed, or None."""
    started = time.perf_counter()
    try:
        with limit(system.params.load_timeout):
            system.load()
    except HarnessError:
        raise
    except CallTimeout:
        limit_s = system.params.load_timeout
        reason = f"loading the system took longer than its load_timeout of {limit_s:g} s"
        log.info("%s: %s", system.name, reason)
        return reason
    except Exception as exc:
        log.info("%s: loading failed: %s: %s", system.name, type(exc).__name__, exc)
        return f"loading the system failed: {type(exc).__name__}: {exc}"
    log.info("%s: loaded in %.2f s", system.name, time.perf_counter() - started)
    return None


def run_loaded(
    system: System, examples: Sequence[Example], load_error: str | None, limit: TimeLimit
) -> list[Generation]:
    """:func:`generate_batch`, or, for a system that could not load, every output failed with
    the reason (the other systems go on)."""
    if load_error is not None:
        return [Generation(system.name, e, "", Status.FAILED, load_error) for e in examples]
    return generate_batch(system, examples, limit)


class Executor(ABC):
    """Runs batches of one system's work items; use as a context manager around a run.

    Built from the config's ``executor`` settings (None: the defaults)."""

    def __init__(self, settings: ExecutorSettings | None = None) -> None:
        self.settings = settings or ExecutorSettings()

    @abstractmethod
    def run_batches(
        self, system: System, items: Sequence[WorkItem], batches: Sequence[Sequence[int]]
    ) -> Iterator[BatchResult]:
        """Yield every batch (positions into ``items``) with its generations, as each finishes,
        in any order."""

    def run_info(self, system: System) -> dict[str, Any]:
        """The system's counters and facts for the report (wherever it ran)."""
        return system.run_info()

    def finish(self, system: System) -> list[str]:
        """The system's end-of-run warnings (wherever it ran)."""
        return system.finish()

    def describe(self) -> dict[str, Any]:
        """What ran the run, for provenance."""
        return {"type": "local"}

    def close(self) -> None:  # noqa: B027 (nothing to release by default)
        """Release what the executor started."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """Batches run one after another in this process (the embedded default)."""

    def run_batches(
        self, system: System, items: Sequence[WorkItem], batches: Sequence[Sequence[int]]
    ) -> Iterator[BatchResult]:
        load_error = load_system(system) if batches else None
        for positions in batches:
            examples = [items[i].example for i in positions]
            yield positions, run_loaded(system, examples, load_error, time_limit)


def make_executor(settings: ExecutorSettings) -> Executor:
    """The executor ``settings.type`` names: built in, or a plug-in's (see EXECUTORS)."""
    executor_class = EXECUTORS.get(settings.type)
    if not (isinstance(executor_class, type) and issubclass(executor_class, Executor)):
        raise HarnessError(f"executor '{settings.type}' is not an Executor subclass")
    return executor_class(settings)


def override_settings(
    configured: ExecutorSettings, kind: str | None, address: str | None
) -> ExecutorSettings:
    """The config's executor with ``harness run --executor KIND --ray-address ADDRESS``."""
    kind = kind or ("ray" if address is not None else configured.type)
    if address is not None and kind != "ray":
        raise HarnessError("--ray-address needs --executor ray")
    update: dict[str, Any] = {"type": kind}
    if address is not None:
        update["address"] = address
    return configured.model_copy(update=update)


def merge_run_info(snapshots: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One system's ``run_info`` from its actors' latest snapshots.

    A value every actor agrees on is kept (the model's input limit, its device); lists are
    united and sorted (segments each actor saw); a count ``X`` that comes with a list
    ``X_segments`` is that united list's length (each segment counts once, even if an actor
    died and its batch ran again); other numbers are summed (load seconds over the actors).
    """
    if not snapshots:
        return {}
    merged: dict[str, Any] = {}
    for key in dict.fromkeys(k for snapshot in snapshots for k in snapshot):
        values = [snapshot[key] for snapshot in snapshots if key in snapshot]
        if all(isinstance(v, list) for v in values):
            united = {repr(x): x for v in values for x in v}
            merged[key] = sorted(united.values(), key=lambda x: (not isinstance(x, str), str(x)))
        elif all(v == values[0] for v in values):
            merged[key] = values[0]
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            merged[key] = round(sum(values), 6)
        else:
            merged[key] = values
    for key, value in merged.items():
        if isinstance(value, int) and isinstance(merged.get(f"{key}_segments"), list):
            merged[key] = len(merged[f"{key}_segments"])
    return merged


@contextmanager
def thread_time_limit(seconds: float | None) -> Iterator[None]:
    """:func:`~harness.run.timeouts.time_limit` for a thread that is not the main one (Ray Data
    calls an actor off its main thread, where SIGALRM cannot reach): a timer raises
    :class:`CallTimeout` in this thread. Like SIGALRM it interrupts Python code (a generation
    loop between tokens), not a single C call (a ``time.sleep``), which it interrupts when it
    returns."""
    if seconds is None or threading.current_thread() is threading.main_thread():
        with time_limit(seconds):
            yield
        return
    message = f"call exceeded its timeout of {seconds:g} s"

    class Expired(CallTimeout):
        def __init__(self) -> None:
            super().__init__(message)

    Expired.__name__ = Expired.__qualname__ = CallTimeout.__name__
    target = ctypes.c_ulong(threading.get_ident())
    lock, state = threading.Lock(), {"done": False, "fired": False}

    def expire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(Expired))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["fired"]:  # not raised yet (the block ended meanwhile): take it back
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)


class _SystemActor:
    """A Ray Data actor: builds its system once and runs the batches sent to it.

    Each row carries one batch (pickled examples); each result row carries each example's
    outcome (output, status, error: not the example again, which the driver holds), or the
    user error that stopped the system, with this actor's ``run_info`` and ``finish``
    snapshots.
    """

    def __init__(self, params: SystemParams, base_dir: str) -> None:
        self.actor = f"{socket.gethostname()}:{os.getpid()}"
        self.error: str | None = None
        self.system: System | None = None
        self.load_error: str | None = None
        self.loaded = False
        try:
            self.system = SYSTEMS.get(params.type)(params, Path(base_dir))
        except HarnessError as exc:
            self.error = str(exc)
        except Exception as exc:  # an actor that cannot start would be restarted forever
            self.error = f"cannot build the system: {type(exc).__name__}: {exc}"

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        results = []
        for payload in batch["payload"]:
            examples: list[Example] = pickle.loads(payload)
            result: dict[str, Any] = {"actor": self.actor}
            if self.system is None:
                result["error"] = self.error
            else:
                try:
                    if not self.loaded:  # once per actor, before its first timed call
                        self.load_error = load_system(self.system, thread_time_limit)
                        self.loaded = True
                    generations = run_loaded(
                        self.system, examples, self.load_error, thread_time_limit
                    )
                    # what came out, without the examples the driver already holds
                    result["outcomes"] = [(g.output, g.status.value, g.error) for g in generations]
                except HarnessError as exc:
                    result["error"] = str(exc)
                result["run_info"] = self.system.run_info()
                result["warnings"] = self.system.finish()
            results.append(pickle.dumps(result))
        return {"batch": batch["batch"], "result": results}


#: seconds to wait for a given Ray address to accept a connection before giving up on it
PROBE_TIMEOUT_S = 10.0


def probe_address(address: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Refuse, in one line and within ``timeout``, a ``host:port`` (or ``ray://host:port``)
    that accepts no connection: ``ray.init`` would otherwise retry without end ("Failed to get
    cluster ID from GCS server: TimedOut"). Other addresses (``auto``) are left to Ray."""
    import socket

    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or "/" in target:
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise HarnessError(
            f"executor ray: cannot reach the Ray cluster at {address} ({reason} within "
            f"{timeout:g} s); start it, fix executor.address, or leave the address out to run "
            "a Ray instance of this machine"
        ) from None


class RayExecutor(Executor):
    """Batches run on a pool of Ray actors (Ray Data ``map_batches``), on a cluster at
    ``address`` or on a Ray instance started here."""

    def __init__(self, settings: ExecutorSettings) -> None:
        self.settings = settings
        self._local = LocalExecutor()
        self._owns_ray = False
        self._resources: dict[str, float] | None = None
        self._snapshots: dict[str, dict[str, dict[str, Any]]] = {}
        self._warnings: dict[str, dict[str, None]] = {}
        self._lost_batches = 0

    def _connect(self) -> Any:
        try:
            import ray
        except ImportError:
            raise HarnessError(
                "executor 'ray' needs Ray: pip install 'harness[ray]' (ray[data])"
            ) from None
        settings = self.settings
        if not ray.is_initialized():
            options: dict[str, Any] = {"runtime_env": settings.runtime_env, "log_to_driver": False}
            address = settings.address
            if address is None:
                # a Ray instance of this machine alone: loopback, no dashboard; "local" starts
                # a new one even when `ray start` recorded a cluster (Ray's default would join
                # that, and wait forever when it has died)
                address = "local"
                options.update(include_dashboard=False, _node_ip_address="127.0.0.1")
            else:
                probe_address(address)
            try:
                ray.init(address=address, **options)
            except Exception as exc:  # connection refused, bad address, version mismatch
                where = settings.address or "a local instance"
                raise HarnessError(f"executor ray: cannot start or reach {where}: {exc}") from None
            self._owns_ray = True
        if self._resources is None:
            self._resources = {k: float(v) for k, v in ray.cluster_resources().items()}
            self._check_resources()
        return ray

    def _check_resources(self) -> None:
        """An actor pool larger than the cluster would wait forever on a fixed-size cluster."""
        settings, resources = self.settings, self._resources or {}
        wanted = {
            "CPU": settings.num_actors * settings.num_cpus_per_actor,
            "GPU": settings.num_actors * settings.num_gpus_per_actor,
        }
        for kind, need in wanted.items():
            have = resources.get(kind, 0.0)
            if need > have:
                message = (
                    f"executor ray: {settings.num_actors} actor(s) need {need:g} {kind}(s); "
                    f"the cluster has {have:g}"
                )
                if settings.address is None:
                    raise HarnessError(message)
                log.warning("%s (waiting for the cluster to grow)", message)

    def run_batches(
        self, system: System, items: Sequence[WorkItem], batches: Sequence[Sequence[int]]
    ) -> Iterator[BatchResult]:
        if not system.cacheable or not batches:
            yield from self._local.run_batches(system, items, batches)
            return
        ray = self._connect()
        settings = self.settings
        rows = [
            {"batch": k, "payload": pickle.dumps([items[i].example for i in positions])}
            for k, positions in enumerate(batches)
        ]
        # One block per batch: a dead actor costs only the batch it held.
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
        context = dataset.context
        context.max_errored_blocks = -1  # a batch lost after its retries is recorded, not fatal
        context.enable_progress_bars = False
        with warnings.catch_warnings():
            # max_task_retries has no named parameter in Ray 2.60 (its default, -1, would retry
            # a batch that kills every actor forever); Ray warns about the **ray_remote_args.
            warnings.simplefilter("ignore", DeprecationWarning)
            results = dataset.map_batches(
                _SystemActor,
                # absolute: an actor's working folder is not the driver's
                fn_constructor_kwargs={
                    "params": system.params,
                    "base_dir": str(system.base_dir.resolve()),
                },
                batch_size=1,
                # one batch per actor at a time: an actor that dies takes only the batch it
                # was running with it, never a queued one that would use up its retries
                compute=ray.data.ActorPoolStrategy(
                    size=settings.num_actors, max_tasks_in_flight_per_actor=1
                ),
                num_cpus=settings.num_cpus_per_actor,
                num_gpus=settings.num_gpus_per_actor or None,
                max_restarts=-1,
                max_task_retries=settings.max_retries,
            )
        pending = dict(enumerate(batches))
        snapshots = self._snapshots.setdefault(system.name, {})
        messages = self._warnings.setdefault(system.name, {})
        try:
            for row in results.iter_rows():
                result = pickle.loads(row["result"])
                positions = pending.pop(int(row["batch"]))
                if "error" in result:
                    raise HarnessError(f"{system.name} (on Ray actor {result['actor']}): "
                                       f"{result['error']}")  # fmt: skip
                snapshots[result["actor"]] = result["run_info"]
                messages.update(dict.fromkeys(result["warnings"]))
                generations = [
                    Generation(system.name, items[i].example, output, Status(status), error)
                    for i, (output, status, error) in zip(
                        positions, result["outcomes"], strict=True
                    )
                ]
                yield positions, generations
        except ray.exceptions.RayError as exc:
            raise HarnessError(f"executor ray: {system.name}: {exc}") from None
        tries = settings.max_retries + 1
        for positions in pending.values():
            self._lost_batches += 1
            reason = f"ActorDied: the Ray actor running this batch died ({tries} tries)"
            lost = [Generation(system.name, items[i].example, "", Status.FAILED, reason)
                    for i in positions]  # fmt: skip
            yield positions, lost

    def run_info(self, system: System) -> dict[str, Any]:
        snapshots = self._snapshots.get(system.name)
        if not snapshots:
            return system.run_info()
        return merge_run_info(list(snapshots.values()))

    def finish(self, system: System) -> list[str]:
        # each actor's warnings (sorted, as a system sorts its own), once each
        return [*system.finish(), *sorted(self._warnings.get(system.name, {}))]

    def describe(self) -> dict[str, Any]:
        settings = self.settings
        return {
            **settings.model_dump(mode="json"),
            # None when every output came from the cache and no cluster was needed
            "cluster_resources": self._resources,
            "actors": {name: sorted(actors) for name, actors in self._snapshots.items()},
            "lost_batches": self._lost_batches,
        }

    def close(self) -> None:
        if self._owns_ray:
            import ray

            ray.shutdown()
            self._owns_ray = False
