"""Publishing is all-or-nothing: failures, interrupts, kills, a full disk and a second
build leave the old site or a complete new one, never a mix, and nothing temporary in it."""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Run

from khabar import cache, publish
from khabar import write as write_stage
from khabar.build import build
from khabar.errors import KhabarError

NEWS = "content/news"


def tree(folder: Path) -> dict[str, str]:
    """Every file (by content hash) and folder of an output, but its build mark: what a
    reader of the folder can see. Empty folders count (a failed update once left some)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = os.path.relpath(dirpath, folder)
        for name in dirnames:
            out[os.path.normpath(os.path.join(rel, name)) + "/"] = "dir"
        for name in filenames:
            if name != write_stage.MARKER:
                data = Path(dirpath, name).read_bytes()
                out[os.path.normpath(os.path.join(rel, name))] = \
                    hashlib.sha256(data).hexdigest()
    return out


def temporaries(folder: Path) -> list[str]:
    """Names in the output that no build means to publish: hidden files and folders (the
    build mark aside) and *.tmp."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            if (name.startswith(".") and name != write_stage.MARKER) or name.endswith(".tmp"):
                found.append(os.path.join(dirpath, name))
    return found


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def clean_build(site: Path, tmp_path: Path, name: str = "clean") -> dict[str, str]:
    build(site, tmp_path / name, clean=True)
    return tree(tmp_path / name)


@pytest.fixture(autouse=True)
def own_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user cache directory (signing key, compiled templates) of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache._key.cache_clear()


