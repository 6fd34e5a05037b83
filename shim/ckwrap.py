"""ckwrap.py: the ckwrap protocol for Python jobs (stdlib only, Python 3.8+).

    import ckwrap
    for doc in ckwrap.pending(docs, key=lambda d: d["id"]):
        enrich(doc)
        ckwrap.done(doc["id"])

Put this file's directory on sys.path (PYTHONPATH="$(dirname "$(ckwrap --shim
python)")") or copy the file next to the job. Records are described in
man/ckwrap-protocol.7.

Outside ckwrap (no CKWRAP_FD) every record call is a silent no-op,
resume_from() returns its default and pending() yields everything, so the job
runs bare, unchanged. Under ckwrap each record is one os.write() of at most
PIPE_BUF (4096) bytes: nothing is buffered (a record is on its way when the
call returns), and records from threads or from parallel worker processes
sharing the descriptor never interleave. A record with a newline in it or
longer than PIPE_BUF raises ValueError, under ckwrap or not.

With declared outputs (ckwrap --output, or output() here) every CKPT and DONE
goes with a SIZE record per output, its size now (one os.stat each), in the
same write: a relaunch cuts each file back to the size it had at the last
committed record, so a row is never written twice. Write and flush an item's
rows before its checkpoint() or done().
"""

import contextlib
import json
import os
import select
import sys
import time

__all__ = [
    "active", "checkpoint", "done", "fail", "state", "progress", "complete",
    "resume_from", "attempt", "args", "done_ids", "saved_state", "pending",
    "item", "PIPE_BUF", "sync", "output", "SyncError",
]

PIPE_BUF = 4096  # POSIX's minimum and Linux's value: the atomic pipe write size


def _fd():
    value = os.environ.get("CKWRAP_FD", "")
    return int(value) if value else None


def active():
    """True when running under ckwrap."""
    return _fd() is not None


def _text(value):
    return value if isinstance(value, str) else str(value)


def _record(*fields):
    line = " ".join(_text(f) for f in fields)
    if "\n" in line:
        raise ValueError("ckwrap: record contains a newline: %r" % line[:64])
    return (line + "\n").encode("utf-8", "surrogateescape")


def _write(data, what):
    if len(data) > PIPE_BUF:
        raise ValueError("ckwrap: %s of %d bytes is longer than PIPE_BUF (%d)"
                         % (what, len(data), PIPE_BUF))
    fd = _fd()
    if fd is None:
        return
    # One write(2) of <= PIPE_BUF bytes to a pipe is atomic and never short,
    # which is what makes this thread-safe without a lock.
    written = os.write(fd, data)
    if written != len(data):
        raise OSError("ckwrap: short write to CKWRAP_FD (%d of %d bytes)" % (written, len(data)))


def _emit(*fields):
    _write(_record(*fields), "%s record" % fields[0])


def _state_key(key):
    key = _text(key)
    if not key or " " in key:
        raise ValueError("ckwrap: a STATE key must be non-empty without spaces: %r" % key)
    return key


_outputs_seen = ["", []]  # $CKWRAP_OUTPUTS, and its paths


def _outputs():
    """The declared outputs: $CKWRAP_OUTPUTS, absolute paths one a line."""
    value = os.environ.get("CKWRAP_OUTPUTS", "")
    if value != _outputs_seen[0]:
        _outputs_seen[:] = [value, [p for p in value.split("\n") if p]]
    return _outputs_seen[1]


def _sizes():
    """SIZE bytes path for each declared output, its size now: written with
    the CKPT or DONE it belongs to, so the size ckwrap commits with that record
    holds no row the job writes after it."""
    if _fd() is None:
        return b""
    records = []
    for path in _outputs():
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            size = 0  # not created yet: nothing written
        except OSError:
            continue  # ckwrap takes the size it sees itself
        records.append(_record("SIZE", size, path))
    return b"".join(records)


def _sized(data, what):
    """The SIZE records put before data (ending with a CKPT or DONE), and
    what the write is called in an error."""
    sizes = _sizes()
    return (sizes + data, what + " (with SIZE records)") if sizes else (data, what)


def _with_sizes(data, what):
    """Writes the SIZE records, then data, in one write."""
    _write(*_sized(data, what))


def checkpoint(position, sync=False, timeout=None, state=None):
    """CKPT: everything before position is finished; handed back on resume.

    state={key: value, ...} sends those STATE records with the CKPT in one
    write: ckwrap commits them together, so a value and the position it
    belongs to are never saved apart, whenever the job is killed.
    sync=True returns only once the commit holding this record is durable
    (see sync())."""
    data = b"".join(_record("STATE", _state_key(k), v) for k, v in state.items()) if state else b""
    data += _record("CKPT", position)
    data, what = _sized(data, "CKPT with its STATE records" if state else "CKPT record")
    if sync:
        # The SYNC goes in the same write: one wake-up of ckwrap, not two.
        _wait_durable(timeout, data, what)
    else:
        _write(data, what)


def output(path):
    """OUTPUT: declare a file the job appends to (like ckwrap --output).

    The path is made absolute here, in the job's directory, and added to
    $CKWRAP_OUTPUTS (for this process and those it starts), so that every
    CKPT and DONE after it carries the file's size."""
    path = os.path.abspath(os.fsdecode(path))
    _emit("OUTPUT", path)
    if _fd() is not None and path not in _outputs():
        listed = os.environ.get("CKWRAP_OUTPUTS", "")
        os.environ["CKWRAP_OUTPUTS"] = listed + "\n" + path if listed else path


class SyncError(OSError):
    """No acknowledgement: a timeout, or ckwrap is gone."""


