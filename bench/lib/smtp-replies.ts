import type { Socket } from 'node:net';

/**
 * SMTP reply codes as they arrive on a pipelining connection: `next(n)` resolves with
 * the codes of the next n final reply lines (a multi-line reply counts once).
 */
export class Replies {
  #tail = '';
  #codes: number[] = [];
  #want = 0;
  #resolve: ((codes: number[]) => void) | undefined;
  #reject: ((error: Error) => void) | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const text = this.#tail + chunk;
      let start = 0;
      let end: number;
      while ((end = text.indexOf('\r\n', start)) >= 0) {
        if (text.charCodeAt(start + 3) === 0x20 || end - start === 3) this.#codes.push(Number(text.slice(start, start + 3)));
        start = end + 2;
      }
      this.#tail = text.slice(start);
      this.#check();
    });
    socket.on('close', () => this.#reject?.(new Error('connection closed')));
    socket.on('error', (error) => this.#reject?.(error));
  }

  #check(): void {
    if (!this.#resolve || this.#codes.length < this.#want) return;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve(this.#codes.splice(0, this.#want));
  }

  next(count: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.#want = count;
      this.#resolve = resolve;
      this.#reject = reject;
      this.#check();
    });
  }
}
