"""`khabar translate --ray ADDRESS`: the model's batches sent to Ray actors.

The driver plans, reads and writes the translation memory and the article files exactly as
a local run does (khabar.translate.command); only the batches of sentences the memory lacks
go to actors, each of which loads the model once (from the driver's package folder, a path
every node shares, or, on a cluster where it is not there, from a copy the driver puts in
Ray's object store). Results come back in any order; the driver stores each batch in the
memory as it arrives, and writes an article once every batch before its last sentence has
come back. An actor that dies mid-batch loses nothing: its batches go to another actor
(a new one is started in its place). Ray is imported only here, and only when a run
with `--ray` has sentences for the model: building and plain `translate` never import it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import CommandError, MissingExtra
from .engine import Hardware, Scored, Translator, model_identity, translate_scored

RAY_EXTRA = "pip install 'khabar[ray]'"
LOCAL = "local"
IN_FLIGHT = 2  # batches queued per actor: the next one is there when one finishes
ATTEMPTS = 4  # tries per batch before the run gives up (each on another actor)
ARGOS_ENV = ("ARGOS_PACKAGES_DIR", "ARGOS_DEVICE_TYPE", "ARGOS_CHUNK_TYPE", "XDG_DATA_HOME",
             "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "ARGOS_PACKAGE_INDEX")

_ACTIVE: list[RaySession] = []  # the session `translate --ray` runs in, if any


def require_ray() -> Any:
    """The ray module, or one error line naming the extra."""
    try:
        import ray
    except ImportError:
        raise MissingExtra("translate --ray needs Ray, which is not installed",
                           RAY_EXTRA) from None
    return ray


@contextlib.contextmanager
def session(address: str, *, workers: int | None = None, device: str = "cpu",
            batch: int | None = None) -> Iterator[RaySession]:
    """While it is open, `translate_chunks` sends batches to Ray. Ray starts (`local`) or is
    joined (an address) only when the first batch is sent, and is left when it closes."""
    s = RaySession(address, workers=workers, device=device, batch=batch)
    try:
        with activate(s):
            yield s
    finally:
        s.close()


@contextlib.contextmanager
def activate(s: RaySession) -> Iterator[RaySession]:
    """Send batches through an open session while this is open (and leave it open)."""
    _ACTIVE.append(s)
    try:
        yield s
    finally:
        _ACTIVE.remove(s)


def batch_size(default: int) -> int:
    """Sentences per batch: the session's, if it sets one, else the caller's."""
    return _ACTIVE[-1].batch or default if _ACTIVE else default


def translate_chunks(engine: Translator, chunks: Sequence[Sequence[str]]
                     ) -> Iterator[tuple[int, list[Scored]]]:
    """(index, results) for each chunk: in order on this machine; under `session`, as the
    Ray actors finish them, in any order."""
    if not _ACTIVE or not chunks:
        for i, chunk in enumerate(chunks):
            yield i, translate_scored(engine, chunk)
        return
    yield from _ACTIVE[-1].translate(engine, chunks)


def _pack(path: Path) -> bytes:
    """A model package folder as an uncompressed tar (the model is compressed already)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(path, arcname=path.name)
    return buffer.getvalue()


@dataclasses.dataclass(frozen=True)
class _Spec:
    """What an actor rebuilds the engine from: a route (its packages' folders, identities,
    and copies for nodes that lack them), or a picklable engine (a test double)."""

    route: Any = None  # routes.Route
    identities: tuple[str, ...] = ()
    packed: tuple[Any, ...] = ()  # ObjectRefs of _pack(leg.path), or ()
    engine: Any = None


class _Worker:
    """A Ray actor: loads the engine once, then translates batch after batch."""

    def __init__(self, spec: _Spec, hardware: Hardware, env: dict[str, str],
                 split_as: int) -> None:
        os.environ.update(env)
        self._engine: Any
        if spec.route is None:
            self._engine = spec.engine
            return
        from .routes import LazyEngine
        legs = []
        for i, leg in enumerate(spec.route.legs):
            path = Path(leg.path)
            if not (path.is_dir() and model_identity(path) == spec.identities[i]):
                if not spec.packed:
                    raise RuntimeError(f"{path} is not on this node, or holds another model "
                                       f"than the driver's ({spec.identities[i]})")
                path = self._unpack(spec.packed[i], path.name)
            legs.append(dataclasses.replace(leg, path=path))
        self._engine = LazyEngine(dataclasses.replace(spec.route, legs=tuple(legs)), hardware)
        loaded = self._engine.load()
        # Cut each batch into the sub-batches the driver would (CTranslate2's int8 scores
        # change in their last digits with the sub-batch), so the memory is the same
        # bytes as a local run's; this actor's one thread then decodes them in turn.
        for argos in getattr(loaded, "legs", (loaded,)):
            argos.inter_threads = split_as

    def _unpack(self, data: bytes, name: str) -> Path:
        where = Path(tempfile.mkdtemp(prefix="khabar-model-"))
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            tar.extractall(where, filter="data")
        return where / name

    def translate(self, sentences: list[str]) -> list[tuple[str, float | None]]:
        return [(r.text, r.score) for r in translate_scored(self._engine, sentences)]

    def pid(self) -> int:
        return os.getpid()