_sync_seq = [0]
# The process id in SYNC tokens, kept: os.getpid() is a system call (1.4 us
# here, on a round trip of about 250); a forked child takes its own.
_pid = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _pid.__setitem__(0, os.getpid()))


def sync(timeout=None):
    """SYNC: wait until every record emitted before is in a durable commit;
    see _wait_durable."""
    _wait_durable(timeout)


def _wait_durable(timeout=None, records=b"", what="SYNC record"):
    """SYNC: wait until every record emitted before is in a durable commit.

    records are sent in the same write as the SYNC. timeout: seconds
    (default $CKWRAP_SYNC_TIMEOUT, else 60). Raises SyncError on timeout or
    when ckwrap is gone. One waiter at a time per job
    (man/ckwrap-protocol.7). Outside ckwrap: sends nothing, returns at once."""
    if _fd() is None:
        _write(records, what)  # checks the size; writes nothing
        return
    ack = os.environ.get("CKWRAP_ACK_FD", "")
    if not ack:
        raise SyncError("ckwrap: no acknowledgement channel (CKWRAP_ACK_FD unset)")
    if timeout is None:
        timeout = float(os.environ.get("CKWRAP_SYNC_TIMEOUT", "60"))
    _sync_seq[0] += 1
    token = "py%d.%d" % (_pid[0], _sync_seq[0])
    sync_record = _record("SYNC", token)
    try:
        if len(records) + len(sync_record) <= PIPE_BUF:
            _write(records + sync_record, what + " with its SYNC")
        else:
            _write(records, what)
            _write(sync_record, "SYNC record")
    except BrokenPipeError:
        raise SyncError("ckwrap: ckwrap is gone: cannot send SYNC %s" % token) from None
    _await_ack(int(ack), token, timeout)


def _await_ack(ack_fd, token, timeout):
    """Reads acknowledgement lines until token's. Acknowledgements come in
    commit order and only one waiter waits at a time, so nothing follows our
    line: a whole read is safe, and one read is one wake-up."""
    deadline = time.monotonic() + timeout
    want = token.encode("utf-8", "surrogateescape")
    pending = b""
    while True:
        left = deadline - time.monotonic()
        ready = select.select([ack_fd], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            raise SyncError("ckwrap: no acknowledgement of SYNC %s within %gs" % (token, timeout))
        chunk = os.read(ack_fd, PIPE_BUF)
        if not chunk:
            raise SyncError("ckwrap: ckwrap is gone: the acknowledgement channel closed "
                            "before SYNC %s" % token)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        if want in lines:  # older lines are SYNCs that timed out
            return


def done(item_id):
    """DONE: item_id is finished (pending() skips it after a relaunch)."""
    _with_sizes(_record("DONE", item_id), "DONE record")


def fail(item_id, reason=""):
    """FAIL: item_id failed; kept in the checkpoint's error list."""
    item_id = _text(item_id)
    if " " in item_id:
        raise ValueError("ckwrap: a FAIL id cannot contain a space: %r" % item_id)
    if reason:
        _emit("FAIL", item_id, _text(reason).replace("\n", " "))
    else:
        _emit("FAIL", item_id)


def state(key, value):
    """STATE: a small key/value handed back on resume (saved_state()).
    To keep it in step with a position, see checkpoint(position, state=...)."""
    _emit("STATE", _state_key(key), value)


def progress(n, total=None):
    """PROGRESS: for display only."""
    if total is None:
        _emit("PROGRESS", int(n))
    else:
        _emit("PROGRESS", int(n), int(total))


def complete():
    """COMPLETE: the job declares all work finished."""
    _emit("COMPLETE")


def resume_from(default=None):
    """The position to resume from ($CKWRAP_RESUME_FROM), else default."""
    return os.environ.get("CKWRAP_RESUME_FROM", default)


def attempt():
    """Which launch this is: 1, 2, ... (1 outside ckwrap)."""
    return int(os.environ.get("CKWRAP_ATTEMPT", "1"))


def args(argv=None):
    """argv[1:] without the trailing "--resume-from POS" ckwrap appended."""
    argv = list(sys.argv[1:] if argv is None else argv)
    position = os.environ.get("CKWRAP_RESUME_FROM")
    flag = os.environ.get("CKWRAP_RESUME_FLAG", "--resume-from")
    if position is not None and len(argv) >= 2 and argv[-2:] == [flag, position]:
        del argv[-2:]
    return argv


def done_ids():
    """The ids DONE before this launch (from $CKWRAP_DONE_FILE), a frozenset."""
    path = os.environ.get("CKWRAP_DONE_FILE")
    if not path:
        return frozenset()
    with open(path, "r", encoding="utf-8", errors="surrogateescape", newline="\n") as f:
        return frozenset(line[:-1] if line.endswith("\n") else line for line in f if line != "\n")


def saved_state():
    """The STATE map saved before this launch (from $CKWRAP_STATE_FILE), a dict."""
    path = os.environ.get("CKWRAP_STATE_FILE")
    if not path:
        return {}
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)


def pending(iterable, key=None):
    """Yields the items of iterable whose id (key(item), or the item) is not DONE."""
    finished = done_ids()
    for entry in iterable:
        item_id = entry if key is None else key(entry)
        if _text(item_id) not in finished:
            yield entry


@contextlib.contextmanager
def item(item_id):
    """DONE item_id when the block finishes; FAIL item_id (then re-raise) if it raises.

    pending() skips only DONE ids, so a failed item is tried again on the next launch.
    """
    try:
        yield
    except BaseException as error:
        if not isinstance(error, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            reason = ("%s: %s" % (type(error).__name__, error))[:512]
            try:
                fail(item_id, reason)
            except (OSError, ValueError):
                pass
        raise
    done(item_id)
