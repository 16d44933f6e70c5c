#!/usr/bin/env python3
"""Turn bench/results.tsv into bench/RESULTS.md and the scaling plot (SVG).

usage: report.py results.tsv RESULTS.md scaling.svg"""
import csv, math, os, platform, subprocess, sys

tsv, md, svg = sys.argv[1:4]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"

cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip() or platform.processor()
mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
machine = [
    ("CPU", cpu), ("cores", sh("nproc")), ("memory", mem), ("kernel", platform.release()),
    ("compiler", sh("cc --version | head -1")), ("git", sh("git --version")),
    ("sqlite3", sh("sqlite3 --version | cut -d' ' -f1")), ("libgit2", sh("pkg-config --modversion libgit2")),
    ("date this page was written", sh("date -u +%Y-%m-%dT%H:%MZ")),
    ("load average when this page was written (1, 5, 15 min; 2 cores shared)", sh("cut -d' ' -f1-3 /proc/loadavg")),
]
names = {
    "bulk_export": ("bulk export", "one cycle exporting N new changes into a commit", "`git fast-import` of the identical files into one commit"),
    "incremental_export": ("incremental export", "one cycle exporting 1 new change into a replica of that size", "`git add -A && git commit` of one new file in a work tree of the same files"),
    "import": ("import", "an empty replica importing a fetched branch of N changes", "`sqlite3 .import` of the same rows as CSV into a table of the same columns"),
    "idle_cycle": ("idle cycle", "`plansync sync` with nothing new, that many replica branches", "`git fetch` of the same remote with nothing new"),
    "idle_cycle_cli": ("idle cycle, CLI", "a `plansync sync` process with nothing new, that many replica branches", "`git fetch` of the same remote with nothing new"),
    "incremental_flatness": ("incremental export flatness", "export time at 100k changes over that at 1k", "-"),
    "cli_write": ("CLI write", "`plansync progress set` on a replica of that many changes", "a `sqlite3` process inserting one row into the same database"),
    "memory_import": ("memory: import", "peak RSS of the import above (KiB)", "-"),
    "memory_daemon_idle": ("memory: idle daemon", "peak RSS of plansyncd left idle (KiB)", "-"),
    "daemon_idle_cpu": ("CPU: idle daemon", "CPU seconds used by plansyncd left idle", "-"),
    "cycle_file": ("one-change cycle, file://", "`plansync progress set` then a `plansync sync` process, a replica with that many of its own changes already in a bare remote on disk", "`git add FILE && git commit && git push` of one file in a work tree of that many files, to a bare remote on disk"),
    "cycle_ssh": ("one-change cycle, ssh://", "the same cycle against the same bare remote through an OpenSSH server on 127.0.0.1", "the same `git add && git commit && git push` over ssh:// to the same server"),
    "cycle_daemon_file": ("one-change cycle in plansyncd, file://", "one new change, then one cycle inside a process that stays up (libgit2 and the database already open)", "as for the one-change cycle, file://"),
    "cycle_daemon_ssh": ("one-change cycle in plansyncd, ssh://", "the same inside one process, over ssh://", "as for the one-change cycle, ssh://"),
    "cycle_flatness_file": ("cycle flatness, file://", "the one-change cycle at this size", "the same cycle at 1,000 changes"),
    "cycle_flatness_ssh": ("cycle flatness, ssh://", "the one-change cycle at this size", "the same cycle at 1,000 changes"),
    "ssh_session": ("one ssh session", "`ssh HOST true` against the bench sshd (s)", "-"),
    "offices_cycle": ("many offices", "the one-change cycle (file://) with that many replica branches in the remote", "the same cycle with 13 branches"),
    "offices_cycle_packed": ("many offices, refs packed", "the one-change cycle (file://) with that many replica branches in the remote, its refs packed as after git gc", "the same cycle with 13 branches"),
    "bulk_sync": ("bulk sync", "the first `plansync sync` of N local changes, export and push to a bare remote", "`git fast-import` of the same files and `git push` of the result to another bare remote"),
    "join": ("join", "`plansync init DIR --office nam-sach --remote URL` of a remote holding N changes", "`sqlite3 .import` of the same change rows as CSV into a table keyed by id"),
    "memory_join": ("memory: join", "peak RSS of the join above (KiB, /usr/bin/time)", "the 64 MiB target (65536 KiB), or at 1M the peak RSS of `git clone --bare` of the same remote"),
    "storage": ("storage", "`plansync.db` pages in use per change (page_count - freelist_count, no VACUUM)", "the change files' raw canonical bytes per change"),
    "storage_file": ("storage, the file", "the `plansync.db` file's bytes per change, after plansyncd gave free pages back", "the change files' raw canonical bytes per change"),
    "convergence": ("convergence", "a write on one replica until it shows on all 13 (s), daemons at 1 s", "-"),
}
out = ["# plansync benchmarks", "",
       "Measured by `bench/run.sh` on this machine; every ratio is against a baseline run in the same",
       "script on the same data. Times are medians, in seconds.", "", "| machine | |", "| --- | --- |"]
