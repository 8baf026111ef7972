/**
 * Release: sends a stored message to real recipients, through a smarthost or
 * straight to each domain's MX (RFC 5321 §5.1), keeps every attempt with its
 * transcript, and retries temporary failures in the background on a bounded
 * schedule. Expected failures are values (ReleaseRefusal); the HTTP route maps them.
 */
import { randomBytes } from 'node:crypto';
import type { HostPort } from '../lib/host-port.js';
import type { Logger } from '../lib/log.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';
import { domainOf, type AllowList } from '../security/allow-list.js';
import { isOwnEndpoint, type Endpoint } from './mail-loop.js';
import { resolveMx, type DnsResolver } from './mx-resolver.js';
import { isMailbox, readRecipient } from '../security/mailbox.js';
import { isSpecialUseAddress } from '../security/special-use-address.js';
import { countReceived, outgoingBytes } from './outgoing-message.js';
import { ReleaseHistory, type ReleaseAttempt, type ReleaseRecord, type ReleaseTrigger } from './release-history.js';
import { RateLimiter, type ReleaseRate } from './release-rate.js';
import type { SharedReleases } from './shared-releases.js';
import type { RecipientOutcome, SmtpClient, SmtpTarget, SmtpTimeouts } from './smtp-client.js';
import { boundTranscript, leftOut, sizeOf } from './transcript.js';

export interface ReleaseSettings {
  mode: 'smarthost' | 'mx';
  smarthost: HostPort | null;
  smarthostAuth: { user: string; password: string } | undefined;
  smarthostImplicitTls: boolean;
  allowInsecure: boolean;
  /** Empty allows everyone (smarthost mode only; MX mode requires a list). */
  allow: AllowList;
  mxPort: number;
  /** Whether MX delivery may connect to loopback, private and special-use addresses. */
  allowPrivate: boolean;
  /** MAIL FROM; '' = the message's own. */
  sender: string;
  newMessageId: boolean;
  overrideFrom: string;
  hostname: string;
  timeouts: SmtpTimeouts;
  /** Waits before each retry; its length bounds the retries. */
  retry: readonly number[];
  /** Transactions at once. */
  concurrency: number;
  /** Most recipients one release may name (--smtp-max-recipients, the most a caught message can have). */
  maxRecipients: number;
  /** Releases started per window (--release-rate); null = no limit. */
  rate: ReleaseRate | null;
}

export interface ReleaseDeps {
  store: MailStore;
  resolver: DnsResolver;
  smtp: SmtpClient;
  clock: () => Date;
  /** For the order of equal-preference MX hosts. */
  random: () => number;
  logger: Logger;
  /** Our own SMTP listeners once bound, for mail-loop detection. */
  ownEndpoints: () => readonly Endpoint[];
  /** With --database: the history every node shares, which releasesOf reads. */
  shared?: SharedReleases;
}

export type ReleaseRefusal =
  | { refused: 'not-found' }
  | { refused: 'invalid-address'; address: string }
  | { refused: 'invalid-sender'; address: string }
  | { refused: 'too-many-recipients'; count: number; max: number }
  | { refused: 'rate-limited'; rate: string; retryAfterMs: number }
  | { refused: 'no-recipients' }
  | { refused: 'not-allowed'; addresses: string[] }
  | { refused: 'loop'; reason: string }
  | { refused: 'stopped' };

export interface ReleaseEvents extends Record<string, unknown> {
  /** A release began (its recipients are pending). */
  started: { record: ReleaseRecord };
  /** One SMTP attempt (or DNS failure) was recorded. */
  attempt: { record: ReleaseRecord; attempt: ReleaseAttempt };
  /** Recipients left after a round wait for a retry (each with when it runs). */
  retrying: { record: ReleaseRecord };
  /** Every recipient has a final state, or the release was cancelled. */
  finished: { record: ReleaseRecord };
  /** With --database: a release another node runs changed; its record as that node saved it. */
  remote: { record: ReleaseRecord };
}

/** A message being released, with its bytes (store.readRaw) held until its last round. */
interface Releasing {
  readonly stored: StoredMessage;
  readonly raw: Buffer;
}

/** RFC 5321 §6.3: a message that has passed this many hops is looping. */
const MAX_HOPS = 30;
/**
 * RFC 5321 §4.5.3.1.8: a server must take 100 recipients per transaction and may refuse
 * the 101st (452); a client with more sends them in chunks of 100.
 */
