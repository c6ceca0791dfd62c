// A notebook's stable id in its metadata (`metadata.jupyter_prov.notebook_id`), so that it stays with the file
// across restarts, renames and moves. The kernel makes the id when it records the notebook's first session;
// this module asks the server who an open notebook is (GET notebooks/identity: the kernel's own rules,
// jupyter_prov/views/notebook_identity.py) and writes the answer into the notebook model, which JupyterLab
// saves with the file. The kernel reads it from the file when it stores its next session. It asks when a
// notebook opens, when its path changes (a rename) and after the kernel went busy then idle (a cell ran,
// the kernel may have just recorded the first session), until it has an answer for that path and kernel.
// A copy (File > Duplicate) carries its original's id: the server says so (`copy_of`) and the id is taken
// out of the copy's metadata, until the copy's own kernel records the copy's own id.
//
// Only types are imported from JupyterLab here (the decisions are unit-tested in node: test/identity.test.ts).

import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { ISignal } from '@lumino/signaling';

export const METADATA_KEY = 'jupyter_prov';

/** The server's answer (jupyter_prov/server/notebooks.py). */
export interface IdentityAnswer {
  path: string;
  notebook_id: string | null;
  how: 'metadata' | 'renamed' | 'path' | 'cells' | 'kernel' | 'none';
  copy_of: string | null;
}

/** What to do with the notebook's `metadata.jupyter_prov` (`null`: nothing to change). */
export function nextMetadata(current: unknown, answer: IdentityAnswer): Record<string, unknown> | null {
  const meta: Record<string, unknown> = current && typeof current === 'object' && !Array.isArray(current)
    ? { ...(current as Record<string, unknown>) } : {};
  const held = typeof meta.notebook_id === 'string' ? meta.notebook_id : null;
  if (answer.notebook_id) {
    if (held === answer.notebook_id) return null;
    return { ...meta, notebook_id: answer.notebook_id };
  }
  if (held && answer.copy_of === held) {
    delete meta.notebook_id;  // a copy does not keep its original's id
    return meta;
  }
  return null;
}

/** The delays (ms) after a busy-then-idle kernel at which the server is asked, until it knows the notebook. */
export const RETRY_DELAYS = [300, 1500, 4000, 10000];
/** After a whole round of RETRY_DELAYS found nothing (a kernel that does not record), how long (ms) the
 * kernel's next idle does not ask: a notebook without `%load_ext jupyter_prov` costs a few requests a minute. */
export const QUIET_AFTER_MISS = 30000;

/** The parts of a notebook's model and context used here (INotebookModel, DocumentRegistry.IContext). */
interface MetadataModel {
  dirty: boolean;
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
  deleteMetadata(key: string): void;
}
type NotebookContext = DocumentRegistry.IContext<DocumentRegistry.IModel>;
type Ask = (path: string, notebookId: string | null) => Promise<IdentityAnswer>;

/** Keeps the id of every open notebook in its metadata. */
export class NotebookIdentity {
  private readonly watched = new WeakSet<object>();
  private readonly confirmed = new WeakMap<object, string>();
  private readonly pending = new WeakMap<object, number>();
  private readonly quietUntil = new WeakMap<object, number>();

  constructor(private readonly ask: Ask, private readonly onError: (message: string) => void = () => {}) {}

  /** Watch a notebook's context (once per context; a second view of the same notebook shares it). */
  watch(context: NotebookContext): void {
    if (this.watched.has(context) || !context.path.endsWith('.ipynb')) return;
    this.watched.add(context);
    void context.ready.then(() => this.sync(context));
    context.pathChanged.connect(() => void this.sync(context));
    const kernelChanged = context.sessionContext.kernelChanged as ISignal<unknown, unknown>;
    kernelChanged.connect(() => this.quietUntil.delete(context));  // a new kernel may record: ask again
    let busy = false;
    const status = context.sessionContext.statusChanged as ISignal<unknown, string>;
    status.connect((_, value) => {
      if (value === 'busy') busy = true;
      else if (value === 'idle' && busy) {
        busy = false;
        if (this.confirmed.get(context) !== this.key(context)
            && Date.now() >= (this.quietUntil.get(context) ?? 0)) this.retry(context, 0);
      }
    });
  }

  private key(context: NotebookContext): string {
    return `${context.path}\n${context.sessionContext.session?.kernel?.id ?? ''}`;
  }

  private retry(context: NotebookContext, attempt: number): void {
    if (this.pending.has(context)) return;
    if (attempt >= RETRY_DELAYS.length) {
      this.quietUntil.set(context, Date.now() + QUIET_AFTER_MISS);
      return;
    }
    this.pending.set(context, window.setTimeout(async () => {
      this.pending.delete(context);
      if (context.isDisposed) return;
      if (!(await this.sync(context))) this.retry(context, attempt + 1);
    }, RETRY_DELAYS[attempt]));
  }

  /** Ask the server and write its answer into the model; true when the notebook has its id. */
  async sync(context: NotebookContext): Promise<boolean> {
    if (context.isDisposed || !context.isReady) return false;
    const model = context.model as unknown as MetadataModel;
    if (typeof model.getMetadata !== 'function') return false;
    const key = this.key(context);
    const current = model.getMetadata(METADATA_KEY) as Record<string, unknown> | undefined;
    const held = current && typeof current.notebook_id === 'string' ? current.notebook_id : null;
    let answer: IdentityAnswer;
    try {
      answer = await this.ask(context.path, held);
    } catch (error) {
      this.onError(`notebook id of ${context.path}: ${error}`);
      return false;
    }
    if (context.isDisposed || context.path !== answer.path) return false;  // renamed meanwhile: asked again
    const next = nextMetadata(model.getMetadata(METADATA_KEY), answer);
    if (next !== null) {
      const clean = !model.dirty;
      if (Object.keys(next).length) model.setMetadata(METADATA_KEY, next);
      else model.deleteMetadata(METADATA_KEY);
      // only our change to save: save it now; otherwise it goes with the user's next save (or autosave)
      if (clean && !context.model.readOnly) {
        try {
          await context.save();
        } catch (error) {
          this.onError(`saving the notebook id of ${context.path}: ${error}`);
        }
      }
    }
    if (answer.notebook_id) this.confirmed.set(context, key);
    return answer.notebook_id !== null;
  }
}
