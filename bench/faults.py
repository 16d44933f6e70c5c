#!/usr/bin/env python3
"""Randomized fault campaign against the real plansync and plansyncd binaries.

Each round: concurrent CLI writers on every replica, one sync cycle (`plansync sync`,
or `plansyncd` with sometimes a second daemon started by mistake) SIGKILLed after a
random delay measured from its start, sometimes a clock jump on the victim replica.
Then a bounded heal (clock cleared, `plansync sync` on every replica, pass after pass)
and the invariants, checked with stock tools where they can be:

  - every write that returned 0 is on every replica exactly once, with the values it
    wrote (`plansync log --json`), and on the remote in exactly one commit of its own
    replica's branch (`git log --name-status`, `git ls-tree -r`, `git cat-file`);
  - no change file in the remote is in two branches, added twice, modified or deleted;
  - `plansync dump` byte-equal on every replica; nothing undelivered, held or quarantined;
  - `PRAGMA integrity_check` = ok, `git fsck` clean (replicas and remote), no *.lock left.

On a violation: stop (unless --go-on), keep the directory, print the seed, the round
and what differed. Every decision is drawn from one random.Random(seed); the timing of
a kill is wall-clock and so is not reproducible to the instruction, only its delay is.

usage: PLANSYNC=build-rel/plansync PLANSYNCD=build-rel/plansyncd bench/faults.py
         [--rounds N] [--seed S] [--keep] [--go-on] [--clock-jumps P] [--dir DIR]
Exit: 0 no violation, 1 violations, 2 usage or setup error."""
import argparse, collections, difflib, hashlib, json, os, random, signal, statistics
import shutil, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPLICAS = [("tinh", "tinh", "hq"), ("a", "tx-kinh-mon", "a"), ("b", "binh-giang", "b"),
            ("c", "nam-sach", "c")]
TASKS = ["p1-t1", "p1-t2", "p2-t6", "p2-t7", "p3-t2", "p4-t1"]
PERIODS = ["2021", "2021-q3", "2023"]
STATUSES = ["not_started", "on_track", "at_risk", "delayed", "done", "cancelled"]
DRIFT_MS = 600_000  # sync.max_drift default (10 minutes)
CMD_TIMEOUT = 60  # seconds: any one command of the harness
WRITER_TIMEOUT = 30
HEAL_PASSES = 5  # passes of one `plansync sync` per replica

# clock jumps: (label, lo ms, hi ms); the sign is drawn separately
JUMPS = [("minutes<drift", 60_000, 540_000), ("minutes", 660_000, 3_540_000),
         ("hours", 3_600_000, 82_800_000), ("days", 86_400_000, 30 * 86_400_000),
         ("years", 365 * 86_400_000, 5 * 365 * 86_400_000)]


def now_ms():
    return int(time.time() * 1000)


