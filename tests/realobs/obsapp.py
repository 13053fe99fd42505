# SPDX-License-Identifier: GPL-2.0-or-later
"""The real OBS Studio app under Xvfb for the real-OBS stage: the X server,
a window manager (openbox: OBS's dialogs need one to get focus and a place),
OBS itself with a scratch HOME, its obs-websocket connection, screenshots of
its windows and OCR of what they say, and `tdshm` processes playing
TouchDesigner."""
import os
import re
import signal
import subprocess
import tempfile
import time

import obsws


def free_display():
    for n in range(150, 200):
        if not os.path.exists("/tmp/.X11-unix/X%d" % n) and not os.path.exists("/tmp/.X%d-lock" % n):
            return ":%d" % n
    raise RuntimeError("no free X display number in :150..:199")


class Desktop:
    """Xvfb + openbox, stopped by close()."""

    def __init__(self, workdir):
        self.display = free_display()
        self.workdir = workdir
        self.procs = []
        log = open(os.path.join(workdir, "xvfb.log"), "w")
        self.procs.append(subprocess.Popen(
            ["Xvfb", self.display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
            stdout=log, stderr=log))
        sock = "/tmp/.X11-unix/X" + self.display[1:]
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("Xvfb did not start on %s" % self.display)
        self.env = dict(os.environ, DISPLAY=self.display)
        log = open(os.path.join(workdir, "openbox.log"), "w")
        self.procs.append(subprocess.Popen(["openbox"], env=self.env, stdout=log, stderr=log))
        time.sleep(0.5)

    def xdotool(self, *args, check=True):
        try:
            r = subprocess.run(["xdotool"] + list(args), env=self.env, capture_output=True,
                               text=True, timeout=10)
        except subprocess.TimeoutExpired:
            if check:
                raise RuntimeError("xdotool %s: no answer in 10 s" % " ".join(args))
            return ""
        if check and r.returncode != 0:
            raise RuntimeError("xdotool %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout.strip()

    def find_window(self, pattern, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.xdotool("search", "--onlyvisible", "--name", pattern, check=False)
            if out:
                return out.split()[0]
            time.sleep(0.2)
        return None

    def screenshot(self, window, path):
        # The root window cropped to the dialog: `import -window` on some
        # of OBS's dialogs (the Filters one) does not return.
        geo = dict(l.split("=", 1) for l in self.xdotool(
            "getwindowgeometry", "--shell", window).splitlines() if "=" in l)
        crop = "%sx%s+%s+%s" % (geo["WIDTH"], geo["HEIGHT"], geo["X"], geo["Y"])
        subprocess.run(["import", "-window", "root", "-crop", crop, "+repage", path],
                       env=self.env, check=True, capture_output=True, timeout=20)

    def ocr_file(self, shot, name):
        big = os.path.join(self.workdir, name + "-ocr.png")
        subprocess.run(["convert", shot, "-resize", "300%", "-colorspace", "Gray", "-negate",
                        "-threshold", "65%", big], check=True, capture_output=True, timeout=20)
        r = subprocess.run(["tesseract", big, "-"], capture_output=True, text=True, timeout=60)
        with open(os.path.join(self.workdir, name + ".txt"), "w") as f:
            f.write(r.stdout)
        return r.stdout

    def ocr(self, window, name):
        """The text of a window, as tesseract reads a 3x copy made black on
        white (OBS's dark theme: light or orange text on dark grey)."""
        shot = os.path.join(self.workdir, name + ".png")
        self.screenshot(window, shot)
        big = os.path.join(self.workdir, name + "-ocr.png")
        subprocess.run(["convert", shot, "-resize", "300%", "-colorspace", "Gray", "-negate",
                        "-threshold", "65%", big], check=True, capture_output=True, timeout=20)
        r = subprocess.run(["tesseract", big, "-"], capture_output=True, text=True, timeout=60)
        text = r.stdout
        with open(os.path.join(self.workdir, name + ".txt"), "w") as f:
            f.write(text)
        return text

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


class Obs:
    """One run of the obs binary in the scratch HOME."""

    def __init__(self, desktop, home, port, run_name):
        self.desktop = desktop
        self.stdout_path = os.path.join(desktop.workdir, "obs-%s.out" % run_name)
        self.out = open(self.stdout_path, "w")
        env = dict(desktop.env, HOME=home, LIBGL_ALWAYS_SOFTWARE="1",
                   XDG_CONFIG_HOME=os.path.join(home, ".config"))
        env.pop("XDG_RUNTIME_DIR", None)
        self.proc = subprocess.Popen(["obs", "--multi", "--disable-missing-files-check"],
                                     env=env, stdout=self.out, stderr=subprocess.STDOUT,
                                     cwd=home)
        self.ws = obsws.Obs(port, timeout=90)
        self.main = desktop.find_window("^OBS [0-9]", timeout=30)

    def log_text(self):
        self.out.flush()
        with open(self.stdout_path, errors="replace") as f:
            return f.read()

    def quit(self, timeout=30.0):
        """Quits the way a user does (closing the main window, which OBS
        handles like File > Exit); True when OBS exited by itself with 0."""
        self.ws.close()
        if self.proc.poll() is None and self.main:
            self.desktop.xdotool("windowactivate", self.main, check=False)
            time.sleep(0.3)
            self.desktop.xdotool("key", "--window", self.main, "alt+F4", check=False)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False
        return rc == 0

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Tool:
    """`tdshm` subprocesses playing TouchDesigner."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.procs = []

    def start(self, name, *args):
        log = open(os.path.join(self.workdir, "tdshm-%s.log" % name), "a")
        p = subprocess.Popen([self.binary] + list(args), stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def run(self, *args, timeout=60):
        r = subprocess.run([self.binary] + list(args), capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stdout + r.stderr

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def close(self):
        for p in self.procs:
            self.stop(p)
