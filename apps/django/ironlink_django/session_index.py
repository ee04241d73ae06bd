"""Which Django sessions belong to a provider session (sid) or user (sub), so a logout token can end them.

One small file per sid and per sub under SESSION_INDEX_DIR, named by a hash (ids are the provider's
strings, not file names), listing session keys one per line; flock serialises writers across threads
and processes. Stale keys (sessions that expired) are harmless and pruned when the file is rewritten.
"""
import fcntl
import hashlib
import os
from contextlib import contextmanager
from importlib import import_module

from django.conf import settings


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def _path(kind, value):
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    return os.path.join(settings.SESSION_INDEX_DIR, f"{kind}-{digest}")


@contextmanager
def _locked(path):
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        file = os.fdopen(fd, "r+")
        fcntl.flock(file, fcntl.LOCK_EX)
        # An emptied file is unlinked under its lock: if that happened while we waited, start again.
        if _same_file(path, fd):
            break
        file.close()
    with file:
        yield file


def _same_file(path, fd):
    try:
        on_disk, ours = os.stat(path), os.fstat(fd)
    except FileNotFoundError:
        return False
    return (on_disk.st_dev, on_disk.st_ino) == (ours.st_dev, ours.st_ino)


def _rewrite(file, keys):
    file.seek(0)
    file.truncate()
    file.write("".join(f"{key}\n" for key in keys))


def _update(kind, value, change):
    if not value:
        return
    path = _path(kind, value)
    with _locked(path) as file:
        keys = change([key for key in file.read().split() if _store().exists(key)])
        if keys:
            _rewrite(file, keys)
        else:
            os.unlink(path)


def remember(session_key, sid, sub):
    """Index a signed-in session under its sid and its sub."""
    for kind, value in (("sid", sid), ("sub", sub)):
        _update(kind, value, lambda keys: [k for k in keys if k != session_key] + [session_key])


def forget(session_key, sid, sub):
    """Drop a session from the index (it was signed out here)."""
    for kind, value in (("sid", sid), ("sub", sub)):
        _update(kind, value, lambda keys: [k for k in keys if k != session_key])


def end_sessions(kind, value):
    """Delete every Django session indexed under sid or sub `value`; returns how many keys were listed."""
    path = _path(kind, value)
    if not os.path.exists(path):
        return 0
    with _locked(path) as file:
        keys = file.read().split()
        for key in keys:
            _store().delete(key)
        os.unlink(path)  # under the lock, so a writer waiting for it notices and starts a fresh file
    return len(keys)
