#!/usr/bin/env python3
"""Plays dockerd for one container of the README's Docker recipe: no container
runtime can run here (see README, "Recipes").

usage: docker_sim.py DOCKERFILE --ckwrap BIN --root DIR --app DIR
                     --restart POLICY [--stop-timeout S] [--event EVENT@POS]...

What it keeps of Docker (moby's restartmanager and `docker stop`):
- The container's command is ENTRYPOINT + CMD (JSON form) of the Dockerfile,
  run as PID 1 of a new PID namespace (unshare); /state is a volume that
  outlives the container (DIR/volume), /app is the image's files (--app).
- --restart no | always | unless-stopped | on-failure[:MAX]: after the
  container exits, always and unless-stopped start it again, on-failure only
  after a non-zero status and fewer than MAX restarts; never after a manual
  stop (docker stop, docker kill). The delay before a restart starts at
  100 ms and doubles up to 1 min, back to 100 ms after a run of 10 s or more.
- `docker stop` is SIGTERM to PID 1 (the STOPSIGNAL default), then SIGKILL
  after --stop-timeout (10 s); a crash (the OOM killer) is SIGKILL at once.
Time runs --time-scale (10) times faster: the stop timeout and the restart
delays are divided by it.

--event stop@20 runs `docker stop` once the checkpoint reaches position 20;
--event crash@10 kills PID 1; --event start runs `docker start` after a
manual stop. Events apply in order. Prints one JSON object per container run,
then a summary; exits 0.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time


def command_of(dockerfile):
    words = {}
    for line in open(dockerfile):
        for key in ("ENTRYPOINT", "CMD"):
            if line.startswith(key + " "):
                words[key] = json.loads(line[len(key) + 1:])
    return words.get("ENTRYPOINT", []) + words.get("CMD", [])


class Container:
    def __init__(self, args):
        self.args = args
        self.root = os.path.abspath(args.root)
        self.volume = os.path.join(self.root, "volume")
        os.makedirs(self.volume, exist_ok=True)
        self.argv = [self.host_path(w) for w in command_of(args.dockerfile)]
        if self.argv[0] == "ckwrap":
            self.argv[0] = os.path.abspath(args.ckwrap)
        self.events = list(args.event)
        self.runs = []

    def host_path(self, word):
        if word == "/state" or word.startswith("/state/"):
            return self.volume + word[len("/state"):]
        if word.startswith("/app/"):
            return os.path.join(os.path.abspath(self.args.app), word[len("/app/"):])
        return word

    def position(self):
        out = subprocess.run([self.argv[0], "inspect", "--field", "position", self.volume],
                             capture_output=True, text=True)
        text = out.stdout.strip()
        return int(text) if out.returncode == 0 and text.isdigit() else -1

    def pid1(self, proc):
        for _ in range(1000):
            try:
                with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                    children = f.read().split()
            except FileNotFoundError:
                return None
            if children:
                return int(children[0])
            time.sleep(0.005)
        return None

    def run_once(self):
        """One container run; returns (exit status, manually stopped, seconds)."""
        log = open(os.path.join(self.root, f"run-{len(self.runs) + 1}.log"), "w")
        started = time.monotonic()
        env = dict(PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME="/root")
        env.update(e.split("=", 1) for e in self.args.env)
        proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc"] + self.argv,
                                env=env, cwd=self.root, stdout=log, stderr=log)
        manual, killed, what = False, False, None
        if self.events and self.events[0].split("@")[0] in ("stop", "crash"):
            what, at = self.events.pop(0).split("@")
            while proc.poll() is None and self.position() < int(at):
                time.sleep(0.01)
            pid1 = self.pid1(proc) if proc.poll() is None else None
            if pid1 is not None and what == "crash":
                os.kill(pid1, signal.SIGKILL)
                killed = True
            elif pid1 is not None:
                manual = True
                os.kill(pid1, signal.SIGTERM)
                try:
                    proc.wait(timeout=self.args.stop_timeout / self.args.time_scale)
                except subprocess.TimeoutExpired:
                    os.kill(pid1, signal.SIGKILL)
                    killed = True
        proc.wait()
        code = 137 if killed and proc.returncode != 0 else proc.returncode
        seconds = time.monotonic() - started
        run = dict(run=len(self.runs) + 1, event=what, exit=code, manual_stop=manual,
                   killed=killed, seconds=round(seconds, 3))
        self.runs.append(run)
        print(json.dumps(run), flush=True)
        return code, manual, seconds

    def should_restart(self, code, manual, restarts):
        policy, _, limit = self.args.restart.partition(":")
        if manual or policy == "no":
            return False
        if policy in ("always", "unless-stopped"):
            return True
        if policy == "on-failure":
            return code != 0 and (not limit or restarts < int(limit))
        sys.exit(f"docker_sim: unknown restart policy {self.args.restart}")

    def run(self):
        restarts, delay = 0, 0.1
        while True:
            code, manual, seconds = self.run_once()
            if seconds * self.args.time_scale >= 10:
                delay = 0.1
            if self.should_restart(code, manual, restarts) and restarts < self.args.max_runs - 1:
                restarts += 1
                time.sleep(delay / self.args.time_scale)
                delay = min(delay * 2, 60)
                continue
            if manual and self.events and self.events[0] == "start":
                self.events.pop(0)  # docker start: the same container, its count kept
                continue
            break
        print(json.dumps(dict(runs=len(self.runs), restarts=restarts, last_exit=code)), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dockerfile")
    parser.add_argument("--ckwrap", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--app", required=True)
    parser.add_argument("--restart", default="no")
    parser.add_argument("--stop-timeout", type=float, default=10)
    parser.add_argument("--time-scale", type=float, default=10)
    parser.add_argument("--event", action="append", default=[])
    parser.add_argument("--env", action="append", default=[], help="docker run -e NAME=VALUE")
    parser.add_argument("--max-runs", type=int, default=20,
                        help="the simulation's own bound on a restart loop")
    args = parser.parse_args()
    Container(args).run()


if __name__ == "__main__":
    main()