class RaySession:
    """The Ray instance and the actors of one `translate --ray` run."""

    def __init__(self, address: str, *, workers: int | None = None, device: str = "cpu",
                 batch: int | None = None) -> None:
        self.address, self.workers, self.device, self.batch = address, workers, device, batch
        self.started = False  # this session called ray.init
        self.actors: list[Any] = []
        self.retried = 0  # batches sent again after their actor died
        self.sent = 0  # batches sent (retries included)
        # called after each batch comes back, with the session and the batch's index (tests)
        self.on_result: Callable[[RaySession, int], None] | None = None
        self._in_flight: dict[Any, tuple[int, Any, int]] = {}  # ref -> (chunk, actor, try)
        self._engine_key: str | None = None
        self._make: Callable[[], Any] | None = None

    # -- Ray itself -------------------------------------------------------------------

    def _connect(self) -> Any:
        ray = require_ray()
        if ray.is_initialized():
            return ray
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # never report home
        env = {k: os.environ[k] for k in ARGOS_ENV if k in os.environ}
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "logging_level": "ERROR", "configure_logging": False,
                                   "runtime_env": {"env_vars": env}}
        try:
            if self.address == LOCAL:
                ray.init(num_cpus=self.workers or os.cpu_count() or 1,
                         _node_ip_address="127.0.0.1", **options)
            else:
                ray.init(address=self.address, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise CommandError(f"--ray {self.address}: cannot start or join Ray: {exc}",
                               "give `local`, or the address of a running cluster's head "
                               "(ray start --head prints it), e.g. --ray 10.0.0.1:6379"
                               ) from None
        self.started = True
        return ray

    def release(self) -> None:
        """Stop this session's actors (their CPUs or GPUs are free again)."""
        if self.actors:
            import ray
            for actor in self.actors:
                with contextlib.suppress(Exception):
                    ray.kill(actor)
        self.actors, self._engine_key = [], None

    def close(self) -> None:
        """Stop the actors, and Ray itself if this session started it."""
        self.release()
        if self.started:
            import ray
            ray.shutdown()
            self.started = False

    # -- actors -----------------------------------------------------------------------

    def _count(self, ray: Any) -> int:
        if self.workers:
            return self.workers
        resources = ray.cluster_resources()
        unit = "GPU" if self.device == "cuda" else "CPU"
        return max(1, int(resources.get(unit, 1)))

    def _prepare(self, ray: Any, engine: Translator) -> None:
        """The actors for this engine, started once (a second language pair replaces them)."""
        if self._engine_key == engine.identity and self.actors:
            return
        self.release()
        route = getattr(engine, "route", None)
        if route is not None:
            identities = tuple(model_identity(Path(leg.path)) for leg in route.legs)
            # on a cluster, a copy for the nodes without the driver's folder
            packed = (() if self.address == LOCAL
                      else tuple(ray.put(_pack(Path(leg.path))) for leg in route.legs))
            spec = _Spec(route=route, identities=identities, packed=packed)
        else:
            spec = _Spec(engine=engine)
        cuda = self.device == "cuda"
        hardware = Hardware("cuda" if cuda else "cpu", None if cuda else 1)
        env = {k: os.environ[k] for k in ARGOS_ENV if k in os.environ}
        remote = ray.remote(num_cpus=0 if cuda else 1, num_gpus=1 if cuda else 0,
                            max_restarts=0)(_Worker)
        driver = getattr(engine, "hardware", None) or Hardware()
        split_as = driver.inter_threads
        self._make = lambda: remote.remote(spec, hardware, env, split_as)
        self.actors = [self._make() for _ in range(self._count(ray))]
        self._engine_key = engine.identity

    def _replace(self, dead: Any) -> Any:
        assert self._make is not None
        actor = self._make()
        self.actors = [actor if a is dead else a for a in self.actors]
        if actor not in self.actors:
            self.actors.append(actor)
        return actor

    # -- batches ----------------------------------------------------------------------

    def translate(self, engine: Translator, chunks: Sequence[Sequence[str]]
                  ) -> Iterator[tuple[int, list[Scored]]]:
        ray = self._connect()
        self._prepare(ray, engine)
        queue = list(range(len(chunks)))[::-1]  # popped from the end: first chunk first
        refs = [ray.put(list(c)) for c in chunks]
        load = {id(a): 0 for a in self.actors}

        def submit(index: int, attempt: int) -> None:
            actor = min(self.actors, key=lambda a: load.get(id(a), 0))
            load[id(actor)] = load.get(id(actor), 0) + 1
            ref = actor.translate.remote(refs[index])
            self._in_flight[ref] = (index, actor, attempt)
            self.sent += 1

        def fill() -> None:
            while queue and len(self._in_flight) < IN_FLIGHT * len(self.actors):
                submit(queue.pop(), 1)

        try:
            fill()
            while self._in_flight:
                ready, _ = ray.wait(list(self._in_flight), num_returns=1)
                ref = ready[0]
                index, actor, attempt = self._in_flight.pop(ref)
                load[id(actor)] -= 1
                try:
                    got = ray.get(ref)
                except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError):
                    if attempt >= ATTEMPTS:
                        raise CommandError(
                            f"--ray: a batch failed {attempt} times, its actors dying",
                            "see the Ray logs (/tmp/ray/session_latest/logs); the "
                            "translation memory keeps what was done, so run again") from None
                    if actor in self.actors:
                        self._replace(actor)
                    self.retried += 1
                    submit(index, attempt + 1)
                    continue
                except ray.exceptions.RayTaskError as exc:
                    raise exc.as_instanceof_cause() from None
                yield index, [Scored(text, score) for text, score in got]
                if self.on_result is not None:
                    self.on_result(self, index)
                fill()
        finally:
            for ref in list(self._in_flight):
                with contextlib.suppress(Exception):
                    ray.cancel(ref)
            self._in_flight.clear()
