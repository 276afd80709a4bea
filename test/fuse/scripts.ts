// Python programs the FUSE tests run in child processes against a mount
// (python's mmap module is the simplest way to get real MAP_SHARED writes).
// Not a test file itself (no .test suffix).

/**
 * mmap reads and writes: argv[1] is a file in the mount. Writes a known
 * pattern with write(2), reads it back through a read-only mapping, changes
 * bytes through a shared writable mapping (msync), and checks the result
 * through read(2) in this process and after reopening. Prints "ok".
 */
export const MMAP_SCRIPT = `
import mmap, os, sys
path = sys.argv[1]
size = 300_000
data = bytes((i * 7 + 3) & 0xff for i in range(size))
with open(path, 'wb') as f:
    f.write(data)
with open(path, 'rb') as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    assert m[:] == data, 'mmap read differs from what was written'
    m.close()
want = bytearray(data)
with open(path, 'r+b') as f:
    m = mmap.mmap(f.fileno(), 0)
    for off in (0, 4095, 4096, 123_457, size - 10):
        m[off:off + 10] = b'MMAPWRITE!'
        want[off:off + 10] = b'MMAPWRITE!'
    m.flush()
    f.seek(0)
    assert f.read() == bytes(want), 'read(2) after msync differs'
    m.close()
with open(path, 'rb') as f:
    assert f.read() == bytes(want), 'content after reopening differs'
with open(path, 'r+b') as f:
    m = mmap.mmap(f.fileno(), 0)
    m[1000:1004] = b'LAST'
    want[1000:1004] = b'LAST'
    m.close()  # munmap without msync: written back by close at the latest
with open(path, 'rb') as f:
    assert f.read() == bytes(want), 'content after munmap and close differs'
print('ok')
`;

/**
 * The randomized comparison: argv = [mount file, local file, seed, steps].
 * Runs the same mixed operations (pwrite, O_APPEND write, ftruncate, pread,
 * mmap write, fsync, close and reopen) on both files and compares size and
 * every byte after every step. On a difference it prints the seed, the step
 * and the last operations, and exits 1.
 */
export const RANDOMIZED_SCRIPT = `
import mmap, os, random, sys
mpath, lpath, seed, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
MAX = 200_000
history = []

def fail(step, why):
    print(f'seed {seed}: step {step}: {why}; last ops: {history[-8:]}', file=sys.stderr)
    sys.exit(1)

def read_all(fd):
    size = os.fstat(fd).st_size
    out = bytearray()
    while len(out) < size:
        chunk = os.pread(fd, size - len(out), len(out))
        if not chunk:
            break
        out += chunk
    return size, bytes(out)

def check(step, fds):
    (ms, md), (ls, ld) = read_all(fds[0]), read_all(fds[1])
    if ms != ls:
        fail(step, f'size {ms} through the mount, {ls} locally')
    if md != ld:
        first = next(i for i in range(min(len(md), len(ld))) if md[i] != ld[i]) if len(md) == len(ld) else min(len(md), len(ld))
        fail(step, f'content differs at byte {first} (read {len(md)} / {len(ld)} bytes)')

def open_both():
    return [os.open(p, os.O_RDWR) for p in (mpath, lpath)]

for p in (mpath, lpath):
    os.close(os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644))
fds = open_both()
for step in range(steps):
    size = os.fstat(fds[1]).st_size
    r = rng.random()
    if r < 0.35:
        pos = rng.randrange(0, min(size + 4096, MAX))
        data = rng.randbytes(rng.randrange(1, 20_000))
        history.append(('pwrite', pos, len(data)))
        for fd in fds:
            os.pwrite(fd, data, pos)
    elif r < 0.50:
        data = rng.randbytes(rng.randrange(1, 5_000)) if size < MAX else b''
        history.append(('append', len(data)))
        for p in (mpath, lpath):
            fd = os.open(p, os.O_WRONLY | os.O_APPEND)
            os.write(fd, data)
            os.close(fd)
    elif r < 0.60:
        n = rng.randrange(0, min(size + 30_000, MAX))
        history.append(('ftruncate', n))
        for fd in fds:
            os.ftruncate(fd, n)
    elif r < 0.72:
        pos, n = rng.randrange(0, size + 100), rng.randrange(1, 30_000)
        history.append(('pread', pos, n))
        a, b = os.pread(fds[0], n, pos), os.pread(fds[1], n, pos)
        if a != b:
            fail(step, f'pread({pos}, {n}) returned {len(a)} bytes through the mount, {len(b)} locally, or different bytes')
    elif r < 0.87:
        if size == 0:
            history.append(('mmap-skip',))
        else:
            pos = rng.randrange(0, size)
            data = rng.randbytes(min(size - pos, rng.randrange(1, 10_000)))
            flush = rng.random() < 0.7
            history.append(('mmap', pos, len(data), 'msync' if flush else 'munmap'))
            for fd in fds:
                m = mmap.mmap(fd, size)
                m[pos:pos + len(data)] = data
                if flush:
                    m.flush()
                m.close()
    elif r < 0.92:
        history.append(('fsync',))
        for fd in fds:
            os.fsync(fd)
    else:
        history.append(('reopen',))
        for fd in fds:
            os.close(fd)
        fds = open_both()
    check(step, fds)
for fd in fds:
    os.close(fd)
fds = open_both()
check(steps, fds)
for fd in fds:
    os.close(fd)
print(os.stat(lpath).st_size)
`;
