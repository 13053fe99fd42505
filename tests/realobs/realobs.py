# SPDX-License-Identifier: GPL-2.0-or-later
"""The real-OBS stage's scenarios: Debian's OBS Studio with the plugin
installed the README's way, driven through obs-websocket and its own
dialogs, with `tdshm` playing TouchDesigner. Each scenario prints PASS or
FAIL with what a user would have seen; the exit status is 1 when any
failed.

usage: realobs.py --home HOME --tdshm TDSHM --workdir DIR --port PORT"""
import argparse
import os
import re
import sys
import time
import traceback

import images
import obsapp

IN_NAME = "ro_in"
OUT_NAME = "ro_out"
PROG_NAME = "ro_prog"
CHOP_IN = "ro_chop_in"
CHOP_OUT = "ro_chop_out"

results = []
started = time.monotonic()


def note(msg):
    print("[%6.1f] %s" % (time.monotonic() - started, msg), flush=True)


def scenario(name):
    def wrap(fn):
        def run(*args):
            t = time.monotonic()
            try:
                detail = fn(*args)
                ok = True
            except AssertionError as e:
                ok, detail = False, str(e)
            except Exception as e:
                ok, detail = False, "%s: %s" % (type(e).__name__, e)
                traceback.print_exc()
            results.append((name, ok, detail))
            note("%s %s (%.1f s)%s" % ("PASS" if ok else "FAIL", name, time.monotonic() - t,
                                     ": " + detail if detail else ""))
            return ok
        return run
    return wrap


def wait_for(fn, timeout, step=0.25):
    """fn() until it returns something true, or its last value at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def screenshot(ws, source, width, height):
    r = ws.call("GetSourceScreenshot", {"sourceName": source, "imageFormat": "png",
                                         "imageWidth": width, "imageHeight": height})
    return images.decode_data_uri(r["imageData"])


def source_check(ws, source, width, height, check, timeout=10):
    """None once the source's picture passes check within timeout, else the
    last mismatch."""
    last = ["no screenshot"]

    def attempt():
        img = screenshot(ws, source, width, height)
        last[0] = check(img)
        return last[0] is None
    if wait_for(attempt, timeout, 0.5):
        return None
    return last[0]


class Stage:
    def __init__(self, args):
        self.args = args
        self.desktop = obsapp.Desktop(args.workdir)
        self.tool = obsapp.Tool(args.tdshm, args.workdir)
        self.obs = None
        self.sender = None

    def start_obs(self, run_name):
        t = time.monotonic()
        self.obs = obsapp.Obs(self.desktop, self.args.home, self.args.port, run_name)
        note("OBS %s started, obs-websocket answering, in %.1f s"
             % (self.obs.ws.call("GetVersion")["obsVersion"], time.monotonic() - t))

    def send(self, name, size, pattern="bars", *extra):
        if self.sender:
            self.tool.stop(self.sender)
        self.sender = self.tool.start(name, "send", name, "--size", size, "--pattern", pattern,
                                      "--fps", "30", *extra)
        return self.sender

    def close(self):
        self.tool.close()
        if self.obs:
            self.obs.kill()
        self.desktop.close()


# ---- scenarios ---------------------------------------------------------------

@scenario("source shows 'bars' exactly (640x360, scene canvas size)")
def source_bars(st):
    st.send(IN_NAME, "640x360", "bars")
    problem = source_check(st.obs.ws, "TD In", 640, 360, images.check_bars)
    assert problem is None, problem


@scenario("source shows a 'ramp' the right way up (red to the right, green downwards)")
def source_ramp(st):
    st.send(IN_NAME, "640x360", "ramp")
    problem = source_check(st.obs.ws, "TD In", 640, 360, images.check_ramp)
    assert problem is None, problem
    st.send(IN_NAME, "640x360", "bars")


@scenario("scene filter's output passes `tdshm receive --expect bars` on the first try")
def filter_expect(st):
    problem = source_check(st.obs.ws, "TD In", 640, 360, images.check_bars)
    assert problem is None, "the source does not show the bars yet: %s" % problem
    rc, out = st.tool.run("receive", OUT_NAME, "--frames", "30", "--expect", "bars",
                          "--timeout", "15")
    last = out.strip().splitlines()[-2:]
    assert rc == 0, "exit %d: %s" % (rc, " | ".join(out.strip().splitlines()[-6:]))
    return " | ".join(last)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--tdshm", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    st = Stage(args)
    try:
        st.start_obs("first")
        source_bars(st)
        source_ramp(st)
        filter_expect(st)
    finally:
        st.close()
    failed = [r for r in results if not r[1]]
    note("%d scenarios: %d passed, %d failed" % (len(results), len(results) - len(failed),
                                                  len(failed)))
    for name, _, detail in failed:
        print("  FAILED: %s: %s" % (name, detail))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
