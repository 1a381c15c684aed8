"""The gunicorns `make bench` measures: the work tree's code and a baseline commit's.

The baseline's code is checked out with `git worktree add --detach` into
var/bench-baseline/<sha> (kept for the next run; `git worktree remove --force` it to free
the space) and served by the same virtualenv's gunicorn from there, with the same
environment (database, Redis, SECRET_KEY, production-like settings). Nothing of the
baseline is imported into the bench's own process: only git and subprocesses, so the
baseline may name its packages, URLs and templates differently from the work tree.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_BASELINE = "03f318e"  # the commit the redesign starts from


class Unavailable(Exception):
    """The baseline could not be checked out or served; the message says why."""


def baseline_ref() -> str | None:
    """BENCH_BASELINE (a git ref; default the redesign's starting commit), None for "none"."""
    ref = os.environ.get("BENCH_BASELINE", DEFAULT_BASELINE).strip()
    return None if ref.lower() in ("", "none") else ref


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise Unavailable(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def checkout(ref: str) -> tuple[str, Path]:
    """The commit's full sha and a work tree of it under var/bench-baseline/ (reused)."""
    sha = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    path = ROOT / "var" / "bench-baseline" / sha
    if not (path / "manage.py").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # --force: the path may still be registered from a work tree deleted by hand.
        _git("worktree", "add", "--force", "--detach", str(path), sha)
        print(f"Checked out the baseline {sha[:10]} into {path.relative_to(ROOT)}.", flush=True)
    return sha, path


def collectstatic(path: Path, env: dict) -> None:
    """The baseline's own static files (its STATIC_ROOT is inside its work tree)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise Unavailable("collectstatic failed:\n" + _tail(done.stderr))


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


class Gunicorn:
    """gunicorn casebook.wsgi, 2 workers, from `path` on 127.0.0.1:`port`."""

    def __init__(self, label: str, path: Path, port: int, env: dict, log: Path | None = None):
        self.label, self.path, self.port, self.env, self.log = label, path, port, env, log
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        output = None
        if self.log:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            output = self.log.open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "casebook.wsgi", "--chdir", str(self.path), "--workers", "2",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"],
            cwd=self.path,
            env=self.env,
            stdout=output,
            stderr=output,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Unavailable(f"{self.label} gunicorn exited with code {self.process.returncode}{self._log_tail()}")
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise Unavailable(f"{self.label} gunicorn did not answer /healthz within {timeout:.0f} s{self._log_tail()}")

    def _log_tail(self) -> str:
        if not self.log or not self.log.exists():
            return ""
        shown = self.log.relative_to(ROOT) if self.log.is_relative_to(ROOT) else self.log
        return f" ({shown}):\n" + _tail(self.log.read_text())

    def workers(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in found.split()]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
