// The leader's callback table (src/master/callbacks.ts): who is told of a
// change, who is waited for, and what happens to a session that never answers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Callbacks, type InvalidationSink } from '../../src/master/callbacks';

function sink(): InvalidationSink & { sent: Array<{ round: number; ids: string[] }>; cut: string[] } {
  const sent: Array<{ round: number; ids: string[] }> = [];
  const cut: string[] = [];
  return { sent, cut, invalidate: (round, ids) => sent.push({ round, ids }), cutOff: (reason) => cut.push(reason) };
}

describe('master callbacks', () => {
  it('a change is announced to each holder and settles only once they acknowledge', async () => {
    const cb = new Callbacks();
    const a = sink();
    const sa = cb.open(a);
    assert.equal(cb.register(sa, ['i1', 'i5', 'i7']), true);
    const done = cb.beforeApply(new Set(['i7', 'i9']), new Set());
    assert.deepEqual(a.sent.map((m) => m.ids), [['i7']]);
    let settled = false;
    void cb.settled()?.then(() => (settled = true));
    assert.equal(cb.register(sa, ['i1', 'i7']), false, 'no registration while the round is open');
    done();
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    cb.ack(sa, a.sent[0].round);
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, true);
    assert.equal(cb.register(sa, ['i1', 'i7']), true);
    assert.equal(cb.registrations, 3); // 1, 5, 7 (7 again after the one-shot break)
  });

  it('the session that made the change is told but not waited for', () => {
    const cb = new Callbacks();
    const a = sink();
    const sa = cb.open(a);
    sa.clientId = 'me';
    cb.register(sa, ['i3']);
    const done = cb.beforeApply(new Set(['i3']), new Set(['me']));
    assert.equal(a.sent.length, 1);
    assert.equal(cb.settled(), null);
    done();
    assert.equal(cb.register(sa, ['i3']), true);
  });

  it('a holder that does not acknowledge in time is cut off and holds nothing', async () => {
    const cb = new Callbacks({ ackTimeoutMs: 50 });
    const a = sink();
    const sa = cb.open(a);
    cb.register(sa, ['i1', 'i2']);
    const start = Date.now();
    cb.beforeApply(new Set(['i2']), new Set())();
    await cb.settled();
    assert.ok(Date.now() - start >= 45);
    assert.equal(a.cut.length, 1);
    assert.equal(cb.registrations, 0);
    assert.equal(cb.register(sa, ['i1']), false);
  });

  it('registrations beyond the bound, or with callbacks off, are refused', () => {
    const cb = new Callbacks({ maxPerSession: 3 });
    const sa = cb.open(sink());
    assert.equal(cb.register(sa, ['i1', 'i2', 'i3']), true);
    assert.equal(cb.register(sa, ['i1', 'i4']), false);
    cb.enabled = false;
    assert.equal(cb.register(sa, ['i1']), false);
  });

  it('losing the lead cuts every session off', () => {
    const cb = new Callbacks();
    const a = sink();
    const b = sink();
    cb.register(cb.open(a), ['i1']);
    cb.register(cb.open(b), ['i1']);
    cb.clear('no longer leads');
    assert.equal(a.cut.length + b.cut.length, 2);
    assert.equal(cb.registrations, 0);
  });
});
