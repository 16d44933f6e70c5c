#!/usr/bin/env python3
"""Craft hostile replica branches in two bare repositories with Git plumbing.

usage: craft.py EVIL.git CLEAN.git OUT.tsv

Each case gets its own branch replicas/binh-giang/binh-giang-c<N> holding
one valid change plus the hostile content; CLEAN.git gets the same branches
with only the valid changes. OUT.tsv lists: branch, expected reason regex.
Trees are written raw (git hash-object --literally) so that names Git itself
would refuse (.., .git, control characters) can be made."""
import json, os, subprocess, sys, unicodedata

EVIL, CLEAN, OUT = sys.argv[1:4]
OFFICE = "binh-giang"
TASKS = ["p1-t%d" % i for i in range(1, 8)] + ["p2-t%d" % i for i in range(1, 9)] + ["p3-t%d" % i for i in range(1, 7)]
PERIODS = ["2021", "2022", "2023"]

def git(repo, *args, data=None):
    r = subprocess.run(["git", "-C", repo] + list(args), input=data, capture_output=True, check=True)
    return r.stdout.strip()

def blob(repo, data):
    return git(repo, "hash-object", "-w", "--stdin", data=data).decode()

def fnv(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h

def change_path(office, cid):
    h = fnv(cid)
    return "changes/%s/%02x/%02x/%s.json" % (office, h >> 24, (h >> 16) & 0xff, cid)

def change(replica, hlc, record, fields, office=OFFICE, base=(), op="set", extra=None, order=None):
    hx = "%016x" % hlc
    cid = "%s-%s" % (hx, replica)
    d = {"format": 1, "id": cid, "office": office, "replica": replica, "author": "Kẻ Xấu",
         "hlc": hx, "record": record, "op": op, "base": sorted(base),
         "fields": dict(sorted(fields.items()))}
    if extra:
        d.update(extra)
    if order:
        d = {k: d[k] for k in order}
    text = json.dumps(d, indent=2, ensure_ascii=False) + "\n"
    return cid, unicodedata.normalize("NFC", text).encode()

def tree(repo, entries):
    """entries: list of (mode, name(bytes|str), sha). Written raw, sorted like Git."""
    def key(e):
        n = e[1].encode() if isinstance(e[1], str) else e[1]
        return n + (b"/" if e[0] == "40000" else b"")
    raw = b""
    for mode, name, sha in sorted(entries, key=key):
        n = name.encode() if isinstance(name, str) else name
        raw += mode.encode() + b" " + n + b"\0" + bytes.fromhex(sha)
    return git(repo, "hash-object", "-w", "-t", "tree", "--literally", "--stdin", data=raw).decode()

def build(repo, files):
    """files: {path: (mode, sha)} -> root tree sha (nested dicts)."""
    root = {}
    for path, (mode, sha) in files.items():
        parts = path.split("/") if isinstance(path, str) else [path]
        d = root
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = (mode, sha)
    def write(d):
        ents = []
        for name, v in d.items():
            if isinstance(v, dict):
                ents.append(("40000", name, write(v)))
            else:
                ents.append((v[0], name, v[1]))
        return tree(repo, ents)
    return write(root)

def commit(repo, tree_sha, parents=(), msg="crafted"):
    args = ["commit-tree", tree_sha, "-m", msg]
    if os.environ.get("GIT_SIGN"):  # lib.sh sign_as: signed as plansync signs (commit-tree ignores commit.gpgSign)
        args.append(os.environ["GIT_SIGN"])
    for p in parents:
        args += ["-p", p]
    return git(repo, *args).decode()

cases = []
def case(reason, fn):
    cases.append((reason, fn))

n_ok = [0]
def valid(repo, replica, n):
    rec = "progress/%s/%s/%s" % (OFFICE, TASKS[n % len(TASKS)], PERIODS[(n // len(TASKS)) % len(PERIODS)])
    cid, data = change(replica, (1700000000000 + n) << 16, rec, {"percent": n % 101, "status": "on_track"})
    return change_path(OFFICE, cid), ("100644", blob(repo, data))

def simple(bad_files):
    """A case whose one commit adds the valid change plus bad_files(repo, replica) -> {path: (mode, sha)}."""
    def fn(repo, replica, n, evil):
        files = dict([valid(repo, replica, n)])
        if evil:
            files.update(bad_files(repo, replica, n))
        return commit(repo, build(repo, files))
    return fn

def cfile(data, mode="100644", path=None):
    def f(repo, replica, n):
        if isinstance(data, tuple):
            cid, raw = data
        else:
            cid, raw = "x", data
        return {path or change_path(OFFICE, cid): (mode, blob(repo, raw))}
    return f

def good_change(replica_sfx, **kw):
    return lambda replica: change(replica, kw.pop("hlc", 1700000100000 << 16), kw.pop("record", "progress/binh-giang/p4-t1/2021"), kw.pop("fields", {"percent": 5}), **kw)

def dyn(make, mode="100644", path_of=None):
    """Bad file built from the branch's own replica id."""
    def f(repo, replica, n):
        cid, raw = make(replica)
        path = path_of(replica, cid) if path_of else change_path(OFFICE, cid)
        return {path: (mode, blob(repo, raw))}
    return f

H = (1700000200000 << 16)
FMT = b'{\n  "format": 2,\n  "layout": "each commit holds only its own changes: changes/<office>/<h1>/<h2>/<id>.json",\n  "needs": "0.2.0"\n}\n'
R = "progress/binh-giang/p4-t2/2021"
# --- tree-level attacks -------------------------------------------------
def raw_entry(name, mode="100644", content=b"{}\n", under="changes/binh-giang/aa/bb"):
    def fn(repo, replica, n, evil):
        files = dict([valid(repo, replica, n)])
        sha = blob(repo, content)
        t = build(repo, files)
        if not evil:
            return commit(repo, t)
        # splice a raw entry into the tree at `under`
        def splice(tree_sha, parts):
            ents = []
            if tree_sha:
                for line in git(repo, "ls-tree", tree_sha).decode().splitlines():
                    meta, nm = line.split("\t", 1)
                    m, typ, s = meta.split()
                    ents.append((m, nm, s))
            if not parts:
                ents.append((mode, name, sha))
                return tree(repo, ents)
            sub = next((e for e in ents if e[1] == parts[0]), None)
            ents = [e for e in ents if e[1] != parts[0]]
            ents.append(("40000", parts[0], splice(sub[2] if sub else None, parts[1:])))
            return tree(repo, ents)
        return commit(repo, splice(t, under.split("/") if under else []))
    return fn

case("forbidden file name", raw_entry(b"..", under="changes/binh-giang"))
case("forbidden file name", raw_entry(b".", under="changes/binh-giang"))
case("forbidden file name", raw_entry(b".git", under=""))
case("forbidden file name", raw_entry(b".GIT", under="changes"))
case("forbidden file name", raw_entry(b"a\x01b.json"))
case("forbidden file name", raw_entry(b"a\\b.json"))
case("symbolic links are not allowed", raw_entry(b"link.json", mode="120000", content=b"../../../../etc/passwd"))
case("submodules are not allowed", simple(lambda repo, rep, n: {"changes/binh-giang/aa/sub": ("160000", "0" * 39 + "1")}))
case("executable files are not allowed", simple(dyn(good_change("x"), mode="100755")))
case("file larger than", simple(cfile(b"{" + b" " * 70000 + b"}")))
case("nested more than", simple(cfile(b"[" * 200 + b"]" * 200)))
case("appears twice", simple(cfile(b'{"format": 1, "format": 1}\n')))
case("not valid UTF-8", simple(cfile(b'{"author": "\xff"}\n')))
case("NUL byte", simple(cfile(b'{"a": 1}\n\0')))
case("unexpected bytes after", simple(cfile(b'{"a": 1}\nxx')))
case("malformed JSON", simple(cfile(b'{"format": 1,,}\n')))
case("not a JSON object", simple(cfile(b'[]\n')))
case("outside changes/", simple(cfile(b"hello\n", path="README")))
case("outside changes/", simple(dyn(good_change("x"), path_of=lambda rep, cid: change_path("nam-sach", cid))))
case("does not match its path", simple(dyn(good_change("x"), path_of=lambda rep, cid: "changes/binh-giang/00/00/%s.json" % cid)))
case("does not match its path", simple(dyn(good_change("x"), path_of=lambda rep, cid: change_path(OFFICE, cid)[:-5] + ".txt")))
case("directories nested too deeply", simple(cfile(b"{}\n", path="changes/binh-giang/a/b/c/d/e/f/g/h/i/x.json")))
# --- content attacks ----------------------------------------------------
case("canonical form", simple(dyn(lambda rep: change(rep, H, R, {"percent": 1}, order=["id", "format", "office", "replica", "author", "hlc", "record", "op", "base", "fields"]))))
case("canonical form", simple(dyn(lambda rep: (lambda c: (c[0], c[1].replace(b'  "', b'    "', 1)))(change(rep, H, R, {"percent": 1})))))
case("canonical form", simple(dyn(lambda rep: (lambda c: (c[0], json.dumps(json.loads(c[1]), ensure_ascii=False).encode() + b"\n"))(change(rep, H, R, {"percent": 1})))))
case("not in Unicode NFC|canonical form", simple(dyn(lambda rep: (lambda c: (c[0], c[1].replace("ghi chú".encode(), unicodedata.normalize("NFD", "ghi chú").encode())))(change(rep, H, R, {"note": "ghi chú"})))))
case("unknown key", simple(dyn(lambda rep: change(rep, H, R, {"percent": 1}, extra={"zzz": 1}))))
case("status must be", simple(dyn(lambda rep: change(rep, H, R, {"status": "finished"}))))
case("percent must be", simple(dyn(lambda rep: change(rep, H, R, {"percent": 101}))))
case("record id", simple(dyn(lambda rep: change(rep, H, "progress/../p1/2021", {"percent": 1}))))
case("unknown kind", simple(dyn(lambda rep: change(rep, H, "secret/x", {"a": 1}))))
case("another change", simple(dyn(lambda rep: change(rep, H, R, {"percent": 1}, base=["%016x-%s" % (H, rep)]))))
case("format", simple(dyn(lambda rep: (lambda c: (c[0], c[1].replace(b'"format": 1', b'"format": 2')))(change(rep, H, R, {"percent": 1})))))
case("format file is not", simple(cfile(b'{"format": "2"}\n', path="plansync.json")))
case("branch format 1", simple(cfile(b'{\n  "format": 1,\n  "layout": "changes/<office>/<h1>/<h2>/<id>.json"\n}\n', path="plansync.json")))
case("may not write task/p1-t1", simple(dyn(lambda rep: change(rep, H, "task/p1-t1", {"text": "hacked"}))))
case("may not write progress/nam-sach", simple(dyn(lambda rep: change(rep, H, "progress/nam-sach/p1-t1/2021", {"percent": 1}))))
case("another office", simple(dyn(lambda rep: change("nam-sach-x", H, "progress/nam-sach/p1-t1/2021", {"percent": 1}, office="nam-sach"), path_of=lambda rep, cid: change_path(OFFICE, cid))))
# another replica of the same office may be carried (a replica that continued
# under a new id sends its history again); a replica id of another office may not
case("replica|another office", simple(dyn(lambda rep: change("tinh-other", H, R, {"percent": 1}))))
case("id .* does not match|lacks a required", simple(dyn(lambda rep: (lambda c: (c[0], c[1].replace(b'"hlc": "', b'"hlc": "f', 1).replace(b'"hlc": "f', b'"hlc": "', 1).replace(c[0].encode(), (c[0][:15] + "9" + c[0][16:]).encode(), 1)))(change(rep, H, R, {"percent": 1})))))
case("set needs fields", simple(dyn(lambda rep: change(rep, H, R, {}))))
# --- history attacks ----------------------------------------------------
def later(bad):
    """Valid first commit; the second commit does something only ever-growing history forbids."""
    def fn(repo, replica, n, evil):
        p, f = valid(repo, replica, n)
        c1 = commit(repo, build(repo, {p: f}))
        if not evil:
            return c1
        return bad(repo, replica, n, p, f, c1)
    return fn
# Format 2: a commit's tree holds only its own files, so a later commit
# without an earlier one's file deletes nothing: the change stays counted
# and nothing is reported (NONE); a later commit that lists an earlier
# change's path with other bytes is the "modified" alarm.
case("NONE", later(lambda repo, rep, n, p, f, c1: commit(repo, build(repo, {"plansync.json": ("100644", blob(repo, FMT))}), [c1])))
case("already known with different content|known in another version", later(lambda repo, rep, n, p, f, c1: commit(repo, build(repo, {p: ("100644", blob(repo, change(rep, (1700000000000 + n) << 16, "progress/binh-giang/p1-t1/2021", {"percent": 99})[1]))}), [c1])))
# a newer format from a commit on: read up to its parent, not quarantined
case("needs plansync \u2265 0\\.9\\.1", later(lambda repo, rep, n, p, f, c1: commit(repo, build(repo, dict([valid(repo, rep, n + 500), ("plansync.json", ("100644", blob(repo, b'{"format": 7, "needs": "0.9.1"}\n')))])), [c1])))
case("merge commit", later(lambda repo, rep, n, p, f, c1: commit(repo, build(repo, {p: f}), [c1, commit(repo, build(repo, {p: f}), [], "other")])))
case("does not match its path|format missing", later(lambda repo, rep, n, p, f, c1: commit(repo, build(repo, {p + "/x": ("100644", blob(repo, b"{}"))}), [c1])))

# future clock: held back, not quarantined
def future(repo, replica, n, evil):
    files = dict([valid(repo, replica, n)])
    if evil:
        cid, data = change(replica, (4102444800000 << 16), "progress/binh-giang/p5-t1/2025", {"percent": 50})
        files[change_path(OFFICE, cid)] = ("100644", blob(repo, data))
    return commit(repo, build(repo, files))

out = open(OUT, "w")
for i, (reason, fn) in enumerate(cases, 1):
    replica = "%s-c%d" % (OFFICE, i)
    ref = "refs/heads/replicas/%s/%s" % (OFFICE, replica)
    for repo, evil in ((EVIL, True), (CLEAN, False)):
        git(repo, "update-ref", ref, fn(repo, replica, i, evil))
    out.write("replicas/%s/%s\t%s\n" % (OFFICE, replica, reason))
i = len(cases) + 1
replica = "%s-c%d" % (OFFICE, i)
for repo, evil in ((EVIL, True), (CLEAN, False)):
    git(repo, "update-ref", "refs/heads/replicas/%s/%s" % (OFFICE, replica), future(repo, replica, i, evil))
out.write("replicas/%s/%s\tHELD\n" % (OFFICE, replica))
# bad branch names: only in EVIL
for name in ["replicas/Binh-Giang/x", "replicas/binh-giang/nam-sach-x", "replicas/binh-giang/binh-giang-a/extra"]:
    p, f = valid(EVIL, "binh-giang-zz", 99)
    git(EVIL, "update-ref", "refs/heads/" + name, commit(EVIL, build(EVIL, {p: f})))
    out.write("%s\tbranch name\n" % name)
out.close()
print(len(cases) + 4)