const RECIPIENTS_PER_TRANSACTION = 100;
/** Most addresses tried in one round, across all MX hosts. */
const MAX_ADDRESSES_PER_ROUND = 10;
/**
 * Most bytes of transcripts and DNS answers one release keeps over all its attempts.
 * Each attempt is bounded (transcript.ts, mx-resolver.ts), but a release can make
 * tens of attempts (every MX address, every retry); past this the oldest attempts'
 * details are summarised as `… N bytes left out …`, so a release record, the API
 * answer and the `release` WebSocket frame (one per step) stay small. Their outcomes
 * and replies are kept. An ordinary release (a few KB per attempt) never comes near.
 */
const MAX_DETAIL_BYTES_PER_RELEASE = 32 * 1024;

export class ReleaseService {
  readonly history = new ReleaseHistory();
  readonly #events = new TypedEmitter<ReleaseEvents>();
  readonly #settings: ReleaseSettings;
  readonly #deps: ReleaseDeps;
  readonly #timers = new Map<ReleaseRecord, Set<NodeJS.Timeout>>();
  readonly #slots: Array<() => void> = [];
  readonly #unsubscribe: Array<() => void> = [];
  /** Rounds in flight per record, so `finished` is announced once, after the last. */
  readonly #inFlight = new Map<ReleaseRecord, number>();
  readonly #rate: RateLimiter | undefined;
  #running = 0;
  #stopped = false;

  constructor(settings: ReleaseSettings, deps: ReleaseDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#rate = settings.rate ? new RateLimiter(settings.rate, deps.clock().getTime()) : undefined;
    this.#events.onListenerError = (error, event) => deps.logger.error('release listener failed', { event, error });
    this.#unsubscribe.push(
      deps.store.on('removed', ({ messages }) => {
        for (const message of messages) this.#forget(message.id);
      }),
      deps.store.on('cleared', () => this.#cancel(this.history.forgetAll())),
    );
  }

  get settings(): Readonly<ReleaseSettings> {
    return this.#settings;
  }

  /** A message's releases, oldest first: this node's, or with --database any node's. */
  releasesOf(messageId: string): Promise<readonly ReleaseRecord[]> {
    return this.#deps.shared ? this.#deps.shared.of(messageId) : Promise.resolve(this.history.of(messageId));
  }

  /** Resolves once what happened to releases so far can be read by releasesOf on every node. */
  async saved(): Promise<void> {
    await this.#deps.shared?.saved();
  }

  /** Announces a change to a release another node runs (SharedReleases), as `remote`. */
  heard(record: ReleaseRecord): void {
    this.#events.emit('remote', { record });
  }

