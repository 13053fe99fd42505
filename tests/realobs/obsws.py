# SPDX-License-Identifier: GPL-2.0-or-later
"""A small obs-websocket 5 client (protocol v1, no authentication) on top of
Debian's python3-websocket: enough for the real-OBS stage to send requests
and read their answers."""
import json
import time

import websocket


class ObsError(Exception):
    pass


class Obs:
    def __init__(self, port, timeout=60.0):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                self.ws = websocket.create_connection(
                    "ws://127.0.0.1:%d" % port, timeout=10)
                break
            except (OSError, websocket.WebSocketException) as e:
                last = e
                if time.monotonic() > deadline:
                    raise ObsError("obs-websocket did not answer on port %d within "
                                   "%.0f s: %s" % (port, timeout, last))
                time.sleep(0.5)
        hello = json.loads(self.ws.recv())
        if hello.get("op") != 0:
            raise ObsError("expected Hello, got %r" % hello)
        if "authentication" in hello["d"]:
            raise ObsError("obs-websocket asks for a password: the seeded config "
                           "did not take effect")
        # eventSubscriptions 0: no events, only answers to our requests.
        self.ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "eventSubscriptions": 0}}))
        ident = json.loads(self.ws.recv())
        if ident.get("op") != 2:
            raise ObsError("expected Identified, got %r" % ident)
        self.next_id = 0

    def call(self, request, data=None, check=True):
        self.next_id += 1
        rid = str(self.next_id)
        msg = {"op": 6, "d": {"requestType": request, "requestId": rid}}
        if data is not None:
            msg["d"]["requestData"] = data
        self.ws.send(json.dumps(msg))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("op") == 7 and answer["d"].get("requestId") == rid:
                break
        d = answer["d"]
        status = d["requestStatus"]
        if check and not status["result"]:
            raise ObsError("%s(%s) failed: %s %s" % (request, json.dumps(data), status.get("code"),
                                                     status.get("comment", "")))
        return d.get("responseData", {}) if status["result"] else None

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