out += ["| %s | %s |" % kv for kv in machine]
out += ["", "| case | size | plansync | baseline | ratio | target | met | what is compared |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
for r in rows:
    title, what, base = names.get(r["case"], (r["case"], "", ""))
    note = what + ("; baseline: " + base if base != "-" else "")
    if r.get("note") and r["note"] not in ("-", ""):
        note += " (" + r["note"] + ")"
    out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (title, r["size"], r["plansync_s"], r["baseline_s"], r["ratio"], r["target"], r["met"], note))
notes_path = os.path.join(os.path.dirname(md), "NOTES.md")
if os.path.exists(notes_path):
    out += ["", open(notes_path).read().strip()]
out += ["", "![scaling](scaling.svg)", ""]
open(md, "w").write("\n".join(out))

# scaling plot: log-log panels, plansync vs baseline, two rows
panels = [("incremental_export", "incremental export (s) vs replica size"),
          ("idle_cycle", "idle cycle (s) vs branches"),
          ("cli_write", "CLI write (s) vs replica size"),
          ("cycle_file", "one-change cycle, file:// (s) vs changes"),
          ("cycle_ssh", "one-change cycle, ssh:// (s) vs changes"),
          ("offices_cycle", "one-change cycle (s) vs branches")]
PW, PH = 280, 220
W, H = 40 + 3 * (PW + 40), 2 * (PH + 80)
parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>']
for i, (case, title) in enumerate(panels):
    pts = [r for r in rows if r["case"] == case]
    x0, y0 = 40 + (i % 3) * (PW + 40), 40 + (i // 3) * (PH + 80)
    parts.append('<text x="%d" y="%d" font-size="12" font-weight="bold">%s</text>' % (x0, y0 - 15, title))
    parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>' % (x0, y0, PW, PH))
    if not pts:
        continue
    xs = [float(p["size"]) for p in pts]
    ys = [float(v) for p in pts for v in (p["plansync_s"], p["baseline_s"]) if v not in ("-", "")]
    lx0, lx1 = math.log10(min(xs)) - 0.2, math.log10(max(xs)) + 0.2
    ly0, ly1 = math.log10(min(ys)) - 0.3, math.log10(max(ys)) + 0.3
    X = lambda v: x0 + (math.log10(v) - lx0) / (lx1 - lx0) * PW
    Y = lambda v: y0 + PH - (math.log10(v) - ly0) / (ly1 - ly0) * PH
    for e in range(math.ceil(ly0), math.floor(ly1) + 1):
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>' % (x0, x0 + PW, Y(10 ** e), Y(10 ** e)))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (x0 - 4, Y(10 ** e) + 4, 10 ** e))
    for v in xs:
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (X(v), y0 + PH + 14, v))
    for key, color, label in (("plansync_s", "#c0392b", "plansync"), ("baseline_s", "#2c3e50", "baseline")):
        p = [(X(float(r["size"])), Y(float(r[key]))) for r in pts if r[key] not in ("-", "")]
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, " ".join("%.1f,%.1f" % q for q in p)))
        for q in p:
            parts.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (q[0], q[1], color))
    parts.append('<text x="%d" y="%d" fill="#c0392b">plansync</text><text x="%d" y="%d" fill="#2c3e50">baseline</text>' % (x0 + 8, y0 + 14, x0 + 70, y0 + 14))
parts.append("</svg>")
open(svg, "w").write("\n".join(parts))