  on<K extends keyof ReleaseEvents>(event: K, listener: (payload: ReleaseEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Releases a message to `to` (default: its envelope recipients). Resolves once the
   * first round of attempts is over; temporary failures go on retrying after that.
   * For an API call every recipient must pass the allow-list and the rate limit;
   * auto-release records the recipients outside the list, and a message over the
   * rate, as not released (failed, nothing sent), to be released by hand later.
   * Every address is read by the one mailbox check (security/mailbox.ts) before
   * anything is sent, so none can carry a second command line.
   */
  async release(messageId: string, to: readonly string[] | undefined, trigger: ReleaseTrigger): Promise<ReleaseRecord | ReleaseRefusal> {
    if (this.#stopped) return { refused: 'stopped' };
    const stored = this.#deps.store.get(messageId);
    // The bytes are read once and kept in hand with the message through its retries.
    const raw = stored && (await this.#deps.store.readRaw(messageId));
    if (!stored || !raw) return { refused: 'not-found' };
    const message: Releasing = { stored, raw };

    const given = to ?? stored.envelope.rcptTo;
    const { maxRecipients } = this.#settings;
    if (given.length > maxRecipients) return { refused: 'too-many-recipients', count: given.length, max: maxRecipients };
    const wanted: string[] = [];
    for (const text of given) {
      const address = readRecipient(text);
      if (address === undefined) return { refused: 'invalid-address', address: text };
      if (!wanted.some((w) => w.toLowerCase() === address.toLowerCase())) wanted.push(address);
    }
    if (wanted.length === 0) return { refused: 'no-recipients' };
    // RFC 5321 §4.1.1.2: the null reverse-path is allowed; anything else must be a mailbox.
    const sender = this.#settings.sender || stored.envelope.mailFrom;
    if (sender !== '' && !isMailbox(sender)) return { refused: 'invalid-sender', address: sender };
    const { allow } = this.#settings;
    const outside = allow.patterns.length > 0 ? wanted.filter((address) => !allow.allows(address)) : [];
    if (outside.length > 0 && trigger === 'api') return { refused: 'not-allowed', addresses: outside };
    const hops = countReceived(raw);
    if (hops >= MAX_HOPS) return { refused: 'loop', reason: `the message has passed ${hops} hops already (RFC 5321 §6.3)` };
    // A release that can send nothing (auto-release, everyone outside the allow-list) uses none of the rate.
    const sendsAny = outside.length < wanted.length;
    const rate = (sendsAny && this.#rate?.take(this.#deps.clock().getTime())) || { ok: true as const };
    const rateText = this.#settings.rate?.text ?? '';
    if (!rate.ok && trigger === 'api') return { refused: 'rate-limited', rate: rateText, retryAfterMs: rate.retryAfterMs };
    if (!rate.ok) this.#deps.logger.warn('auto-release over the release rate, message not released', { message: messageId, rate: rateText });

    const notSent = (reply: string) => ({ state: 'failed' as const, reply, attempts: 0, nextAttemptAt: null });
    const record: ReleaseRecord = {
      id: randomBytes(8).toString('hex'),
      messageId,
      trigger,
      requestedAt: this.#deps.clock(),
      mode: this.#settings.mode,
      sender,
      recipients: wanted.map((address) =>
        !rate.ok
          ? { address, ...notSent(`over the release rate (--release-rate ${rateText}); nothing sent, release it by hand`) }
          : outside.includes(address)
            ? { address, ...notSent('not in the release allow-list (--release-allow); nothing sent') }
            : { address, state: 'pending', reply: '', attempts: 0, nextAttemptAt: null },
      ),
      attempts: [],
      state: 'running',
    };
    this.history.add(record);
    this.#events.emit('started', { record });
    // Deleted while its bytes were read: its history goes, as the `removed` listener does; the bytes in hand are still sent.
    if (this.#deps.store.get(messageId) !== stored) this.#forget(messageId);
    const sendable = record.recipients.filter((r) => r.state === 'pending').map((r) => r.address);
    await Promise.all(this.#groups(sendable).map((group) => this.#round(record, message, group, 0)));
    // Also when nothing was sendable (auto-release over the rate, or with every recipient outside the allow-list).
    this.#finishIfDone(record);
    return record;
  }

  /** Stops retries and refuses new releases; transactions in flight finish on their own timeouts. */
  stop(): void {
    this.#stopped = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const timers of this.#timers.values()) for (const timer of timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /**
   * One transaction per domain for MX delivery (RFC 5321 §5.1), one in all for a
   * smarthost, each split into chunks of at most 100 recipients.
   */
  #groups(recipients: string[]): string[][] {
    const byDomain = new Map<string, string[]>();
    for (const address of recipients) {
      const key = this.#settings.mode === 'smarthost' ? '' : domainOf(address);
      byDomain.set(key, [...(byDomain.get(key) ?? []), address]);
    }
    const chunks: string[][] = [];
    for (const group of byDomain.values()) {
      for (let at = 0; at < group.length; at += RECIPIENTS_PER_TRANSACTION) chunks.push(group.slice(at, at + RECIPIENTS_PER_TRANSACTION));
    }
    return chunks;
  }

  async #round(record: ReleaseRecord, message: Releasing, group: string[], retryIndex: number): Promise<void> {
    this.#inFlight.set(record, (this.#inFlight.get(record) ?? 0) + 1);
    try {
      await this.#withSlot(() => (this.#settings.mode === 'smarthost' ? this.#viaSmarthost(record, message, group) : this.#viaMx(record, message, group)));
    } catch (error) {
      // A bug, not an SMTP outcome: keep it in the history rather than lose the recipients.
      this.#deps.logger.error('release round failed', { error, message: record.messageId });
      this.#settle(record, group.map((address) => ({ address, status: 'temporary', reply: 'internal error' })));
    } finally {
      this.#inFlight.set(record, (this.#inFlight.get(record) ?? 1) - 1);
    }
    this.#scheduleRetries(record, message, group, retryIndex);
    this.#finishIfDone(record);
  }

  async #viaSmarthost(record: ReleaseRecord, message: Releasing, group: string[]): Promise<void> {
    const s = this.#settings;
    const at = s.smarthost as HostPort;
    const implicit = s.smarthostImplicitTls || at.port === 465;
    if (isOwnEndpoint(at.host, at.port, this.#deps.ownEndpoints())) {
      const reason = `mail loop: the smarthost ${at.host}:${at.port} is this Letterbox instance`;
      this.#record(record, group, at.host, `${at.host}:${at.port}`, [], false, [`-- ${reason}`], group.map((address) => ({ address, status: 'permanent', reply: reason })));
      return;
    }
    // A smarthost given by name (`localhost`, this host's own name) passes the check
    // above, which knows only addresses; #transaction has the client check the address
    // actually connected to as well (SmtpTransaction.isSelf).
    const target: SmtpTarget = {
      host: at.host,
      port: at.port,
      servername: at.host,
      tls: implicit ? 'implicit' : s.allowInsecure ? 'opportunistic' : 'required',
      verifyCertificate: !s.allowInsecure,
      auth: s.smarthostAuth,
    };
    await this.#transaction(record, message, group, target, at.host, []);
  }

  async #viaMx(record: ReleaseRecord, message: Releasing, group: string[]): Promise<void> {
    const domain = domainOf(group[0] as string);
    const resolution = await resolveMx(this.#deps.resolver, domain, this.#deps.random);
    if (!resolution.ok) {
      this.#record(record, group, '', '', resolution.answer, false, [`-- ${resolution.reason}`], group.map((address) => ({ address, status: resolution.temporary ? 'temporary' : 'permanent', reply: resolution.reason })));
      return;
    }
    const port = this.#settings.mxPort;
    const own = this.#deps.ownEndpoints();
    const hosts = this.#settings.allowPrivate ? resolution.hosts : resolution.hosts.map((h) => ({ ...h, addresses: h.addresses.filter((ip) => !isSpecialUseAddress(ip)) })).filter((h) => h.addresses.length > 0);
    if (hosts.length === 0) {
      const reason = `the MX hosts of ${domain} have only loopback, private or special-use addresses (--release-allow-private permits them)`;
      this.#record(record, group, resolution.hosts[0]?.name ?? '', '', resolution.answer, false, [`-- ${reason}`], group.map((address) => ({ address, status: 'permanent', reply: reason })));
      return;
    }
    let tried = 0;
    let left = group;
    for (const host of hosts) {
      // RFC 5321 §5.1: if we are an MX host ourselves, only more preferred hosts may be tried.
      const loop = host.addresses.find((ip) => isOwnEndpoint(ip, port, own));
      if (loop !== undefined) {
        if (tried === 0) {
          const reason = `mail loop: MX host ${host.name} (${loop}:${port}) is this Letterbox instance`;
          this.#record(record, left, host.name, `${loop}:${port}`, resolution.answer, false, [`-- ${reason}`], left.map((address) => ({ address, status: 'permanent', reply: reason })));
        }
        break;
      }
      for (const ip of host.addresses) {
        if (tried++ >= MAX_ADDRESSES_PER_ROUND) return;
        const target: SmtpTarget = { host: ip, port, servername: host.name, tls: 'opportunistic', verifyCertificate: false, auth: undefined };
        const next = await this.#transaction(record, message, left, target, host.name, resolution.answer);
        if (next.length === 0) return;
        left = next;
      }
    }
  }

  /** Runs one transaction and records it; returns the recipients the next host should be tried for. */
  async #transaction(record: ReleaseRecord, message: Releasing, group: string[], target: SmtpTarget, hostName: string, dns: string[]): Promise<string[]> {
    const s = this.#settings;
    const data = outgoingBytes(message.stored, message.raw, { hostname: s.hostname, recipients: group, newMessageId: s.newMessageId, overrideFrom: s.overrideFrom });
    const own = this.#deps.ownEndpoints;
    const isSelf = (ip: string, port: number) => isOwnEndpoint(ip, port, own());
    const result = await this.#deps.smtp.send({ target, helo: s.hostname, mailFrom: record.sender, rcptTo: group, data, timeouts: s.timeouts, isSelf });
    this.#record(record, group, hostName, `${target.host}:${target.port}`, dns, result.tls, result.transcript, result.recipients);
    if (!result.tryNextHost) return [];
    return result.recipients.filter((r) => r.status === 'temporary').map((r) => r.address);
  }

  #record(record: ReleaseRecord, group: string[], host: string, address: string, dns: string[], tls: boolean, transcript: string[], results: RecipientOutcome[]): void {
    const delivered = results.filter((r) => r.status === 'delivered').length;
    const outcome: ReleaseAttempt['outcome'] =
      delivered === results.length ? 'delivered' : delivered > 0 ? 'partial' : results.some((r) => r.status === 'temporary') ? 'temporary' : 'permanent';
    // Bounded again here: the SmtpClient is injected, and may not bound its own.
    const attempt: ReleaseAttempt = { time: this.#deps.clock(), recipients: [...group], host, address, outcome, results, dns, tls, transcript: boundTranscript(transcript) };
    record.attempts.push(attempt);
    summariseOldAttempts(record);
    this.#settle(record, results);
    this.#events.emit('attempt', { record, attempt });
    this.#deps.logger.info('release attempt', { message: record.messageId, host, address, outcome });
  }

  #settle(record: ReleaseRecord, results: RecipientOutcome[]): void {
    for (const result of results) {
      const recipient = record.recipients.find((r) => r.address === result.address);
      if (!recipient) continue;
      recipient.attempts++;
      recipient.reply = result.reply;
      recipient.state = result.status === 'delivered' ? 'delivered' : result.status === 'permanent' ? 'failed' : 'pending';
    }
  }

  /** Temporary failures wait for the next step of the schedule; past its end they are permanent. */
  #scheduleRetries(record: ReleaseRecord, message: Releasing, group: string[], retryIndex: number): void {
    const again = record.recipients.filter((r) => group.includes(r.address) && r.state === 'pending');
    if (again.length === 0) return;
    const wait = this.#settings.retry[retryIndex];
    if (wait === undefined || this.#stopped || record.state === 'cancelled') {
      for (const r of again) {
        r.state = 'failed';
        r.reply = `gave up after ${r.attempts} attempt(s): ${r.reply}`;
      }
      return;
    }
    const at = new Date(this.#deps.clock().getTime() + wait);
    for (const r of again) {
      r.state = 'retrying';
      r.nextAttemptAt = at;
    }
    record.state = 'retrying';
    this.#events.emit('retrying', { record });
    const timers = this.#timers.get(record) ?? new Set<NodeJS.Timeout>();
    this.#timers.set(record, timers);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (timers.size === 0) this.#timers.delete(record);
      for (const r of again) {
        r.state = 'pending';
        r.nextAttemptAt = null;
      }
      record.state = 'running';
      void this.#round(record, message, again.map((r) => r.address), retryIndex + 1);
    }, wait);
    timer.unref();
    timers.add(timer);
  }

  #finishIfDone(record: ReleaseRecord): void {
    if (record.state === 'cancelled' || record.state === 'done' || (this.#inFlight.get(record) ?? 0) > 0) return;
    if (record.recipients.some((r) => r.state === 'pending' || r.state === 'retrying')) return;
    this.#inFlight.delete(record);
    record.state = 'done';
    this.#events.emit('finished', { record });
  }

  /** The message was deleted: its releases leave the history, and their retries stop. */
  #forget(messageId: string): void {
    this.#cancel(this.history.forget(messageId));
  }

  #cancel(records: ReleaseRecord[]): void {
    for (const record of records) {
      for (const timer of this.#timers.get(record) ?? []) clearTimeout(timer);
      this.#timers.delete(record);
      if (record.state === 'done') continue;
      record.state = 'cancelled';
      for (const r of record.recipients) {
        if (r.state === 'retrying') {
          r.state = 'failed';
          r.reply = `cancelled: the message was deleted (${r.reply})`;
          r.nextAttemptAt = null;
        }
      }
      this.#events.emit('finished', { record });
    }
  }

  /** At most `concurrency` transactions at once; the rest wait their turn. */
  async #withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#settings.concurrency) await new Promise<void>((resolve) => this.#slots.push(resolve));
    else this.#running++;
    try {
      return await work();
    } finally {
      const next = this.#slots.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

/** Keeps a release's attempt details within MAX_DETAIL_BYTES_PER_RELEASE, summarising the oldest first (never the newest). */
function summariseOldAttempts(record: ReleaseRecord): void {
  let total = 0;
  for (const a of record.attempts) total += sizeOf(a.transcript) + sizeOf(a.dns);
  for (const a of record.attempts.slice(0, -1)) {
    if (total <= MAX_DETAIL_BYTES_PER_RELEASE) return;
    const transcript = sizeOf(a.transcript);
    const dns = sizeOf(a.dns);
    const summary = (bytes: number) => (bytes > 0 ? [leftOut(bytes)] : []);
    if (a.transcript.length > 1) {
      a.transcript = summary(transcript);
      total -= transcript - sizeOf(a.transcript);
    }
    if (a.dns.length > 1) {
      a.dns = summary(dns);
      total -= dns - sizeOf(a.dns);
    }
  }
}
