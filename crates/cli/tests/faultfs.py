#!/usr/bin/python3
"""A file system that fails fsync on demand, for the fault-injection tests
(crates/cli/tests/faults.rs).

It mirrors a backing directory at a mount point (FUSE, with Debian's
python3-fuse); every operation passes through, except that while the
control file exists, fsync and fdatasync of files fail with EIO, as a
dying disk's would. (Directories' fsync is left to the kernel, which
takes it as done: python3-fuse 1.0.5 crashes on FSYNCDIR.) The data written is kept (the backing
directory has it): what the test checks is that the server acknowledges
nothing whose fsync failed, says why it refuses, and recovers by itself
once fsync works again.

    faultfs.py MOUNTPOINT -o root=BACKING,control=CONTROL_FILE -f
"""

import errno
import os
import sys

import fuse
from fuse import Fuse

fuse.fuse_python_api = (0, 2)


class FaultFs(Fuse):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.root = None
        self.control = None

    def real(self, path):
        return self.root + path

    def failing(self):
        return os.path.exists(self.control)

    # The tree.
    def getattr(self, path):
        return os.lstat(self.real(path))

    def readdir(self, path, offset):
        for name in [".", ".."] + os.listdir(self.real(path)):
            yield fuse.Direntry(name)

    def mkdir(self, path, mode):
        os.mkdir(self.real(path), mode)

    def rmdir(self, path):
        os.rmdir(self.real(path))

    def unlink(self, path):
        os.unlink(self.real(path))

    def rename(self, old, new):
        os.rename(self.real(old), self.real(new))

    def link(self, target, name):
        os.link(self.real(target), self.real(name))

    def symlink(self, target, name):
        os.symlink(target, self.real(name))

    def readlink(self, path):
        return os.readlink(self.real(path))

    def chmod(self, path, mode):
        os.chmod(self.real(path), mode)

    def chown(self, path, user, group):
        os.chown(self.real(path), user, group)

    def truncate(self, path, length):
        os.truncate(self.real(path), length)

    def utime(self, path, times):
        os.utime(self.real(path), times)

    def access(self, path, mode):
        if not os.access(self.real(path), mode):
            return -errno.EACCES

    def statfs(self):
        return os.statvfs(self.root)

    def main(self, *args, **kwargs):
        fs = self

        class File:
            def __init__(self, path, flags, *mode):
                self.fd = os.open(fs.real(path), flags, *mode)

            def read(self, length, offset):
                return os.pread(self.fd, length, offset)

            def write(self, data, offset):
                return os.pwrite(self.fd, data, offset)

            def fgetattr(self):
                return os.fstat(self.fd)

            def ftruncate(self, length):
                os.ftruncate(self.fd, length)

            def flush(self):
                pass

            def fsync(self, datasync):
                if fs.failing():
                    return -errno.EIO
                if datasync:
                    os.fdatasync(self.fd)
                else:
                    os.fsync(self.fd)

            def release(self, flags):
                os.close(self.fd)

        self.file_class = File
        return Fuse.main(self, *args, **kwargs)


def main():
    fs = FaultFs(usage="faultfs.py MOUNTPOINT -o root=BACKING,control=FILE -f")
    fs.multithreaded = False
    fs.parser.add_option(mountopt="root", metavar="PATH", help="the backing directory")
    fs.parser.add_option(mountopt="control", metavar="FILE", help="fsync fails while it exists")
    fs.parse(values=fs, errex=1)
    if not fs.root or not fs.control:
        print("faultfs.py: -o root=BACKING,control=FILE are needed", file=sys.stderr)
        sys.exit(2)
    fs.root = os.path.abspath(fs.root)
    fs.main()


if __name__ == "__main__":
    main()
