import type { ReleaseAttempt, ReleaseRecord } from '../relay/release-history.js';
import type { Release, ReleaseAttempt as ReleaseAttemptDto } from '../shapes/wire-types.js';

/** A release as the API and the live events show it: every attempt with its transcript. */
function attemptDto(attempt: ReleaseAttempt): ReleaseAttemptDto {
  return {
    Created: attempt.time.toISOString(),
    Recipients: attempt.results.map((r) => ({ Address: r.address, Status: r.status, Reply: r.reply })),
    Host: attempt.host,
    Address: attempt.address,
    Outcome: attempt.outcome,
    TLS: attempt.tls,
    DNS: attempt.dns,
    Transcript: attempt.transcript,
  };
}

export function releaseDto(record: ReleaseRecord): Release {
  return {
    ID: record.id,
    Created: record.requestedAt.toISOString(),
    Trigger: record.trigger,
    Mode: record.mode,
    Sender: record.sender,
    Status: record.state,
    Recipients: record.recipients.map((r) => ({
      Address: r.address,
      Status: r.state,
      Reply: r.reply,
      Attempts: r.attempts,
      NextAttempt: r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null,
    })),
    Attempts: record.attempts.map(attemptDto),
    // Every attempt's transcript in one, for readers that show a release as one log.
    Transcript: record.attempts.flatMap((a, i) => [`-- attempt ${i + 1} at ${a.time.toISOString()}: ${a.host || 'DNS'} ${a.address}`.trimEnd(), ...a.transcript]),
  };
}
