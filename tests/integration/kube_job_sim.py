#!/usr/bin/env python3
"""Plays a Kubernetes Job controller and kubelet for a Job manifest, on this
machine: no cluster can run here (see README, "Recipes").

usage: kube_job_sim.py MANIFEST --ckwrap BIN --root DIR [--disrupt INDEX:EVENT@POS,...]...
                       [--secret NAME=ENVFILE]...

What it keeps of Kubernetes (batch/v1 Job, as of 1.29-1.31):
- API validation the recipes depend on: podFailurePolicy requires
  restartPolicy Never; FailIndex requires backoffLimitPerIndex, which
  requires completionMode Indexed.
- Each pod is a container whose command runs as PID 1 of a new PID namespace
  (unshare), with the manifest's env. Env values expand $(VAR) only from the
  entries listed before them, as the kubelet does; the Job controller appends
  JOB_COMPLETION_INDEX to the env unless the manifest defines it.
- A stop (eviction, preemption, drain) is SIGTERM to PID 1 only, then SIGKILL
  after terminationGracePeriodSeconds; the pod gets the DisruptionTarget
  condition. A node crash is SIGKILL at once, and no condition.
- A failed pod is matched against podFailurePolicy's rules in order (first
  match: FailJob, FailIndex, Ignore or Count; none: Count); counted failures
  beyond backoffLimitPerIndex fail the index, beyond backoffLimit the Job. A
  failed pod is replaced by a new one on the same volumes.
- The termination message is the file at terminationMessagePath (default
  /dev/termination-log), of which the kubelet keeps 4096 bytes.
- Secrets: --secret NAME=ENVFILE is the Secret NAME as `kubectl create secret
  generic NAME --from-env-file=ENVFILE` makes it (KEY=VALUE lines; # comments
  and blank lines skipped; any other line refused). envFrom secretRef entries
  come first (a key that is not a valid variable name is skipped, as the
  kubelet does), then env, whose valueFrom.secretKeyRef reads one key; a
  missing Secret or key that is not optional keeps the pod from starting
  (CreateContainerConfigError): refused.
Paths: mountPath prefixes of volumeMounts and /dev/termination-log are mapped
below --root. A persistentVolumeClaim volume survives pods (ROOT/volumes/NAME);
an emptyDir is made empty (mode 0777, as the kubelet makes it) for each pod
(ROOT/emptydir/pod-INDEX-NUMBER/NAME) and removed when the pod ends: a new pod
is a new node, nothing local survives. A pod's message file does not either.
Time runs --time-scale (10) times faster: terminationGracePeriodSeconds and
env values that are durations ("20s", "1500ms") are divided by it.

--extra-env NAME=VALUE adds to the container's env (a test's patch).
--disrupt 0:evict@10,crash@30 evicts index 0's first pod once its checkpoint
reaches position 10, crashes its second at 30; later pods run undisturbed.
Prints one JSON object per pod (position_at_end: the committed position in
the pod's CKWRAP_STATE_DIR when it ended, -1 if none), then the Job's status; exits 0 when the Job
completes, 1 when it fails, 2 when the manifest is refused.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import yaml

MESSAGE_LIMIT = 4096


ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


def read_secret(spec):
    """--secret NAME=ENVFILE: (NAME, its keys) as kubectl --from-env-file reads ENVFILE."""
    name, path = spec.split("=", 1)
    data = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n").lstrip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep or not ENV_NAME.fullmatch(key):
                refuse(f"--secret {name}: {path}:{number}: not KEY=VALUE with a valid key: {key!r}")
            data[key] = value
    return name, data


def refuse(message):
    print(json.dumps({"refused": message}), flush=True)
    sys.exit(2)


def validate(spec):
    pod = spec["template"]["spec"]
    if "podFailurePolicy" in spec and pod.get("restartPolicy") != "Never":
        refuse("spec.podFailurePolicy: Invalid value: only Never is supported when "
               "podFailurePolicy is specified (template.spec.restartPolicy)")
    actions = [r["action"] for r in spec.get("podFailurePolicy", {}).get("rules", [])]
    if "FailIndex" in actions and "backoffLimitPerIndex" not in spec:
        refuse("spec.podFailurePolicy.rules: FailIndex requires backoffLimitPerIndex")
    if "backoffLimitPerIndex" in spec and spec.get("completionMode") != "Indexed":
        refuse("spec.backoffLimitPerIndex: requires completionMode Indexed")


def scaled_seconds(value, scale):
    return float(value) / scale


def scale_duration(value, scale):
    """'20s' -> '2000ms' at scale 10; anything else unchanged."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", value)
    if not m:
        return value
    ms = float(m.group(1)) * {"ms": 1, "s": 1000, "m": 60000}[m.group(2)]
    return f"{max(1, int(ms / scale))}ms"


