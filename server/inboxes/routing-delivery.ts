/**
 * The Delivery fronts use with --inboxes: the directory routes each message, then the
 * same `raw` Buffer is delivered to every inbox it names (bytes held once), each
 * through its own DeliveryService (its limits, tags, commit before the answer). A
 * message is taken by all its inboxes or none: if one cannot save it, the copies the
 * others saved are taken out again before the refusal.
 */
import type { Logger } from '../lib/log.js';
import type { Delivery, DeliveryBatchResult, DeliveryResult } from '../store/delivery.js';
import type { DeliverInput, StoredMessage } from '../store/types.js';
import type { InboxDirectory } from './types.js';

export function routingDelivery(directory: InboxDirectory, maxSize: number, logger: Logger): Delivery {
  const tooLarge = (bytes: number) => bytes > maxSize;

  /** Each input's inboxes, or the refusal of the first that none takes. */
  const routeAll = (inputs: readonly DeliverInput[]) => {
    const routes: string[][] = [];
    for (const input of inputs) {
      // Only an SMTP AUTH user is a credential; an API or IMAP user name is someone reading.
      const authUser = input.client?.via === undefined || input.client.via === 'smtp' ? (input.client?.username ?? '') : '';
      const route = directory.route({ raw: input.raw, envelope: input.envelope, authUser });
      if (!route.ok) return { ok: false as const, text: route.text };
      routes.push(route.inboxes);
    }
    return { ok: true as const, routes };
  };

  const deliverAll = async (inputs: readonly DeliverInput[]): Promise<DeliveryBatchResult> => {
    if (inputs.some((input) => tooLarge(input.raw.length))) return { ok: false, refusal: { reason: 'too-large', maxSize } };
    const routed = routeAll(inputs);
    if (!routed.ok) return { ok: false, refusal: { reason: 'unrouted', text: routed.text } };
    return deliverRouted(inputs, routed.routes);
  };

  /** Inputs already routed (each header read once), to all their inboxes or to none. */
  const deliverRouted = async (inputs: readonly DeliverInput[], routes: readonly string[][]): Promise<DeliveryBatchResult> => {
    // Per inbox, its inputs in order (MULTIAPPEND keeps order within each store).
    const byInbox = new Map<string, number[]>();
    routes.forEach((names, index) => names.forEach((name) => byInbox.set(name, [...(byInbox.get(name) ?? []), index])));
    const batches = [...byInbox].flatMap(([name, indexes]) => {
      const inbox = directory.get(name);
      // An inbox removed between routing and delivery takes nothing.
      return inbox ? [{ inbox, indexes }] : [];
    });
    // Inbox after inbox, each handed the bytes the first one kept, so a message in
    // several inboxes holds its bytes once (raw-arena.ts keeps bytes already kept).
    const kept: Array<Buffer | undefined> = inputs.map(() => undefined);
    const results: DeliveryBatchResult[] = [];
    for (const [b, { inbox, indexes }] of batches.entries()) {
      const result = await inbox.delivery.deliverAll(indexes.map((i) => ({ ...(inputs[i] as DeliverInput), raw: kept[i] ?? (inputs[i] as DeliverInput).raw })));
      results.push(result);
      if (!result.ok || b === batches.length - 1) break;
      // The bytes the inbox kept, read back through its store (readRaw: the memory store
      // answers with its own copy; one holding bodies elsewhere with what it stored).
      for (const [k, message] of result.messages.entries()) {
        const index = indexes[k] as number;
        kept[index] ??= await inbox.store.readRaw(message.id);
      }
    }
    const first: Array<StoredMessage | undefined> = inputs.map(() => undefined);
    results.forEach((result, b) => {
      if (!result.ok) return;
      result.messages.forEach((message, k) => {
        const index = (batches[b] as (typeof batches)[number]).indexes[k] as number;
        first[index] ??= message;
      });
    });
    const failed = results.find((r) => !r.ok);
    if (failed === undefined && first.every((m) => m !== undefined)) return { ok: true, messages: first as StoredMessage[] };
    // The answer is the refusal either way: a copy that cannot be taken out is only logged.
    const takenBack = results.map((result, b) => (result.ok ? (batches[b] as (typeof batches)[number]).inbox.store.remove(result.messages.map((m) => m.id)) : 0));
    await Promise.all(takenBack).catch((error: unknown) => logger.error('taking back the copies of a message not saved in every inbox failed', { error }));
    return failed && !failed.ok ? failed : { ok: false, refusal: { reason: 'not-saved' } };
  };

  return {
    maxSize,
    tooLarge,
    async deliver(input): Promise<DeliveryResult> {
      if (tooLarge(input.raw.length)) return { ok: false, refusal: { reason: 'too-large', maxSize } };
      const routed = routeAll([input]);
      if (!routed.ok) return { ok: false, refusal: { reason: 'unrouted', text: routed.text } };
      const names = routed.routes[0] as string[];
      if (names.length === 1) {
        // One inbox, the usual case: straight to that inbox's delivery.
        const inbox = directory.get(names[0] as string);
        return inbox ? inbox.delivery.deliver(input) : { ok: false, refusal: { reason: 'not-saved' } };
      }
      const result = await deliverRouted([input], routed.routes);
      return result.ok ? { ok: true, message: result.messages[0] as StoredMessage } : result;
    },
    deliverAll,
  };
}
