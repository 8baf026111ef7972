import { createHmac, randomBytes } from 'node:crypto';

/** Pairs remembered at most: more users than an auth file or a team holds, each with a few clients. */
const MOST_PAIRS = 1024;
/** How long a checked pair is taken without a new check. */
const KEPT_MS = 5 * 60_000;

/**
 * User and password pairs found right against a bcrypt hash lately, so the same pair is
 * next checked by a digest, not by bcrypt again (about 100 ms of the event loop at cost
 * 10, with bcryptjs). A browser sends its Basic credentials with every request and the
 * web inbox makes dozens for a page; an API client, an MCP tool's own API calls and an
 * IMAP client that reconnects do the same.
 *
 * Only right pairs are kept, under an HMAC whose key lives and dies with this object, so
 * memory holds no password, and a wrong guess costs a bcrypt every time: only someone
 * who knows the password is answered faster. Checks of one pair already under way are
 * shared rather than run side by side.
 */
export class CheckedPasswords {
  readonly #key = randomBytes(32);
  /** Digest of a pair → when it stops counting (Date.now()), oldest first. */
  readonly #right = new Map<string, number>();
  readonly #checking = new Map<string, Promise<boolean>>();

  /** Whether `check` says yes for this pair against `secret`, asking it only when no recent answer was yes. */
  async verify(user: string, password: string, secret: string, check: () => Promise<boolean>): Promise<boolean> {
    // The secret too: a pair right against an old hash says nothing once the hash changed.
    const digest = createHmac('sha256', this.#key).update(JSON.stringify([user, password, secret])).digest('base64');
    const until = this.#right.get(digest);
    if (until !== undefined) {
      if (until > Date.now()) return true;
      this.#right.delete(digest);
    }
    const under = this.#checking.get(digest);
    if (under) return under;
    const checking = check().finally(() => this.#checking.delete(digest));
    this.#checking.set(digest, checking);
    const right = await checking;
    if (right) this.#remember(digest);
    return right;
  }

  #remember(digest: string): void {
    this.#right.delete(digest);
    this.#right.set(digest, Date.now() + KEPT_MS);
    if (this.#right.size > MOST_PAIRS) this.#right.delete(this.#right.keys().next().value as string);
  }
}
