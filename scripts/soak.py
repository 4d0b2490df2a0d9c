#!/usr/bin/env python3
"""Soak BoardBench: a long run on several real sshd boards with faults injected at random,
sampling the resident memory and open file descriptors of the host and of every agent.

    python3 scripts/soak.py --seconds 1200 --boards 4          # the 20-minute soak
    python3 scripts/soak.py --seconds 60 --boards 4            # what CI runs (SoakTests)

Boards are OpenSSH sshd daemons on 127.0.0.1 with throwaway keys in a temporary directory
(nothing outside the machine is contacted). Benchmarks use the test-only workload
(`testSleepMilliseconds`), so the boards do not compete for the CPU. Faults, one every
`--fault-every` seconds on average (exponential gaps, `--seed` for a repeatable order):

  agent-kill    SIGKILL one board's agent mid-benchmark
  sshd-restart  kill one board's sshd with its sessions (and the agent under them), start it
                again after 1-3 s on the same port with the same key (a reboot)
  agent-stall   SIGSTOP one board's agent for 1-3 s, then SIGCONT (a board that stalls)

The host is one `boardbench run` (with generous `--retries`); if it gives up on a board it
exits, and `run --resume` carries on. At the end every (device, benchmark) must be stored
exactly once, no agent may be left running, and memory and descriptors must be flat:

  flat   for each process sampled for at least 20 s: the last third of its samples (after a
         warm-up of the first 10%) holds at most `--fd-slack` more descriptors than the first
         third, and its peak RSS grew by at most max(`--rss-slack-mib`, 10%). Peaks, not
         medians: an agent's RSS swings between its idle size and idle-plus-model as it loads
         and frees each plan, and which of the two a median lands on depends on when the
         samples fell; the peak of a window of the same repeated work does not, and a leak
         raises it.

Samples go to OUT/samples.csv (t, role, pid, rss_kib, fds), faults to OUT/faults.csv, and a
summary to stdout. Exit status 0 when complete and flat, 1 otherwise, 2 on a setup failure.
"""

