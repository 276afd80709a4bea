// Extended attributes through the mount: setfattr/getfattr (package attr)
// and python's os.setxattr with XATTR_CREATE / XATTR_REPLACE, in child
// processes; the attributes live in the master, so a second mount sees them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FuseFixture, python, sh } from './harness';

const FLAGS_SCRIPT = `
import errno, os, sys
p = sys.argv[1]
def code(fn):
    try:
        fn()
        return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
out = []
out.append(code(lambda: os.setxattr(p, 'user.k', b'v1', os.XATTR_CREATE)))
out.append(code(lambda: os.setxattr(p, 'user.k', b'v2', os.XATTR_CREATE)))
out.append(code(lambda: os.setxattr(p, 'user.k', b'v3', os.XATTR_REPLACE)))
out.append(code(lambda: os.setxattr(p, 'user.nope', b'x', os.XATTR_REPLACE)))
out.append(code(lambda: os.getxattr(p, 'user.nope')))
out.append(code(lambda: os.removexattr(p, 'user.nope')))
out.append(code(lambda: os.setxattr(p, 'user.' + 'n' * 300, b'x')))
out.append(code(lambda: os.setxattr(p, 'user.big', b'x' * (64 * 1024 + 1))))
out.append(os.getxattr(p, 'user.k').decode())
out.append(','.join(sorted(os.listxattr(p))))
os.removexattr(p, 'user.k')
out.append(','.join(sorted(os.listxattr(p))) or 'none')
print(' '.join(out))
`;

describe('extended attributes through the FUSE mount', () => {
  let fx: FuseFixture;
  let mnt: string;

  before(async () => {
    fx = await FuseFixture.start();
    mnt = await fx.mount('mnt');
  });

  after(async () => {
    await fx?.close();
  });

  it('setfattr and getfattr store, show, list and remove attributes on files and directories', async () => {
    const res = await sh(
      [
        'echo x > f && mkdir d',
        'setfattr -n user.colour -v blue f',
        'setfattr -n user.size -v 0x00ff10 f',
        'setfattr -n user.tag -v dir d',
        'getfattr --only-values -n user.colour f && echo',
        'getfattr -e hex -n user.size f | grep user.size',
        'getfattr -d --absolute-names f d',
        'setfattr -x user.colour f',
        'getfattr -d f',
      ].join(' && '),
      mnt,
    );
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split('\n');
    assert.equal(lines[0], 'blue');
    assert.equal(lines[1], 'user.size=0x00ff10');
    assert.match(res.stdout, /# file: f\nuser.colour="blue"\nuser.size=0sAP8Q\n/);
    assert.match(res.stdout, /# file: d\nuser.tag="dir"\n/);
    assert.match(res.stdout, /# file: f\nuser.size=0sAP8Q\n\n$/);
  });

  it('missing names are ENODATA, and XATTR_CREATE / XATTR_REPLACE give EEXIST / ENODATA', async () => {
    await sh('touch flags', mnt);
    const res = await python(fx.dir, 'xattr-flags.py', FLAGS_SCRIPT, ['flags'], mnt);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'ok EEXIST ok ENODATA ENODATA ENODATA ERANGE E2BIG v3 user.k none');
  });

  it('attributes are kept by the master: another mount sees them, and they follow a rename', async () => {
    const other = await fx.mount('other');
    let res = await sh('setfattr -n user.note -v shared f && mv f renamed', mnt);
    assert.equal(res.code, 0, res.stderr);
    res = await sh('getfattr --only-values -n user.note renamed', other);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'shared');
  });
});
