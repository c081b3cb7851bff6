# SPDX-License-Identifier: MIT
"""Small file systems the storage tests mount for the database: a tmpfs that can be filled
(disk full) or remounted read-only between runs, and an ext4 image on a loop device that
can be made read-only while a run has the database open (ext4's errors=remount-ro, set off
through its trigger_fs_error knob: the kernel's own emergency read-only remount, which no
open file survives). Mounting needs root; where it is not allowed, entering raises
loopback.Skip with the reason."""
import os
import shutil
import subprocess
import tempfile

from loopback import Skip


def _run(args):
    return subprocess.run(args, capture_output=True, text=True)


class _Mounted:
    """A temporary directory with a file system mounted on it; path is the mount point."""

    def __init__(self, size_kb):
        self.size_kb = size_kb
        self.scratch = None

    def _mount(self):
        raise NotImplementedError

    def __enter__(self):
        if os.geteuid() != 0:
            raise Skip("mounting a file system needs root")
        self.scratch = tempfile.mkdtemp(prefix="nb-fs-")
        self.path = os.path.join(self.scratch, "mnt")
        os.mkdir(self.path)
        try:
            self._mount()
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        return self

    def umount(self):
        if _run(["umount", self.path]).returncode != 0:
            _run(["umount", "-l", self.path])

    def __exit__(self, *exc):
        self.umount()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def fill(self):
        """Takes every free block: later writes that need space fail with ENOSPC."""
        for name, chunk in (("filler", 1 << 16), ("filler-tail", 512)):
            try:
                with open(os.path.join(self.path, name), "ab") as f:
                    while True:
                        f.write(b"\0" * chunk)
                        f.flush()
            except OSError:
                pass

    def free(self):
        """Gives back what fill took."""
        for name in ("filler", "filler-tail"):
            try:
                os.unlink(os.path.join(self.path, name))
            except FileNotFoundError:
                pass


class Tmpfs(_Mounted):
    def _mount(self):
        r = _run(["mount", "-t", "tmpfs", "-o", "size=%dk,mode=0755" % self.size_kb, "tmpfs",
                  self.path])
        if r.returncode != 0:
            raise Skip("mounting a tmpfs is not allowed here (%s)" % r.stderr.strip())

    def remount(self, read_only):
        """Read-only or writable again; only while no file on it is open for writing."""
        r = _run(["mount", "-o", "remount,%s" % ("ro" if read_only else "rw"), self.path])
        if r.returncode != 0:
            raise AssertionError("remount %s: %s" % (self.path, r.stderr.strip()))


class Ext4Image(_Mounted):
    def _mount(self):
        for tool in ("mkfs.ext4", "losetup"):
            if not shutil.which(tool):
                raise Skip("%s is not installed" % tool)
        self.image = os.path.join(self.scratch, "fs.img")
        with open(self.image, "wb") as f:
            f.truncate(self.size_kb * 1024)
        r = _run(["mkfs.ext4", "-q", "-F", self.image])
        if r.returncode != 0:
            raise Skip("mkfs.ext4 failed (%s)" % r.stderr.strip())
        self._attach()

    def _attach(self):
        r = _run(["mount", "-o", "loop,errors=remount-ro", self.image, self.path])
        if r.returncode != 0:
            raise Skip("mounting an ext4 image on a loop device is not allowed here (%s)"
                       % r.stderr.strip())
        self.device = self._device()

    def _device(self):
        """The loop device mounted on path (from this process's mount table)."""
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                if fields[4] == self.path:
                    source = fields[fields.index("-") + 2]
                    return os.path.basename(source)
        raise AssertionError("%s is not mounted" % self.path)

    def fail(self):
        """What the kernel does on a file system error: everything written so far reaches
        the image, then the file system turns read-only under every open file."""
        knob = "/sys/fs/ext4/%s/trigger_fs_error" % self.device
        if not self.device.startswith("loop") or not os.path.exists(knob):
            raise AssertionError("no ext4 error knob for %s" % self.device)
        os.sync()
        with open(knob, "w") as f:
            f.write("test\n")

    def restore(self):
        """Unmounts the failed file system, checks it and mounts it writable again."""
        self.umount()
        _run(["e2fsck", "-f", "-y", self.image])
        self._attach()