class Campaign:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.P = os.path.abspath(a.plansync)
        self.D = os.path.abspath(a.plansyncd)
        self.W = a.dir
        self.remote = os.path.join(self.W, "remote.git")
        self.env = dict(os.environ)
        for k in ("PLANSYNC_FAKE_NOW_MS", "PLANSYNC_KILL_AT", "PLANSYNC_DIR"):
            self.env.pop(k, None)
        self.env.update(GIT_AUTHOR_NAME="campaign", GIT_AUTHOR_EMAIL="campaign@example.invalid",
                        GIT_COMMITTER_NAME="campaign", GIT_COMMITTER_EMAIL="campaign@example.invalid",
                        LC_ALL="C.UTF-8")
        self.journal = open(os.path.join(self.W, "journal.txt"), "a", encoding="utf-8")
        self.live = set()  # Popen objects that may still run (killed on exit)
        self.acked = {}  # change id -> {"dir", "office", "fields", "round"}
        self.stats = collections.Counter()
        self.heal_passes = []
        self.violations = collections.Counter()
        self.first_violation = {}
        self.kill_delays = []
        self.litter = {}  # "remote"/"replicas" -> temporary pack files left by killed transfers

    # --- processes ---------------------------------------------------------------
    def log(self, msg):
        self.journal.write(msg + "\n")
        self.journal.flush()

    def run(self, args, timeout=CMD_TIMEOUT, env=None, check=False):
        """Run a command to completion, bounded; returns (rc, stdout, stderr).
        A command past its timeout is SIGKILLed and returns rc -999."""
        p = subprocess.Popen(args, cwd=self.W, env=env or self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.live.add(p)
        try:
            out, err = p.communicate(timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            rc = -999
        self.live.discard(p)
        out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        if check and rc != 0:
            raise SystemExit("setup failed: %s: rc %d: %s" % (" ".join(args), rc, err.strip()))
        return rc, out, err

    def ps(self, d, *args, **kw):
        return self.run([self.P, "-C", os.path.join(self.W, d)] + list(args), **kw)

    def kill_all(self):
        for p in list(self.live):
            if p.poll() is None:
                try:
                    p.kill()
                    p.wait(timeout=10)
                except Exception:
                    pass
            self.live.discard(p)

    # --- setup ---------------------------------------------------------------------
    def setup(self):
        self.run(["git", "init", "-q", "--bare", self.remote], check=True)
        pin = []  # the province key (issue 11): each district pins it and the province enrols it
        for d, office, suffix in REPLICAS:
            self.run([self.P, "init", os.path.join(self.W, d), "--office", office, "--replica", suffix,
                      "--remote", self.remote, "--user", "Cán bộ " + office] + pin, check=True)
            if d == "tinh":
                self.ps(d, "plan", "import", check=True)
                fpr = subprocess.run(["ssh-keygen", "-lf", os.path.join(self.W, d, "key.pub")], capture_output=True,
                                     text=True, check=True).stdout.split()[1]
                pin = ["--trust", fpr]
            else:
                self.ps("tinh", "keys", "approve", "%s-%s" % (office, suffix), "--key",
                        os.path.join(self.W, d, "key.pub"), check=True)
                self.ps("tinh", "sync", check=True)
            self.ps(d, "sync", check=True)
        for d, _, _ in REPLICAS:
            self.ps(d, "sync", check=True)
        self.branch = {}
        for d, _, _ in REPLICAS:
            st = json.loads(self.ps(d, "status", "--json", check=True)[1])
            self.branch[d] = "refs/heads/replicas/%s/%s" % (st["office"], st["replica"])
        if self.a.max_kill_ms is None:  # calibrate: a cycle that exports, pushes, fetches
            times = []
            for i in range(5):
                self.ps("a", "progress", "set", "p1-t1", "2021", "--note", "calibrate %d" % i, check=True)
                t0 = time.monotonic()
                self.ps("a", "sync", check=True)
                times.append((time.monotonic() - t0) * 1000)
            for d, _, _ in REPLICAS:
                self.ps(d, "sync", check=True)
            self.a.max_kill_ms = max(40, int(2 * statistics.median(times)))
            self.log("calibration: sync %s ms -> max kill delay %d ms" % ([int(t) for t in times], self.a.max_kill_ms))
        self.a.max_daemon_kill_ms = self.a.max_daemon_kill_ms or 1500

    # --- one round -----------------------------------------------------------------
    def draw_write(self, rnd, n):
        """One write's task, period and fields, drawn from the round's stream."""
        rng = self.rng
        task, period = rng.choice(TASKS), rng.choice(PERIODS)
        fields = {"note": "r%d w%d %s %d" % (rnd, n, rng.choice(["ghi chú", "note", "tiến độ"]), rng.randrange(10**6))}
        args = ["progress", "set", task, period, "--json", "--note", fields["note"]]
        if rng.random() < 0.6:
            fields["percent"] = rng.randrange(101)
            args += ["--percent", str(fields["percent"])]
        if rng.random() < 0.5:
            fields["status"] = rng.choice(STATUSES)
            args += ["--status", fields["status"]]
        if rng.random() < 0.3:
            fields["actual"] = rng.choice(["%d", "%d.5", "0.%02d", "%d.10"]) % rng.randrange(100)
            args += ["--actual", fields["actual"]]
        return task, period, fields, args

    def write(self, rnd, d, office, spec, env, delay, results):
        time.sleep(delay)
        task, period, fields, args = spec
        rc, out, err = self.ps(d, *args, timeout=WRITER_TIMEOUT, env=env)
        rec = {"dir": d, "office": office, "record": "progress/%s/%s/%s" % (office, task, period),
               "fields": fields, "rc": rc, "round": rnd, "err": err.strip()[-300:]}
        if rc == 0:
            try:
                rec["id"] = json.loads(out)["id"]
            except Exception:
                rec["bad_output"] = out[-300:]
        results.append(rec)

    def round(self, rnd):
        rng = self.rng
        mode = "daemon" if rng.random() < 0.4 else "sync"
        vd, voffice, _ = rng.choice(REPLICAS)
        jump = None
        if rng.random() < self.a.clock_jumps:
            label, lo, hi = rng.choice(JUMPS)
            jump = (label, rng.choice([1, -1]) * rng.randrange(lo, hi))
        second = mode == "daemon" and rng.random() < 0.25
        limit = self.a.max_kill_ms if mode == "sync" else self.a.max_daemon_kill_ms
        delay_ms = rng.uniform(0, limit)
        others_sync = [d for d, _, _ in REPLICAS if d != vd and rng.random() < 0.3]
        pre = rng.randrange(4) if rng.random() < 0.7 else 0
        plan = []  # (dir, office, start delay s)
        for d, office, _ in REPLICAS:
            for _ in range(rng.randrange(4 if d != vd else 7)):
                plan.append((d, office, self.draw_write(rnd, len(plan)), rng.uniform(0, limit / 1000.0)))
        fake = now_ms() + jump[1] if jump else None
        venv = dict(self.env)
        if fake is not None:
            venv["PLANSYNC_FAKE_NOW_MS"] = str(fake)
        self.log("round %d: %s on %s, kill at %.1f ms, clock %s, second daemon %s, pre-writes %d, "
                 "writers %d, concurrent syncs %s" % (rnd, mode, vd, delay_ms, jump, second, pre, len(plan),
                                                      others_sync))
        writes = []
        for i in range(pre):  # something to push when the cycle starts
            self.write(rnd, vd, voffice, self.draw_write(rnd, 100 + i), venv, 0, writes)
        threads = [threading.Thread(target=self.write, args=(rnd, d, o, spec, venv if d == vd else self.env, dl,
                                                             writes))
                   for d, o, spec, dl in plan]
        threads += [threading.Thread(target=self.ps, args=(d, "sync")) for d in others_sync]
        vdir = os.path.join(self.W, vd)
        dlog = open(os.path.join(self.W, "daemon-%s.log" % vd), "ab")
        dlog.write(b"--- round %d\n" % rnd)
        dlog.flush()
        if mode == "sync":
            args = [self.P, "-C", vdir, "sync"]
        else:
            args = [self.D, "-C", vdir, "--foreground", "--interval", "1", "--log-level", "debug"]
        t0 = time.monotonic()
        victim = subprocess.Popen(args, cwd=self.W, env=venv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=dlog)
        self.live.add(victim)
        for t in threads:
            t.start()
        two = None
        if second:
            time.sleep(rng.uniform(0, delay_ms / 1000.0))
            two = subprocess.Popen(args, cwd=self.W, env=venv, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=dlog)
            self.live.add(two)
            self.stats["second daemons started"] += 1
        time.sleep(max(0.0, t0 + delay_ms / 1000.0 - time.monotonic()))
        found = []
        if two is not None and two.poll() is None and victim.poll() is None:
            # the second may still be starting: give it a second to refuse
            end = time.monotonic() + 1.0
            while time.monotonic() < end and two.poll() is None and victim.poll() is None:
                time.sleep(0.02)
            if two.poll() is None and victim.poll() is None:
                found.append(("two-daemons", "%s: a second plansyncd (pid %d) ran beside pid %d for over 1 s"
                              % (vd, two.pid, victim.pid)))
        for p in (victim, two):
            if p is None:
                continue
            if p.poll() is None:
                p.kill()
                self.stats["kills"] += 1
                self.stats["kills of " + mode] += 1
                self.kill_delays.append(delay_ms)
            elif p is two:
                self.stats["second daemons that exited by themselves (rc %s)" % p.returncode] += 1
            else:
                self.stats["%s ended before its kill (rc %s)" % (mode, p.returncode)] += 1
            p.wait(timeout=10)
            self.live.discard(p)
        dlog.close()
        if list_locks(self.remote):
            self.stats["kills that left a lock in the remote"] += 1
        for t in threads:
            t.join(WRITER_TIMEOUT + 5)
            if t.is_alive():
                found.append(("hang", "a writer or concurrent sync did not finish in %d s" % WRITER_TIMEOUT))
        for w in list(writes):
            self.stats["writes attempted"] += 1
            if w["rc"] == 0 and "id" in w:
                self.stats["writes returned 0"] += 1
                self.acked[w["id"]] = w
            elif w["rc"] == 0:
                found.append(("writer-output", "%s: write returned 0 without a change id: %r" % (w["dir"], w)))
            else:
                self.stats["writes refused"] += 1
                self.log("  write refused on %s rc %d: %s" % (w["dir"], w["rc"], w["err"]))
        for w in writes:
            if w.get("id"):
                self.log("  acked %s %s %s" % (w["id"], w["record"], json.dumps(w["fields"], ensure_ascii=False)))
        # heal: the clock cleared, every daemon dead, one sync per replica a pass
        if self.a.rm_remote_locks:
            for lock in list_locks(self.remote):
                os.unlink(os.path.join(self.remote, lock))
                self.stats["remote locks removed by hand"] += 1
                self.log("  removed %s from the remote by hand" % lock)
        if jump and jump[1] > DRIFT_MS:
            # changes stamped in the jumped clock's future are held by design until the
            # readers' clocks catch up: two passes on the real clock, then heal with
            # every clock past that future (afterwards every clock is real again)
            self.heal(None, fixed=2)
            passes, heal_found = self.heal(fake + 60_000)
            self.stats["rounds healed past a forward jump"] += 1
        else:
            passes, heal_found = self.heal(None)
        if passes is not None:
            self.heal_passes.append(passes)
        found += heal_found
        found += self.check(rnd, [w for w in writes if w.get("id")])
        return found

    def heal(self, fake, fixed=None):
        env = dict(self.env)
        if fake is not None:
            env["PLANSYNC_FAKE_NOW_MS"] = str(fake)
        found = []
        for n in range(1, (fixed or HEAL_PASSES) + 1):
            for d, _, _ in REPLICAS:
                rc, out, err = self.ps(d, "sync", env=env)
                self.stats["heal syncs"] += 1
                if rc == -999:
                    found.append(("hang", "%s: plansync sync ran over %d s while healing" % (d, CMD_TIMEOUT)))
                self.last_sync = getattr(self, "last_sync", {})
                self.last_sync[d] = (rc, (out + err).strip()[-600:])
            if not fixed and self.quiescent():
                return n, found
        return None, found

    def quiescent(self):
        dumps = set()
        for d, _, _ in REPLICAS:
            rc, out, _ = self.ps(d, "dump")
            dumps.add(out if rc == 0 else None)
            st = self.status(d)
            if not st or st["own_changes"]["not_delivered"] or st["held"]:
                return False
        return len(dumps) == 1 and None not in dumps

    def status(self, d):
        rc, out, _ = self.ps(d, "status", "--json")
        try:
            return json.loads(out) if rc == 0 else None
        except ValueError:
            return None

    # --- invariants ----------------------------------------------------------------
    def check(self, rnd, new):
        found = []
        # local integrity
        for d, _, _ in REPLICAS:
            rc, out, err = self.run(["sqlite3", os.path.join(self.W, d, "plansync.db"), "PRAGMA integrity_check"])
            if rc != 0 or out.strip() != "ok":
                found.append(("integrity", "%s: PRAGMA integrity_check: %s" % (d, (out + err).strip()[:500])))
        for g in [os.path.join(self.W, d, "repo.git") for d, _, _ in REPLICAS] + [self.remote]:
            rc, out, err = self.run(["git", "--git-dir=" + g, "fsck", "--no-progress"], timeout=300)
            bad = [l for l in (out + err).splitlines() if not l.startswith(("dangling ", "notice:"))]
            if rc != 0 or bad:
                found.append(("fsck", "%s: git fsck rc %d: %s" % (os.path.relpath(g, self.W), rc, " | ".join(bad)[:800])))
        for g in [os.path.join(self.W, d, "repo.git") for d, _, _ in REPLICAS] + [self.remote]:
            # a lock on a ref or on the repository's files blocks the next writer; a
            # killed transfer's temporary pack (objects/pack/pack_git2_*.lock) blocks
            # nothing: litter, counted, not a violation
            locks = list_locks(g)
            litter = [l for l in locks if l.startswith("objects/")]
            locks = [l for l in locks if l not in litter]
            if locks:
                found.append(("lock-left", "%s: %s" % (os.path.relpath(g, self.W), ", ".join(locks))))
            name = "remote" if g == self.remote else "replicas"
            self.litter[name] = self.litter.get(name, set()) | set(litter)
        # the remote: every change file added once, in one branch, never modified
        rc, out, err = self.run(["git", "--git-dir=" + self.remote, "for-each-ref", "--format=%(refname) %(objectname)",
                                 "refs/heads/replicas/"])
        heads = dict(l.split() for l in out.splitlines())
        added = collections.defaultdict(list)  # id -> [(ref, commit)]
        in_tree = collections.defaultdict(list)  # id -> [(ref, path, commit)]
        for ref in heads:
            rc, out, err = self.run(["git", "--git-dir=" + self.remote, "log", "--root", "--format=C %H",
                                     "--name-status", "--no-renames", ref])
            commit = None
            for l in out.splitlines():
                if l.startswith("C "):
                    commit = l[2:]
                elif "\t" in l:
                    st, path = l.split("\t", 1)
                    if not path.startswith("changes/"):
                        continue
                    cid = os.path.basename(path)[:-5]
                    # format 2: a commit's tree holds only its own files, so the
                    # previous batch shows as deleted; anything else is a violation
                    if st == "A":
                        added[cid].append((ref, commit[:12]))
                        in_tree[cid].append((ref, path, commit))
                    elif st != "D":
                        found.append(("remote-modified", "%s: %s %s in commit %s" % (ref, st, path, commit[:12])))
        for cid, where in added.items():
            if len(where) != 1:
                found.append(("remote-duplicate", "change %s added %d times: %s" % (cid, len(where), where)))
        for cid, where in in_tree.items():
            if len(where) != 1:
                found.append(("remote-duplicate", "change %s in %d branch trees: %s" % (cid, len(where), where)))
        missing_remote = [cid for cid, w in self.acked.items()
                          if not any(ref == self.branch[w["dir"]] for ref, _, _ in in_tree.get(cid, []))]
        if missing_remote:
            found.append(("not-on-remote", "%d acknowledged write(s) not on their branch in the remote, e.g. %s"
                          % (len(missing_remote), ", ".join(missing_remote[:5]))))
        # exact bytes of this round's writes, read with git cat-file
        blobs = {}
        todo = [(w["id"], "%s:%s" % (in_tree[w["id"]][0][2], in_tree[w["id"]][0][1])) for w in new
                if w["id"] in in_tree]
        if todo:
            p = subprocess.run(["git", "--git-dir=" + self.remote, "cat-file", "--batch"], cwd=self.W,
                               input="".join(s + "\n" for _, s in todo).encode(), stdout=subprocess.PIPE,
                               timeout=CMD_TIMEOUT)
            data, pos = p.stdout, 0
            for cid, _ in todo:
                nl = data.index(b"\n", pos)
                size = int(data[pos:nl].split()[2])
                blobs[cid] = json.loads(data[nl + 1:nl + 1 + size])
                pos = nl + 1 + size + 1
        for w in new:
            c = blobs.get(w["id"])
            if c is None:
                continue
            diff = field_diff(w["fields"], c.get("fields", {}))
            if diff or c.get("record") != w["record"] or c.get("id") != w["id"]:
                found.append(("wrong-values", "remote %s: wrote %s to %s, the file has %s to %s"
                              % (w["id"], w["fields"], w["record"], c.get("fields"), c.get("record"))))
        # every replica: each acknowledged write once, with the same fields as the file
        for d, _, _ in REPLICAS:
            rc, out, err = self.ps(d, "log", "-n", "0", "--json")
            try:
                entries = json.loads(out)
            except ValueError:
                found.append(("replica-log", "%s: plansync log rc %d: %s" % (d, rc, err.strip()[:300])))
                continue
            count = collections.Counter(e["id"] for e in entries)
            dup = [cid for cid, n in count.items() if n != 1]
            if dup:
                found.append(("replica-duplicate", "%s: change(s) listed more than once: %s" % (d, dup[:5])))
            miss = [cid for cid in self.acked if cid not in count]
            if miss:
                found.append(("missing-write", "%s: %d acknowledged write(s) absent, e.g. %s (written on %s)"
                              % (d, len(miss), ", ".join(miss[:5]), self.acked[miss[0]]["dir"])))
            byid = {e["id"]: e for e in entries}
            for w in new:
                e, c = byid.get(w["id"]), blobs.get(w["id"])
                if e is None:
                    continue
                have = {f["field"]: f["new"] for f in e.get("fields", [])}
                want = {k: v for k, v in (c or {}).get("fields", {}).items()}
                if (c is not None and have != want) or e.get("record") != w["record"] or field_diff(w["fields"], have):
                    found.append(("wrong-values", "%s: %s shows %s on %s; written %s, file %s"
                                  % (d, w["id"], have, e.get("record"), w["fields"], want)))
        # converged and drained
        dumps = {}
        for d, _, _ in REPLICAS:
            rc, out, err = self.ps(d, "dump")
            dumps[d] = out if rc == 0 else "dump failed rc %d: %s" % (rc, err)
        if len(set(dumps.values())) != 1:
            ref = dumps["tinh"]
            for d, _, _ in REPLICAS[1:]:
                if dumps[d] != ref:
                    diff = list(difflib.unified_diff(ref.splitlines(), dumps[d].splitlines(), "tinh", d, n=0,
                                                     lineterm=""))
                    found.append(("dumps-differ", "tinh vs %s (sha %s vs %s): %s" % (
                        d, sha(ref), sha(dumps[d]), " | ".join(diff[2:8])[:600])))
        for d, _, _ in REPLICAS:
            st = self.status(d)
            if st is None:
                found.append(("status", "%s: plansync status --json failed" % d))
                continue
            oc = st["own_changes"]
            if oc["not_delivered"] or st["held"] or st["problems"]:
                found.append(("undelivered" if oc["not_delivered"] else "held" if st["held"] else "quarantined",
                              "%s: not_delivered %d (not exported %d, committed %d), held %d, problems %d; "
                              "last heal sync rc %s: %s" % (d, oc["not_delivered"], oc["not_exported"],
                                                            oc["committed"], st["held"], st["problems"],
                                                            *getattr(self, "last_sync", {}).get(d, ("?", "?")))))
        return found

    # --- main loop -----------------------------------------------------------------
    def main(self):
        t0 = time.monotonic()
        tty = sys.stderr.isatty()
        rounds_done = 0
        stop = False
        for rnd in range(1, self.a.rounds + 1):
            found = self.round(rnd)
            rounds_done = rnd
            for kind, detail in found:
                self.violations[kind] += 1
                self.first_violation.setdefault(kind, rnd)
                self.log("VIOLATION round %d %s: %s" % (rnd, kind, detail))
            if found:
                if tty:
                    sys.stderr.write("\n")
                print("VIOLATION seed %d round %d:" % (self.a.seed, rnd))
                for kind, detail in found:
                    print("  %s: %s" % (kind, detail))
                if not self.a.go_on:
                    stop = True
            if tty:
                sys.stderr.write("\rround %d/%d  kills %d  writes %d  violations %d " % (
                    rnd, self.a.rounds, self.stats["kills"], self.stats["writes returned 0"],
                    sum(self.violations.values())))
                sys.stderr.flush()
            if stop or STOP:
                break
        if tty:
            sys.stderr.write("\n")
        wall = time.monotonic() - t0
        hp = self.heal_passes or [0]
        print("fault campaign: seed %d, %d/%d rounds, %.0f s (%.2f s a round)" % (
            self.a.seed, rounds_done, self.a.rounds, wall, wall / max(1, rounds_done)))
        print("  kills: %d (sync %d, daemon %d); max kill delay: sync %d ms, daemon %d ms" % (
            self.stats["kills"], self.stats["kills of sync"], self.stats["kills of daemon"],
            self.a.max_kill_ms, self.a.max_daemon_kill_ms))
        for k in sorted(self.stats):
            if k.startswith(("kills that", "sync ended", "daemon ended", "second", "rounds healed", "remote locks")):
                print("  %s: %d" % (k, self.stats[k]))
        for name, files in sorted(self.litter.items()):
            if files:
                print("  temporary pack files left by killed transfers (litter, not counted as violations): "
                      "%s %d" % (name, len(files)))
        print("  writes: %d attempted, %d returned 0, %d refused" % (
            self.stats["writes attempted"], self.stats["writes returned 0"], self.stats["writes refused"]))
        print("  heal: %d syncs; passes to converge (one sync per replica each): max %d, median %g%s" % (
            self.stats["heal syncs"], max(hp), statistics.median(hp),
            ", %d round(s) did not converge in %d passes" % (rounds_done - len(self.heal_passes), HEAL_PASSES)
            if rounds_done - len(self.heal_passes) else ""))
        if self.violations:
            print("  violations: " + ", ".join("%s %d (first in round %d)" % (k, n, self.first_violation[k])
                                               for k, n in sorted(self.violations.items())))
            print("  kept: %s (journal.txt has every round's draws and each violation)" % self.W)
        else:
            print("  violations: none")
        return 1 if self.violations else 0


STOP = []  # set by SIGINT/SIGTERM: the campaign ends after the round under way (each is bounded)


def on_signal(signum, frame):
    STOP.append(signum)


def field_diff(wrote, have):
    """Fields we wrote that the change carries with another value. A field equal to
    the record's previous value may be left out of the change, but the note is
    unique to each write and must always be there."""
    bad = {k: (v, have.get(k)) for k, v in wrote.items() if k in have and have[k] != v}
    if have.get("note") != wrote["note"]:
        bad["note"] = (wrote["note"], have.get("note"))
    return bad


def list_locks(gitdir):
    out = []
    for root, _, files in os.walk(gitdir):
        out += [os.path.relpath(os.path.join(root, f), gitdir) for f in files if f.endswith(".lock")]
    return sorted(out)


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()[:12]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=None, help="default: drawn and printed")
    ap.add_argument("--keep", action="store_true", help="keep the directory even when nothing failed")
    ap.add_argument("--go-on", action="store_true", help="do not stop at the first round with a violation")
    ap.add_argument("--rm-remote-locks", action="store_true",
                    help="before each heal, delete *.lock files left in the remote, as its admin would; "
                         "to survey past a known stale-lock fault")
    ap.add_argument("--clock-jumps", type=float, default=0.15, help="chance of a clock jump in a round (0 for none)")
    ap.add_argument("--max-kill-ms", type=int, default=None, help="sync kill delay range (default: 2x a measured cycle)")
    ap.add_argument("--max-daemon-kill-ms", type=int, default=None, help="daemon kill delay range (default 1500)")
    ap.add_argument("--dir", default=None, help="work directory (default: a new one under $TMPDIR)")
    ap.add_argument("--plansync", default=os.environ.get("PLANSYNC", os.path.join(HERE, "..", "build-rel", "plansync")))
    ap.add_argument("--plansyncd", default=os.environ.get("PLANSYNCD", os.path.join(HERE, "..", "build-rel", "plansyncd")))
    a = ap.parse_args()
    for b in (a.plansync, a.plansyncd):
        if not os.access(b, os.X_OK):
            print("faults.py: %s is not an executable; set PLANSYNC and PLANSYNCD to the built binaries" % b,
                  file=sys.stderr)
            return 2
    for tool in ("git", "sqlite3"):
        if not shutil.which(tool):
            print("faults.py: %s is needed; install it (apt-get install %s)" % (tool, tool), file=sys.stderr)
            return 2
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1, 10**9)
    made = a.dir is None
    if made:
        a.dir = tempfile.mkdtemp(prefix="plansync-faults.", dir=os.environ.get("TMPDIR", "/tmp"))
    else:
        os.makedirs(a.dir, exist_ok=False)
    a.dir = os.path.abspath(a.dir)
    print("fault campaign: seed %d, directory %s" % (a.seed, a.dir), flush=True)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    c = Campaign(a)
    rc = 2
    try:
        c.setup()
        rc = c.main()
        if STOP:
            print("stopped by a signal after the round under way; kept %s" % a.dir)
            a.keep = True
            rc = rc or 130
    except KeyboardInterrupt:
        print("interrupted; kept %s" % a.dir)
        rc = 130
        a.keep = True
    finally:
        c.kill_all()
        c.journal.close()
    if rc == 0 and not a.keep:
        shutil.rmtree(a.dir, ignore_errors=True)
    elif rc == 2:
        print("setup failed; kept %s" % a.dir)
    return rc


if __name__ == "__main__":
    sys.exit(main())
