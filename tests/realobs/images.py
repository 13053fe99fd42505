# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads the PNGs obs-websocket's GetSourceScreenshot returns (8-bit RGB or
RGBA, not interlaced: what Qt writes) with the standard library alone, and
compares them against the patterns `tdshm send` draws (their definition is
common/src/pattern.c: bars are 8 vertical bars white, yellow, cyan, green,
magenta, red, blue, black; ramp is r = x, g = y from the top, b = 1 - r)."""
import base64
import struct
import zlib

BARS = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
        (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]


class Image:
    def __init__(self, width, height, rows):
        self.width, self.height, self.rows = width, height, rows  # rows: list of bytes, RGBA

    def rgba(self, x, y):
        r = self.rows[y]
        return tuple(r[4 * x:4 * x + 4])


def decode_png(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("PNG kind not handled: depth %d colour %d interlace %d"
                                 % (depth, ctype, interlace))
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        prev = line
        if bpp == 3:
            rgba = bytearray()
            for x in range(width):
                rgba += line[3 * x:3 * x + 3] + b"\xff"
            line = rgba
        rows.append(bytes(line))
    return Image(width, height, rows)


def decode_data_uri(uri):
    return decode_png(base64.b64decode(uri.split(",", 1)[1]))


def check_bars(img, tolerance=3):
    """None when every pixel away from a bar edge is its bar's colour within
    tolerance; otherwise where and how it differs."""
    bad = 0
    first = None
    for y in range(0, img.height, max(1, img.height // 24)):
        for x in range(img.width):
            bar = x * 8 // img.width
            # one pixel either side of a bar edge may be filtered
            if (x - 1) * 8 // img.width != bar or (x + 1) * 8 // img.width != bar:
                continue
            got = img.rgba(x, y)
            want = BARS[bar]
            if max(abs(got[k] - want[k]) for k in range(3)) > tolerance or got[3] < 250:
                bad += 1
                if first is None:
                    first = "pixel (%d,%d) is %r, bar %d should be %r" % (x, y, got, bar, want)
    return None if not bad else "%d pixels differ from the bars; first: %s" % (bad, first)


def check_ramp(img, tolerance=6):
    """None when the picture is the ramp the right way up (green grows
    downwards, red to the right)."""
    bad, first = 0, None
    w, h = img.width, img.height
    for y in range(0, h, max(1, h // 16)):
        for x in range(0, w, max(1, w // 16)):
            got = img.rgba(x, y)
            r = round(255 * x / (w - 1))
            g = round(255 * y / (h - 1))
            want = (r, g, 255 - r)
            if max(abs(got[k] - want[k]) for k in range(3)) > tolerance:
                bad += 1
                if first is None:
                    first = "pixel (%d,%d) is %r, should be %r" % (x, y, got[:3], want)
    return None if not bad else "%d samples differ from the ramp; first: %s" % (bad, first)


def is_blank(img, level=8):
    """True when nothing shows: every sampled pixel is black or transparent."""
    for y in range(0, img.height, max(1, img.height // 16)):
        for x in range(0, img.width, max(1, img.width // 16)):
            r, g, b, a = img.rgba(x, y)
            if a > level and max(r, g, b) > level:
                return False
    return True
