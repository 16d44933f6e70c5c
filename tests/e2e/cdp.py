#!/usr/bin/env python3
"""cdp.py - open pages in headless Chromium with JavaScript disabled and
report what a person would see, over the DevTools protocol on
--remote-debugging-pipe (no network port, no npm, no downloads).

usage: cdp.py CHROMIUM PROFILE_DIR SCREENSHOT.png URL [URL...]

Prints one JSON object: {"pages": [{"url", "html", "errors"}]} where html
is the DOM as rendered (outerHTML) and errors every console error, log
entry of level error, uncaught exception and failed load. The first URL
is also saved as a full-page screenshot. Exits 1 when the browser cannot
be driven."""
import base64
import json
import os
import select
import subprocess
import sys
import time

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-pipe", "--window-size=1280,900"]


class Browser:
    def __init__(self, exe, profile):
        to_r, self.to_w = os.pipe()      # we write commands; the browser reads fd 3
        self.from_r, from_w = os.pipe()  # the browser writes fd 4; we read

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        self.proc = subprocess.Popen([exe] + FLAGS + ["--user-data-dir=" + profile, "about:blank"],
                                     pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.read(deadline)
            if m is None:
                break
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)
        raise RuntimeError(f"{method}: no answer")

    def read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.from_r], [], [], left)[0]:
                return None  # a browser that hangs fails the test, never blocks it
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                return None
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def wait_event(self, method, session, timeout=30):
        deadline = time.time() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                del self.events[i]
                return e
        while time.time() < deadline:
            m = self.read(deadline)
            if m is None:
                break
            if m.get("method") == method and m.get("sessionId") == session:
                return m
            self.events.append(m)
        raise RuntimeError(f"no {method} event")

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def errors_of(events, session):
    out = []
    for e in events:
        if e.get("sessionId") != session:
            continue
        m, p = e.get("method"), e.get("params", {})
        if m == "Log.entryAdded" and p["entry"].get("level") == "error":
            out.append("log: " + p["entry"].get("text", ""))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console: " + json.dumps(p.get("args")))
        elif m == "Runtime.exceptionThrown":
            out.append("exception: " + json.dumps(p.get("exceptionDetails", {}).get("text")))
        elif m == "Network.loadingFailed":
            out.append("load failed: " + p.get("errorText", ""))
    return out


def main():
    exe, profile, shot, urls = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    b = Browser(exe, profile)
    pages = []
    try:
        for n, url in enumerate(urls):
            target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            s = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for dom in ("Page", "Log", "Runtime", "Network", "DOM"):
                b.send(dom + ".enable", session=s)
            b.send("Emulation.setScriptExecutionDisabled", {"value": True}, session=s)
            b.send("Page.navigate", {"url": url}, session=s)
            b.wait_event("Page.loadEventFired", s)
            time.sleep(0.3)  # late console messages
            root = b.send("DOM.getDocument", {"depth": -1}, session=s)["root"]["nodeId"]
            html = b.send("DOM.getOuterHTML", {"nodeId": root}, session=s)["outerHTML"]
            if n == 0:
                img = b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                             session=s)["data"]
                with open(shot, "wb") as f:
                    f.write(base64.b64decode(img))
            b.send("Runtime.evaluate", {"expression": "1"}, session=s)  # flush pending events
            pages.append({"url": url, "html": html, "errors": errors_of(b.events, s)})
            b.send("Target.closeTarget", {"targetId": target})
    finally:
        b.close()
    json.dump({"pages": pages}, sys.stdout)


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        print(f"cdp.py: {e}", file=sys.stderr)
        sys.exit(1)