def expand(value, defined):
    """$(VAR) from the entries defined so far; $$ is a literal $; an unknown
    reference stays as written (the kubelet's rule)."""
    def one(m):
        if m.group(0) == "$$":
            return "$"
        return defined.get(m.group(1), m.group(0))
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", one, value)


class Pod:
    def __init__(self, sim, index, number):
        self.sim, self.index, self.number = sim, index, number
        container = sim.pod_spec["containers"][0]
        self.container = container
        self.message_file = os.path.join(sim.root, f"pod-{index}-{number}.termination-log")
        self.env = self.environment(container)
        self.argv = [self.host_path(a) for a in container["command"] + container.get("args", [])]
        if self.argv[0] == "ckwrap":
            self.argv[0] = sim.ckwrap
        self.conditions = []

    def host_path(self, path):
        if path == self.container.get("terminationMessagePath", "/dev/termination-log"):
            return self.message_file
        for mount in self.container.get("volumeMounts", []):
            prefix = mount["mountPath"].rstrip("/")
            if path == prefix or path.startswith(prefix + "/"):
                return self.volume_dir(mount["name"]) + path[len(prefix):]
        return self.sim.app_path(path)

    def volume_dir(self, name):
        """Where volume NAME is on this machine: an emptyDir is the pod's own."""
        if name in self.sim.empty_dirs:
            return os.path.join(self.sim.root, "emptydir", f"pod-{self.index}-{self.number}", name)
        return os.path.join(self.sim.root, "volumes", name)

    def make_volumes(self):
        for mount in self.container.get("volumeMounts", []):
            path = self.volume_dir(mount["name"])
            os.makedirs(path, exist_ok=True)
            if mount["name"] in self.sim.empty_dirs:
                os.chmod(path, 0o777)  # the kubelet's mode for an emptyDir

    def remove_empty_dirs(self):
        """The pod is gone, and its emptyDirs with it (a new node for the next)."""
        shutil.rmtree(os.path.join(self.sim.root, "emptydir", f"pod-{self.index}-{self.number}"),
                      ignore_errors=True)

    def environment(self, container):
        defined, secret_names = {}, set()
        for source in container.get("envFrom", []):
            for name, value in self.sim.env_from(source).items():
                defined[name] = value
                secret_names.add(name)
        entries = list(container.get("env", []))
        if not any(e["name"] == "JOB_COMPLETION_INDEX" for e in entries):
            entries.append({"name": "JOB_COMPLETION_INDEX", "fieldIndex": True})
        for e in entries:
            value_from = e.get("valueFrom", {})
            field = value_from.get("fieldRef", {}).get("fieldPath", "")
            secret_names.discard(e["name"])
            if "value" in e:
                value = expand(str(e["value"]), defined)
            elif e.get("fieldIndex") or "job-completion-index" in field:
                value = str(self.index)  # the downward API's completion index
            elif "secretKeyRef" in value_from:
                value = self.sim.secret_key(e["name"], value_from["secretKeyRef"])
                if value is None:
                    continue
                secret_names.add(e["name"])
            else:
                refuse(f"env {e['name']}: this simulation knows only the completion index and Secrets")
            defined[e["name"]] = value
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/root"}
        for extra in self.sim.extra_env:
            name, value = extra.split("=", 1)
            defined[name] = value
        for name, value in defined.items():
            if name not in secret_names:  # a Secret's value is passed as it is
                value = scale_duration(value, self.sim.scale)
                value = self.host_path(value) if value.startswith("/") else value
            env[name] = value
        return env

    def position(self):
        state_dir = self.env.get("CKWRAP_STATE_DIR")
        if state_dir is None:
            return -1
        out = subprocess.run([self.sim.ckwrap, "inspect", "--field", "position", state_dir],
                             capture_output=True, text=True)
        return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else -1

    def run(self, disruption):
        self.make_volumes()
        with open(os.path.join(self.sim.root, f"pod-{self.index}-{self.number}.log"), "w") as log:
            proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc"] + self.argv,
                                    env=self.env, cwd=self.sim.app_dir, stdout=log, stderr=log)
        self.sent_kill = False
        killed = False
        if disruption:
            kind, at = disruption
            while proc.poll() is None and self.position() < at:
                time.sleep(0.01)
            if proc.poll() is None:
                killed = self.stop(proc, kind)
        proc.wait()
        # unshare reports a PID 1 killed by a signal as status 1; the runtime
        # says 128 + signal, 137 for the KILL this simulation sent.
        code = 137 if self.sent_kill and proc.returncode != 0 else proc.returncode
        message = ""
        if os.path.exists(self.message_file):
            with open(self.message_file, "rb") as f:
                raw = f.read()
            message = raw[:MESSAGE_LIMIT].decode("utf-8", "replace")
            self.message_bytes = len(raw)
        else:
            self.message_bytes = 0
        position_at_end = self.position()
        self.remove_empty_dirs()
        return dict(index=self.index, pod=self.number, disruption=disruption and disruption[0],
                    exit=code, killed_after_grace=killed, conditions=self.conditions,
                    message=message, message_bytes=self.message_bytes,
                    position_at_end=position_at_end)

    def init_pid(self, proc):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                    children = f.read().split()
                if children:
                    return int(children[0])
            except FileNotFoundError:
                return None
            time.sleep(0.005)
        return None

    def stop(self, proc, kind):
        pid1 = self.init_pid(proc)
        if pid1 is None:
            return False
        if kind == "crash":  # the node is gone: everything at once
            self.sent_kill = True
            os.kill(pid1, signal.SIGKILL)
            return False
        self.conditions.append("DisruptionTarget")
        os.kill(pid1, signal.SIGTERM)  # to PID 1 only
        grace = scaled_seconds(self.sim.pod_spec.get("terminationGracePeriodSeconds", 30),
                               self.sim.scale)
        try:
            proc.wait(timeout=grace)
            return False
        except subprocess.TimeoutExpired:
            self.sent_kill = True
            os.kill(pid1, signal.SIGKILL)  # PID 1 dies: the kernel kills the namespace
            return True