import argparse
import csv
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def sh(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Board:
    """One sshd on loopback with its own host key, workdir and lock file."""

    def __init__(self, root, name, client_pub):
        self.name = name
        self.dir = os.path.join(root, name)
        os.makedirs(os.path.join(self.dir, "work"))
        self.port = free_port()
        self.host_key = os.path.join(self.dir, "hostkey")
        sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.host_key])
        shutil.copy(client_pub, os.path.join(self.dir, "authorized_keys"))
        self.config = os.path.join(self.dir, "sshd_config")
        with open(self.config, "w") as f:
            f.write(
                f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\n"
                f"PidFile {self.dir}/sshd.pid\nAuthorizedKeysFile {self.dir}/authorized_keys\n"
                "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nLogLevel ERROR\n"
                "MaxStartups 100\nMaxSessions 100\nSubsystem sftp /usr/lib/openssh/sftp-server\n")
        self.proc = None
        self.start()

    def start(self):
        log = open(os.path.join(self.dir, "sshd.log"), "a")
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", self.config], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not listening(self.port):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"sshd for {self.name} did not start: {open(os.path.join(self.dir, 'sshd.log')).read()}")
            time.sleep(0.05)

    def stop(self):
        """Kills sshd and every process under it (its sessions and the agents they run)."""
        if self.proc is None:
            return
        for pid in [self.proc.pid] + descendants(self.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.proc = None


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def descendants(pid):
    kids, out, todo = children_map(), [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def agents(root):
    """pid -> board name for every boardbench-agent whose cmdline points into the soak's boards."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"boardbench-agent") and any(root.encode() in a for a in argv):
            board = argv[0].decode(errors="replace")[len(root) + 1:].split("/")[0]
            found[int(entry)] = board
    return found


def sample(pid):
    """(rss KiB, open descriptors) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration):
        return None


def flatness(series, fd_slack, rss_slack_mib):
    """(verdict, detail) for one process's [(t, rss, fds)]; None when it lived too briefly."""
    if len(series) < 6 or series[-1][0] - series[0][0] < 20:
        return None
    body = series[len(series) // 10:]
    third = max(1, len(body) // 3)
    first, last = body[:third], body[-third:]
    fd_growth = max(s[2] for s in last) - max(s[2] for s in first)
    rss_first = max(s[1] for s in first)
    rss_last = max(s[1] for s in last)
    allowed = max(rss_slack_mib * 1024, 0.10 * rss_first)
    ok = fd_growth <= fd_slack and rss_last - rss_first <= allowed
    detail = (f"rss {rss_first / 1024:.1f} -> {rss_last / 1024:.1f} MiB (allowed +{allowed / 1024:.1f}), "
              f"fds {max(s[2] for s in first)} -> {max(s[2] for s in last)} (allowed +{fd_slack}), "
              f"{len(series)} samples over {series[-1][0] - series[0][0]:.0f} s")
    return ok, detail


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1200)
    ap.add_argument("--boards", type=int, default=4)
    ap.add_argument("--fault-every", type=float, default=None, help="mean seconds between faults (default: seconds/12, at least 4)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--boardbench", default=os.environ.get("BOARDBENCH_BIN", ".build/release/boardbench"))
    ap.add_argument("--agent", default=os.environ.get("BOARDBENCH_TEST_AGENT", ".build/release/boardbench-agent"))
    ap.add_argument("--sleep-ms", type=float, default=20, help="test workload: each execution sleeps this long")
    ap.add_argument("--fd-slack", type=int, default=2)
    ap.add_argument("--rss-slack-mib", type=float, default=8)
    ap.add_argument("--out", default=None, help="directory for samples.csv and faults.csv (default: the soak's temp dir, printed)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary boards and workspace")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    fault_every = args.fault_every or max(4.0, args.seconds / 12)
    boardbench, agent = os.path.abspath(args.boardbench), os.path.abspath(args.agent)
    for path in (boardbench, agent):
        if not os.access(path, os.X_OK):
            print(f"soak: {path} is not an executable (build it, or pass --boardbench/--agent)", file=sys.stderr)
            return 2

    root = tempfile.mkdtemp(prefix="bb-soak-")
    out = args.out or root
    os.makedirs(out, exist_ok=True)
    workspace = os.path.join(root, "workspace")
    os.makedirs(workspace)
    env = dict(os.environ, BOARDBENCH_AGENT=agent, BOARDBENCH_DB=os.path.join(workspace, "store.sqlite"))
    boards = []
    try:
        client_key = os.path.join(root, "client_key")
        sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client_key])
        for i in range(args.boards):
            boards.append(Board(root, f"b{i}", client_key + ".pub"))
        enrolments = []
        for b in boards:
            enrolments.append(subprocess.Popen([boardbench, "device", "enrol", b.name, "--host", "127.0.0.1", "--port", str(b.port), "--user", "root",
                "--identity", client_key, "--workdir", os.path.join(b.dir, "work", "bb"), "--lock-path",
                os.path.join(b.dir, "board.lock"), "--accept-new-host-key", "--workspace", workspace, "-q"], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for b, e in zip(boards, enrolments):
            _, err = e.communicate()
            if e.returncode != 0:
                raise RuntimeError(f"enrolling {b.name} failed: {err.strip()}")

        # One benchmark is 8 sleeping executions plus the agent's per-benchmark work (about
        # 0.25 s with faults); size the profile so the run lasts about --seconds.
        # A profile holds at most 1000 benchmarks: longer soaks sleep longer per execution.
        overhead = 0.25
        count = max(10, min(1000, int(args.seconds / (8 * args.sleep_ms / 1000 + overhead))))
        sleep_ms = max(args.sleep_ms, (args.seconds / count - overhead) / 8 * 1000)
        profile = os.path.join(workspace, "soak.yaml")
        with open(profile, "w") as f:
            f.write("name: soak\nsettings:\n  warmupRuns: 0\n  warmupSeconds: 0\n  minSampleMilliseconds: 0\n"
                    f"  iterations: 8\n  energy: false\n  counters: []\n  testSleepMilliseconds: {sleep_ms:.1f}\n"
                    "  timeoutSeconds: 60\nbenchmarks:\n")
            for i in range(count):
                f.write(f"  - name: nap-{i}\n    model: builtin:mlp\n")
        devices = [a for b in boards for a in ("--device", b.name)]
        common = ["--workspace", workspace, "--retries", "8", "--heartbeat", "0.5", "--missed-heartbeats", "6", "-q"]

        samples_file = open(os.path.join(out, "samples.csv"), "w", newline="")
        faults_file = open(os.path.join(out, "faults.csv"), "w", newline="")
        samples_csv, faults_csv = csv.writer(samples_file), csv.writer(faults_file)
        samples_csv.writerow(["t", "role", "pid", "rss_kib", "fds"])
        faults_csv.writerow(["t", "fault", "board", "pid"])
        series = {}
        start = time.time()
        deadline = start + args.seconds
        hard_deadline = deadline + max(120, args.seconds)
        next_fault = start + rng.expovariate(1 / fault_every)
        stopped = []  # (resume time, pid)
        restarts = []  # (restart time, board)
        hosts, run_id, statuses, exits = 0, None, [], []

        def launch():
            nonlocal hosts
            hosts += 1
            argv = [boardbench, "run"] + (["--resume", str(run_id)] if run_id else ["--profile", profile] + devices) + common
            # Files, not pipes: nobody reads a pipe while the host runs, and a full one would stall it.
            log = os.path.join(out, f"host-{hosts}")
            return subprocess.Popen(argv, env=env, stdout=open(log + ".out", "w"), stderr=open(log + ".err", "w"), stdin=subprocess.DEVNULL)

        host = launch()
        while True:
            now = time.time()
            if host.poll() is not None:
                host.wait()
                with open(os.path.join(out, f"host-{hosts}.err")) as f:
                    stderr = f.read()
                statuses.append(host.returncode)
                if host.returncode != 0:
                    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
                    exits.append(f"host-{hosts} exit {host.returncode}: {errors[-1] if errors else stderr.strip()[-300:]}")
                if run_id is None:
                    listed = json.loads(sh([boardbench, "results", "list", "--json", "--workspace", workspace], env=env).stdout)
                    if not listed["runs"]:
                        print(f"soak: the run did not start (exit {host.returncode}): {stderr.strip()[-1000:]}", file=sys.stderr)
                        return 2
                    run_id = max(r["run"]["runId"] for r in listed["runs"])
                if host.returncode == 0:
                    break
                if now > hard_deadline:
                    print(f"soak: the run did not complete before the hard deadline; last stderr: {stderr.strip()[-500:]}", file=sys.stderr)
                    break
                for when, b in restarts:
                    b.start()
                restarts.clear()
                host = launch()
                continue
            # Sample the host and every agent.
            t = now - start
            for pid, role in [(host.pid, f"host-{hosts}")] + [(p, f"agent-{b}") for p, b in agents(root).items()]:
                s = sample(pid)
                if s:
                    samples_csv.writerow([f"{t:.2f}", role, pid, s[0], s[1]])
                    series.setdefault((role, pid), []).append((t, s[0], s[1]))
            # Faults, until the soak's time is up.
            for when, pid in [x for x in stopped if x[0] <= now]:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                stopped.remove((when, pid))
            for when, b in [x for x in restarts if x[0] <= now]:
                b.start()
                restarts.remove((when, b))
            if now >= next_fault and now < deadline:
                next_fault = now + rng.expovariate(1 / fault_every)
                live = agents(root)
                kind = rng.choice(["agent-kill", "sshd-restart", "agent-stall"])
                board = rng.choice([b for b in boards if b.proc is not None] or boards)
                targets = [p for p, name in live.items() if name == board.name]
                if kind == "sshd-restart" and board.proc is not None:
                    board.stop()
                    restarts.append((now + rng.uniform(1, 3), board))
                    faults_csv.writerow([f"{t:.2f}", kind, board.name, ""])
                elif targets and kind == "agent-kill":
                    os.kill(targets[0], signal.SIGKILL)
                    faults_csv.writerow([f"{t:.2f}", kind, board.name, targets[0]])
                elif targets and kind == "agent-stall":
                    os.kill(targets[0], signal.SIGSTOP)
                    stopped.append((now + rng.uniform(1, 3), targets[0]))
                    faults_csv.writerow([f"{t:.2f}", kind, board.name, targets[0]])
            time.sleep(1)
        for when, pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        samples_file.close()
        faults_file.close()

        # Every (device, benchmark) once, every item done, no agent left behind.
        shown = json.loads(sh([boardbench, "results", "show", str(run_id), "--json", "--workspace", workspace], env=env).stdout)
        keys = [(r["device"], r["benchmark"]) for r in shown["results"]]
        expected = count * len(boards)
        duplicated = len(keys) - len(set(keys))
        done = sum(1 for i in shown["items"] if i["state"] == "done")
        time.sleep(1)
        leftover = agents(root)
        with open(os.path.join(out, "faults.csv")) as f:
            faults = list(csv.DictReader(f))

        print(f"soak: {args.boards} boards, {args.seconds:.0f} s of faults, {time.time() - start:.0f} s in all; "
              f"run {run_id} ({shown['run']['status']}), {hosts} host process(es), exit statuses {statuses}")
        kinds = {k: sum(1 for x in faults if x["fault"] == k) for k in ("agent-kill", "sshd-restart", "agent-stall")}
        print(f"faults: {len(faults)} ({', '.join(f'{k} {v}' for k, v in kinds.items())})")
        print(f"results: expected {expected}, stored {len(set(keys))}, duplicated {duplicated}, items done {done}/{len(shown['items'])}")
        for line in exits:
            print(line)
        print(f"agents left running: {len(leftover)}")
        flat = True
        judged = 0
        for (role, pid), s in sorted(series.items(), key=lambda x: x[1][0][0]):
            verdict = flatness(s, args.fd_slack, args.rss_slack_mib)
            if verdict is None:
                continue
            judged += 1
            flat &= verdict[0]
            print(f"{'flat ' if verdict[0] else 'GROWS'} {role} pid {pid}: {verdict[1]}")
        print(f"processes judged: {judged} (sampled at least 20 s); samples in {os.path.join(out, 'samples.csv')}")
        complete = shown["run"]["status"] == "completed" and len(set(keys)) == expected and duplicated == 0 and done == expected
        ok = complete and flat and not leftover and judged > 0
        print("soak: " + ("passed" if ok else "FAILED"))
        return 0 if ok else 1
    except (subprocess.CalledProcessError, RuntimeError) as e:
        detail = e.stderr if isinstance(e, subprocess.CalledProcessError) else str(e)
        print(f"soak: setup failed: {e}: {detail}", file=sys.stderr)
        return 2
    finally:
        for b in boards:
            b.stop()
        if not args.keep and args.out:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
