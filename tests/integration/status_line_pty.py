"""Runs ckwrap under a pseudo-terminal and replays what reached the screen.

usage: status_line_pty.py RAW_OUT SCREEN_OUT CKWRAP_ARGS...
Writes the raw bytes and the final screen (a minimal terminal: \\r, \\n,
ESC[K, printable text) and exits with ckwrap's status.
"""
import os
import pty
import sys
import fcntl
import struct
import termios

raw_path, screen_path, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
raw = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:  # EIO: every holder of the terminal has closed it
        break
    if not chunk:
        break
    raw += chunk
_, status = os.waitpid(pid, 0)
open(raw_path, "wb").write(raw)

lines, line, col, i = [], [], 0, 0
text = raw.decode("utf-8", "replace")
while i < len(text):
    c = text[i]
    if text.startswith("\x1b[K", i):
        del line[col:]
        i += 3
        continue
    if c == "\x1b":
        raise SystemExit("unexpected escape sequence at byte %d: %r" % (i, text[i:i + 8]))
    if c == "\r":
        col = 0
    elif c == "\n":
        lines.append("".join(line))
        line, col = [], 0
    else:
        if col < len(line):
            line[col] = c
        else:
            line.append(c)
        col += 1
    i += 1
if line:
    lines.append("".join(line))
open(screen_path, "w").write("\n".join(lines) + "\n")
sys.exit(os.waitstatus_to_exitcode(status))
