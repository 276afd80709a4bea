// The subset of fuse-native 2.2.6 (which ships no types) that strata uses.
// Callbacks take a negative errno (or 0); read and write take the byte count
// instead. Times arrive as milliseconds since the epoch.
declare module 'fuse-native' {
  namespace Fuse {
    interface Stat {
      mode: number;
      uid: number;
      gid: number;
      size: number;
      nlink: number;
      mtime: Date | number;
      atime: Date | number;
      ctime: Date | number;
      ino?: number;
      blksize?: number;
      blocks?: number;
      dev?: number;
      rdev?: number;
    }
    interface StatFs {
      bsize: number;
      frsize: number;
      blocks: number;
      bfree: number;
      bavail: number;
      files: number;
      ffree: number;
      favail: number;
      fsid: number;
      flag: number;
      namemax: number;
    }
    type Done = (err: number) => void;
    interface Operations {
      init?(cb: Done): void;
      getattr?(path: string, cb: (err: number, stat?: Stat) => void): void;
      fgetattr?(path: string, fd: number, cb: (err: number, stat?: Stat) => void): void;
      readdir?(path: string, cb: (err: number, names?: string[], stats?: Stat[]) => void): void;
      access?(path: string, mode: number, cb: Done): void;
      statfs?(path: string, cb: (err: number, statfs?: StatFs) => void): void;
      open?(path: string, flags: number, cb: (err: number, fd?: number) => void): void;
      create?(path: string, mode: number, cb: (err: number, fd?: number) => void): void;
      read?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrErr: number) => void): void;
      write?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrErr: number) => void): void;
      flush?(path: string, fd: number, cb: Done): void;
      fsync?(path: string, datasync: number, fd: number, cb: Done): void;
      release?(path: string, fd: number, cb: Done): void;
      truncate?(path: string, size: number, cb: Done): void;
      ftruncate?(path: string, fd: number, size: number, cb: Done): void;
      unlink?(path: string, cb: Done): void;
      rename?(src: string, dest: string, cb: Done): void;
      link?(src: string, dest: string, cb: Done): void;
      symlink?(target: string, path: string, cb: Done): void;
      readlink?(path: string, cb: (err: number, target?: string) => void): void;
      mkdir?(path: string, mode: number, cb: Done): void;
      rmdir?(path: string, cb: Done): void;
      chmod?(path: string, mode: number, cb: Done): void;
      chown?(path: string, uid: number, gid: number, cb: Done): void;
      utimens?(path: string, atime: number, mtime: number, cb: Done): void;
      mknod?(path: string, mode: number, dev: number, cb: Done): void;
      getxattr?(path: string, name: string, position: number, cb: (err: number, value?: Buffer) => void): void;
      setxattr?(path: string, name: string, value: Buffer, position: number, flags: number, cb: Done): void;
      listxattr?(path: string, cb: (err: number, list?: string[]) => void): void;
      removexattr?(path: string, name: string, cb: Done): void;
    }
    interface Options {
      /** Handler time limit in ms (default 15000), after which the binding answers ETIMEDOUT. */
      /** One for every handler, or per handler name (false: none) with a default. */
      timeout?: number | false | { default?: number; [op: string]: number | false | undefined };
      force?: boolean;
      mkdir?: boolean;
      debug?: boolean;
      allowOther?: boolean;
      allowRoot?: boolean;
      defaultPermissions?: boolean;
      /** Numbers of 0 are dropped: pass "0" as a string. */
      entryTimeout?: number | string;
      attrTimeout?: number | string;
      fsname?: string;
      subtype?: string;
      kernelCache?: boolean;
      autoCache?: boolean;
      maxRead?: number;
    }
  }
  class Fuse {
    constructor(mnt: string, ops: Fuse.Operations, opts?: Fuse.Options);
    readonly mnt: string;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    static unmount(mnt: string, cb: (err: Error | null) => void): void;
    static readonly EPERM: number;
    static readonly ENOENT: number;
    static readonly EIO: number;
    static readonly EBADF: number;
    static readonly EACCES: number;
    static readonly EEXIST: number;
    static readonly EXDEV: number;
    static readonly ENOTDIR: number;
    static readonly EISDIR: number;
    static readonly EINVAL: number;
    static readonly EROFS: number;
    static readonly ENAMETOOLONG: number;
    static readonly ENOTEMPTY: number;
    static readonly EOPNOTSUPP: number;
    static readonly ENOSYS: number;
    static readonly ENOSPC: number;
  }
  export = Fuse;
}