class JobSim:
    def __init__(self, args, manifest):
        self.spec = manifest["spec"]
        validate(self.spec)
        self.pod_spec = self.spec["template"]["spec"]
        self.ckwrap = os.path.abspath(args.ckwrap)
        self.root = os.path.abspath(args.root)
        self.app_dir = os.path.abspath(args.app)
        self.scale = args.time_scale
        self.extra_env = args.extra_env
        self.secrets = dict(read_secret(s) for s in args.secret)
        self.empty_dirs = {v["name"] for v in self.pod_spec.get("volumes", []) if "emptyDir" in v}
        self.disruptions = {}
        for d in args.disrupt:
            index, events = d.split(":", 1)
            self.disruptions[int(index)] = [(e.split("@")[0], int(e.split("@")[1]))
                                            for e in events.split(",")]
        # A pod the API or the kubelet would not start (its env: a missing
        # Secret, an unknown source) is refused here, before any pod runs: a
        # refusal inside a pod's thread would end that thread alone.
        Pod(self, 0, 0)
        self.lock = threading.Lock()
        self.failed = None
        self.counted = 0

    def env_from(self, source):
        """The variables of one envFrom entry (secretRef only)."""
        if "secretRef" not in source:
            refuse(f"envFrom {source}: this simulation knows only secretRef")
        ref = source["secretRef"]
        secret = self.secrets.get(ref["name"])
        if secret is None:
            if ref.get("optional"):
                return {}
            refuse(f'CreateContainerConfigError: secret "{ref["name"]}" not found')
        prefix = source.get("prefix", "")
        # Keys that are not valid variable names are skipped (an event, no error).
        return {prefix + k: v for k, v in secret.items() if ENV_NAME.fullmatch(prefix + k)}

    def secret_key(self, name, ref):
        """env NAME's valueFrom.secretKeyRef; None when optional and absent."""
        value = self.secrets.get(ref["name"], {}).get(ref["key"])
        if value is None and not ref.get("optional"):
            refuse(f'CreateContainerConfigError: env {name}: couldn\'t find key {ref["key"]} '
                   f'in Secret {ref["name"]}')
        return value

    def app_path(self, path):
        # The image's files (e.g. /app/shard.sh) are the test's --app directory.
        if path.startswith("/app/"):
            return os.path.join(self.app_dir, path[len("/app/"):])
        return path

    def verdict(self, pod, result):
        """What podFailurePolicy says of a failed pod."""
        for rule in self.spec.get("podFailurePolicy", {}).get("rules", []):
            codes = rule.get("onExitCodes")
            if codes and codes.get("containerName") in (None, pod.container["name"]):
                inside = result["exit"] in codes["values"]
                if inside == (codes["operator"] == "In") and result["exit"] != 0:
                    return rule["action"]
            for cond in rule.get("onPodConditions", []):
                if cond["type"] in pod.conditions:
                    return rule["action"]
        return "Count"

    def run_index(self, index, results):
        per_index = self.spec.get("backoffLimitPerIndex")
        failures = 0
        events = list(self.disruptions.get(index, []))
        for number in range(1, 100):
            if self.failed:
                return "Stopped"
            pod = Pod(self, index, number)
            result = pod.run(events.pop(0) if events else None)
            if result["exit"] == 0:
                result["action"] = "Succeeded"
            else:
                result["action"] = self.verdict(pod, result)
            with self.lock:
                results.append(result)
                print(json.dumps(result), flush=True)
                action = result["action"]
                if action == "Succeeded":
                    return "Succeeded"
                if action == "FailJob":
                    self.failed = f"PodFailurePolicy: index {index} exited {result['exit']}"
                    return "Failed"
                if action == "FailIndex":
                    return "Failed"
                if action == "Count":
                    failures += 1
                    self.counted += 1
                    if per_index is not None and failures > per_index:
                        return "Failed"
                    if per_index is None and self.counted > self.spec.get("backoffLimit", 6):
                        self.failed = "BackoffLimitExceeded"
                        return "Failed"
        return "Failed"

    def run(self):
        results, outcome = [], {}
        completions = self.spec.get("completions", 1)

        def worker(i):
            outcome[i] = self.run_index(i, results)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(completions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failed = self.failed or (
            "FailedIndexes" if any(v != "Succeeded" for v in outcome.values()) else None)
        status = dict(job="Failed" if failed else "Complete", reason=failed,
                      indexes={str(k): v for k, v in sorted(outcome.items())},
                      counted_failures=self.counted)
        print(json.dumps(status), flush=True)
        return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("manifest")
    parser.add_argument("--ckwrap", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--app", required=True, help="the image's /app directory")
    parser.add_argument("--time-scale", type=float, default=10)
    parser.add_argument("--disrupt", action="append", default=[])
    parser.add_argument("--secret", action="append", default=[],
                        help="NAME=ENVFILE: the Secret NAME (kubectl --from-env-file)")
    parser.add_argument("--extra-env", action="append", default=[],
                        help="NAME=VALUE added to the container's env (a test's patch)")
    args = parser.parse_args()
    with open(args.manifest) as f:
        manifest = yaml.safe_load(f)
    sys.exit(JobSim(args, manifest).run())


if __name__ == "__main__":
    main()
