// A notebook's id in its metadata: written when the server knows it, kept when it is the same, taken out of
// a copy, and saved at once only when nothing else of the user's is unsaved.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityAnswer, METADATA_KEY, NotebookIdentity, QUIET_AFTER_MISS, RETRY_DELAYS, nextMetadata } from '../src/lab/identity';

function answer(notebook_id: string | null, extra: Partial<IdentityAnswer> = {}): IdentityAnswer {
  return { path: 'nb.ipynb', notebook_id, how: notebook_id ? 'path' : 'none', copy_of: null, ...extra };
}

test('the id is written when known, other keys of jupyter_prov kept; the same id changes nothing', () => {
  assert.deepEqual(nextMetadata(undefined, answer('a')), { notebook_id: 'a' });
  assert.deepEqual(nextMetadata({ other: 1 }, answer('a')), { other: 1, notebook_id: 'a' });
  assert.equal(nextMetadata({ notebook_id: 'a' }, answer('a')), null);
  assert.equal(nextMetadata(undefined, answer(null)), null, 'not known yet: nothing written');
  assert.deepEqual(nextMetadata({ notebook_id: 'old' }, answer('new')), { notebook_id: 'new' });
});

test("a copy loses its original's id, and only that id", () => {
  assert.deepEqual(nextMetadata({ notebook_id: 'orig', other: 2 }, answer(null, { copy_of: 'orig' })), { other: 2 });
  assert.equal(nextMetadata({ notebook_id: 'mine' }, answer(null, { copy_of: 'orig' })), null);
  assert.deepEqual(nextMetadata({ notebook_id: 'orig' }, answer('own', { copy_of: 'orig' })), { notebook_id: 'own' });
});

function fakeContext(metadata: Record<string, unknown>, dirty: boolean) {
  const saved: unknown[] = [];
  const model = {
    dirty, readOnly: false,
    getMetadata: (key: string) => metadata[key],
    setMetadata: (key: string, value: unknown) => { metadata[key] = value; model.dirty = true; },
    deleteMetadata: (key: string) => { delete metadata[key]; model.dirty = true; },
  };
  const slots: Record<string, ((sender: unknown, value: unknown) => void)[]> = {};
  const signal = (name: string) => ({
    connect: (slot: (sender: unknown, value: unknown) => void) => { (slots[name] ??= []).push(slot); return true; },
    disconnect: () => true,
  });
  const emit = (name: string, value: unknown) => (slots[name] ?? []).forEach((slot) => slot(null, value));
  const context = {
    path: 'nb.ipynb', isReady: true, isDisposed: false, ready: Promise.resolve(), model, pathChanged: signal('path'),
    sessionContext: { statusChanged: signal('status'), kernelChanged: signal('kernel'), session: { kernel: { id: 'k1' } } },
    save: async () => { saved.push(JSON.parse(JSON.stringify(metadata))); model.dirty = false; },
  };
  return { context: context as any, saved, metadata, emit };
}

test('sync writes the answer into the model and saves only a notebook that was clean', async () => {
  const asked: [string, string | null][] = [];
  const identity = new NotebookIdentity(async (path, id) => { asked.push([path, id]); return answer('n1'); });
  const clean = fakeContext({}, false);
  assert.equal(await identity.sync(clean.context), true);
  assert.deepEqual(clean.metadata[METADATA_KEY], { notebook_id: 'n1' });
  assert.deepEqual(clean.saved, [{ [METADATA_KEY]: { notebook_id: 'n1' } }]);
  assert.deepEqual(asked, [['nb.ipynb', null]]);

  const dirty = fakeContext({ [METADATA_KEY]: { notebook_id: 'stale' } }, true);
  assert.equal(await identity.sync(dirty.context), true);
  assert.deepEqual(dirty.metadata[METADATA_KEY], { notebook_id: 'n1' });
  assert.deepEqual(dirty.saved, [], "the user's unsaved edits are not saved for them");
  assert.deepEqual(asked[1], ['nb.ipynb', 'stale'], 'the id the model holds now is sent');
});

test('an unknown notebook is left alone; an answer for another path (renamed meanwhile) is not written', async () => {
  const none = new NotebookIdentity(async () => answer(null));
  const fresh = fakeContext({}, false);
  assert.equal(await none.sync(fresh.context), false);
  assert.deepEqual(fresh.metadata, {});
  const moved = new NotebookIdentity(async () => answer('x', { path: 'old.ipynb' }));
  const renamed = fakeContext({}, false);
  assert.equal(await moved.sync(renamed.context), false);
  assert.deepEqual(renamed.metadata, {});
  const errors: string[] = [];
  const failing = new NotebookIdentity(async () => { throw new Error('503'); }, (m) => errors.push(m));
  assert.equal(await failing.sync(fakeContext({}, false).context), false);
  assert.match(errors[0], /nb\.ipynb.*503/);
});

test('after a cell ran the server is asked until it knows the notebook, then not again; a kernel that never records is asked rarely', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  (globalThis as any).window = globalThis;
  try {
    let known: string | null = null;
    let asked = 0;
    const identity = new NotebookIdentity(async () => { asked += 1; return answer(known); });
    const { context, metadata, emit } = fakeContext({}, false);
    identity.watch(context);
    const settle = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };
    await settle();
    assert.equal(asked, 1, 'asked once when the notebook is ready');
    emit('status', 'busy');
    emit('status', 'idle');
    mock.timers.tick(RETRY_DELAYS[0]);
    await settle();
    assert.equal(asked, 2);
    known = 'n1';  // the kernel's writer stored the session meanwhile
    mock.timers.tick(RETRY_DELAYS[1]);
    await settle();
    assert.equal(asked, 3);
    assert.deepEqual(metadata[METADATA_KEY], { notebook_id: 'n1' });
    emit('status', 'busy');
    emit('status', 'idle');
    mock.timers.tick(60000);
    await settle();
    assert.equal(asked, 3, 'confirmed for this path and kernel: no more requests');

    const quiet = new NotebookIdentity(async () => { asked += 1; return answer(null); });
    const other = fakeContext({}, false);
    quiet.watch(other.context);
    await settle();
    asked = 0;
    other.emit('status', 'busy');
    other.emit('status', 'idle');
    for (const delay of RETRY_DELAYS) {
      mock.timers.tick(delay);
      await settle();
    }
    assert.equal(asked, RETRY_DELAYS.length, 'one round of retries');
    other.emit('status', 'busy');
    other.emit('status', 'idle');
    mock.timers.tick(RETRY_DELAYS[0]);
    await settle();
    assert.equal(asked, RETRY_DELAYS.length, 'quiet for a while after a round found nothing');
    mock.timers.tick(QUIET_AFTER_MISS);
    other.emit('status', 'busy');
    other.emit('status', 'idle');
    mock.timers.tick(RETRY_DELAYS[0]);
    await settle();
    assert.equal(asked, RETRY_DELAYS.length + 1, 'asked again after the quiet time');
  } finally {
    mock.timers.reset();
  }
});
