import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LineDeadline } from '../../server/lib/line-deadline.js';

describe('LineDeadline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const watch = (ms: number) => {
    const expired = vi.fn();
    return { deadline: new LineDeadline(ms, expired), expired };
  };

  it('expires a line that is not finished within the time from its first byte, however it trickles', () => {
    const { deadline, expired } = watch(1000);
    deadline.observe(Buffer.from('EHLO '));
    for (let i = 0; i < 9; i++) {
      vi.advanceTimersByTime(100);
      deadline.observe(Buffer.from('x'));
    }
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(expired).toHaveBeenCalledOnce();
  });

  it('stops at the line end, and times the next line from its own start', () => {
    const { deadline, expired } = watch(1000);
    deadline.observe(Buffer.from('NOOP'));
    vi.advanceTimersByTime(900);
    deadline.observe(Buffer.from('\r\nRSET'));
    vi.advanceTimersByTime(900);
    expect(expired).not.toHaveBeenCalled();
    deadline.observe(Buffer.from('\r\n'));
    vi.advanceTimersByTime(5000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('never runs for whole lines, when stopped, or with a time of 0', () => {
    const whole = watch(1000);
    whole.deadline.observe(Buffer.from('a\r\nb\r\n'));
    const stopped = watch(1000);
    stopped.deadline.observe(Buffer.from('half'));
    stopped.deadline.stop();
    const off = watch(0);
    off.deadline.observe(Buffer.from('half'));
    vi.advanceTimersByTime(10_000);
    for (const { expired } of [whole, stopped, off]) expect(expired).not.toHaveBeenCalled();
  });
});