def test_a_rebuild_publishes_a_whole_tree_and_keeps_a_spare(mini_site: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    first_inode = os.stat(out).st_ino
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")
    build(mini_site, out)
    assert os.stat(out).st_ino != first_inode  # a new folder took the name
    work = publish.work_dir(cache.folder(mini_site, out), out)
    assert sorted(p.name for p in work.iterdir()) == [publish.SPARE]
    unchanged = out / "fa/countries/index.html"
    assert os.stat(unchanged).st_nlink == 2  # shared with the spare, not copied
    for n in range(3):  # later rebuilds start from the spare; each equals a clean build
        edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد", f"برگزار شد {n}")
        build(mini_site, out)
        assert tree(out) == clean_build(mini_site, tmp_path, f"clean{n}")
        assert not temporaries(out)


def test_a_failing_swap_leaves_the_old_site(mini_site: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    before = tree(out)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")

    def broken(stage: Path, target: Path, work: Path) -> Path | None:
        raise OSError(errno.EIO, "Input/output error", str(target))

    monkeypatch.setattr(publish, "swap_in", broken)
    with pytest.raises(KhabarError, match="Input/output error"):
        build(mini_site, out)
    assert tree(out) == before
    work = publish.work_dir(cache.folder(mini_site, out), out)
    assert not [p for p in work.iterdir() if p.name.startswith(publish.STAGE_PREFIX)]
    monkeypatch.undo()
    build(mini_site, out)
    assert tree(out) == clean_build(mini_site, tmp_path)


def test_the_two_rename_fallback_puts_the_old_site_back(mini_site: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """Where the system has no atomic exchange: a failure between the two renames puts
    the old tree back, and a build killed there has it put back by the next one."""
    out = tmp_path / "out"
    build(mini_site, out)
    before = tree(out)
    monkeypatch.setattr(publish, "_exchange_call", lambda a, b: False)
    real_rename = os.rename
    calls: list[str] = []

    def second_fails(src: str | Path, dst: str | Path) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real_rename(src, dst)

    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")
    monkeypatch.setattr(publish.os, "rename", second_fails)
    with pytest.raises(KhabarError):
        build(mini_site, out)
    monkeypatch.setattr(publish.os, "rename", real_rename)
    assert tree(out) == before
    # killed between the renames: the output is missing, the old tree beside it
    work = publish.work_dir(cache.folder(mini_site, out), out)
    real_rename(out, work / f"{publish.OLD_PREFIX}killed")
    build(mini_site, out)
    assert tree(out) == clean_build(mini_site, tmp_path)
    assert not [p for p in work.iterdir() if p.name.startswith(publish.OLD_PREFIX)]


def test_a_failure_while_linking_leaves_the_old_site(mini_site: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    assert not (cache.folder(mini_site, out) / "publish" / publish.SPARE).exists()
    before = tree(out)
    (mini_site / NEWS / "oslo-talks.fa.md").unlink()  # pages go, lists change
    (mini_site / NEWS / "oslo-talks.en.md").unlink()
    real = write_stage._link
    calls = 0

    def flaky(source: Path, target: Path) -> None:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(source, target)

    monkeypatch.setattr(write_stage, "_link", flaky)
    with pytest.raises(KhabarError) as caught:
        build(mini_site, out)
    assert calls == 5, caught.value
    [problem] = caught.value.diagnostics
    assert "No space left on device" in problem.message and problem.hint
    assert "free some disk space" in problem.hint
    assert tree(out) == before
    monkeypatch.undo()
    build(mini_site, out)
    assert tree(out) == clean_build(mini_site, tmp_path)
    assert not (out / "fa/articles/oslo-talks").exists()


def test_a_full_disk_while_readying_the_cache_changes_nothing(
        mini_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    before = tree(out)
    (mini_site / NEWS / "oslo-talks.fa.md").unlink()
    (mini_site / NEWS / "oslo-talks.en.md").unlink()

    def full(self: cache.Pending, path: Path, *parts: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(cache.Pending, "add", full)
    with pytest.raises(KhabarError, match="No space left"):
        build(mini_site, out)
    assert tree(out) == before  # exit 1, and the output as it was
    monkeypatch.undo()
    again = build(mini_site, out)
    assert not again.skipped
    assert tree(out) == clean_build(mini_site, tmp_path)


def test_killed_after_publishing_before_the_cache_is_in_place(
        mini_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output is then newer than the cache says: the next build must not trust the
    cache's record of the output's files."""
    out = tmp_path / "out"
    build(mini_site, out)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")
    monkeypatch.setattr(cache.Pending, "commit", lambda self: None)  # the kill
    build(mini_site, out)
    monkeypatch.undo()
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد امروز.", "برگزار شد.")
    build(mini_site, out)
    assert tree(out) == clean_build(mini_site, tmp_path)
    where = cache.folder(mini_site, out)
    assert sorted(p.name for p in where.iterdir() if p.name.startswith(".")) == []


def test_a_planted_cache_is_never_unpickled(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    proof = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
            return (os.system, (f"touch {proof}",))

    where = cache.folder(mini_site, out)
    payload = pickle.dumps(Exploit())
    (where / cache.STATE_FILE).write_bytes(payload)
    (where / cache.BULK_FILE).write_bytes(b"x\n" + payload)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")
    assert not build(mini_site, out).skipped
    assert not proof.exists()
    # signed with another user's key: the same
    (where / cache.STATE_FILE).write_bytes(b"khabar-signed " + b"0" * 64 + b"\n" + payload)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد امروز.", "برگزار شد.")
    build(mini_site, out)
    assert not proof.exists()
    assert tree(out) == clean_build(mini_site, tmp_path)
    # compiled templates are code: never in the site folder
    assert not list((mini_site / cache.CACHE_DIR).rglob("*.cache"))
    assert list((tmp_path / "user-cache/khabar/jinja").iterdir())
    assert (tmp_path / "user-cache/khabar/cache-key").stat().st_mode & 0o077 == 0


def test_a_second_build_waits_for_the_first(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")
    said: list[str] = []
    with publish.exclusive(cache.folder(mini_site, out) / "lock", said.append):
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "build", "--site", str(mini_site),
             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ})
        assert proc.stderr is not None
        line = proc.stderr.readline()  # said at once, before waiting
        assert f"waiting for another build into {out.resolve()} (pid {os.getpid()})" in line
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "built" in stdout
    assert tree(out) == clean_build(mini_site, tmp_path)


def test_two_builds_at_once_both_succeed(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")
    command = [sys.executable, str(ROOT / "build.py"), "build", "--site", str(mini_site),
               "--out", str(out)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    assert not any("Traceback" in err for _out, err in results)
    assert tree(out) == clean_build(mini_site, tmp_path)


@pytest.mark.parametrize(("code", "hint"), [
    (errno.ENOSPC, "(hint: free some disk space"),
    (errno.EACCES, "(hint: check that you may write there, or choose another --out"),
    (errno.EROFS, "(hint: the file system is read-only: choose another --out"),
])
def test_os_errors_are_one_error_line(mini_site: Path, tmp_path: Path,
                                      cli: Callable[..., Run],
                                      monkeypatch: pytest.MonkeyPatch,
                                      code: int, hint: str) -> None:
    out = tmp_path / "out"
    assert cli("build", "--site", mini_site, "--out", out).code == 0
    before = tree(out)
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")

    def failing(path: Path, data: bytes) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(write_stage, "write_file", failing)
    run = cli("build", "--site", mini_site, "--out", out)
    assert run.code == 1
    [line] = run.error_lines
    assert os.strerror(code) in line and hint in line, line
    assert "Traceback" not in run.err
    assert tree(out) == before


# --- kills and interrupts during a real build of a generated 2,000-article site ---------

def _corpus(tmp_path: Path) -> Path:
    site = tmp_path / "corpus"
    subprocess.run([sys.executable, str(ROOT / "bench/gen_corpus.py"), "-n", "1000",
                    "--layout", "khabar", "--out", str(site)], check=True,
                   capture_output=True)
    return site


def _build_command(site: Path, out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site),
            "--out", str(out)]


def _timed_and_undone(site: Path, out: Path, env: dict[str, str], spare: Path) -> float:
    """How long the next build into `out` takes: run and timed, then its output and its
    cache put back as they were, so the build is there to be done (and killed) again."""
    cache_dir = cache.folder(site, out)
    shutil.copytree(out, spare / "out", symlinks=True)
    shutil.copytree(cache_dir, spare / "cache", symlinks=True)
    started = time.perf_counter()
    subprocess.run(_build_command(site, out), check=True, capture_output=True, env=env)
    span = time.perf_counter() - started
    for kept, place in ((spare / "out", out), (spare / "cache", cache_dir)):
        shutil.rmtree(place)
        kept.rename(place)
    return span


def test_killed_builds_leave_the_old_or_the_new_site(tmp_path: Path) -> None:
    """SIGKILL at random moments of a build that changes every page (a new site title),
    and of one that changes a few: the output is always the old site or the new one."""
    site = _corpus(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    subprocess.run(_build_command(site, out), check=True, capture_output=True, env=env)
    old = tree(out)
    rng = random.Random(8)
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    hits = 0
    for step, (before, after) in enumerate([("گزیده اخبار", "گزیده تازه"),  # every page
                                            (None, None)]):  # one article: a few files
        if before is None:
            first = sorted((site / "content").rglob("*.fa.md"))[0]
            first.write_text(first.read_text(encoding="utf-8") + "\nبند تازه.\n",
                             encoding="utf-8")
        else:
            config.write_text(text.replace(before, after, 1), encoding="utf-8")
        subprocess.run(_build_command(site, tmp_path / f"new{step}"), check=True,
                       capture_output=True, env=env)
        new = tree(tmp_path / f"new{step}")
        assert new != old
        # kills within the time this very rebuild takes (timed, then undone)
        window = 0.8 * _timed_and_undone(site, out, env, tmp_path / f"spare{step}")
        assert tree(out) == old
        for _kill in range(3):
            proc = subprocess.Popen(_build_command(site, out), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env)
            time.sleep(rng.uniform(0.05, max(window, 0.1)))
            proc.send_signal(signal.SIGKILL)
            hits += proc.wait() == -signal.SIGKILL
            now = tree(out)
            assert now in (old, new), f"a mix of old and new after a kill (step {step})"
            assert not temporaries(out)
        done = subprocess.run(_build_command(site, out), capture_output=True, text=True,
                              env=env)
        assert done.returncode == 0, done.stderr
        assert tree(out) == new and not temporaries(out)
        old = new
    assert hits >= 3  # most kills struck a running build


def test_ctrl_c_prints_one_line_and_keeps_the_old_site(tmp_path: Path) -> None:
    site = _corpus(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    started = time.perf_counter()
    subprocess.run(_build_command(site, out), check=True, capture_output=True, env=env)
    span = time.perf_counter() - started
    old = tree(out)
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("گزیده اخبار", "گزیده نو", 1),
                      encoding="utf-8")
    # Ctrl-C in a terminal reaches the whole process group: the build and its workers
    proc = subprocess.Popen(_build_command(site, out), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    time.sleep(span * 0.4)  # rendering every page, workers running
    os.killpg(proc.pid, signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "khabar: interrupted"
    assert tree(out) == old and not temporaries(out)


def test_stale_stages_are_removed_by_the_next_build(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    work = publish.work_dir(cache.folder(mini_site, out), out)
    (work / f"{publish.STAGE_PREFIX}killed" / "fa").mkdir(parents=True)
    (work / f"{publish.OLD_PREFIX}killed").mkdir()
    edit(mini_site / NEWS / "oslo-talks.fa.md", "برگزار شد.", "برگزار شد امروز.")
    build(mini_site, out)
    assert sorted(p.name for p in work.iterdir()) == [publish.SPARE]


def test_lock_is_released_when_the_holder_dies(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    code = ("import time; from pathlib import Path; from khabar import publish\n"
            f"with publish.exclusive(Path({str(lock)!r}), print):\n"
            "    print('held', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    proc.kill()
    proc.wait()
    said: list[str] = []
    with publish.exclusive(lock, said.append):
        pass
    assert said == []  # no wait: the kernel released a dead holder's lock
