import * as net from 'net';

export interface RawResponse {
  status: number;
  text: string;
  /** Milliseconds from connecting until the answer arrived. */
  elapsedMs: number;
}

/**
 * Sends bytes exactly as given (a malformed Host header, a body shorter than its Content-Length)
 * and waits for the status line and headers of the answer, or fails after `timeoutMs`.
 */
export function rawHttp(port: number, headLines: string[], body: Buffer | string = '', timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms; received so far: ${JSON.stringify(received.slice(0, 200))}`));
    }, timeoutMs);
    const finish = () => {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (!match || !received.includes('\r\n\r\n')) return false;
      clearTimeout(timer);
      // Give the body a moment to arrive, then close our side.
      setTimeout(() => {
        socket.destroy();
        resolve({ status: Number(match[1]), text: received.slice(received.indexOf('\r\n\r\n') + 4), elapsedMs: Date.now() - started });
      }, 50);
      return true;
    };
    let done = false;
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (!done) done = finish();
    });
    socket.on('error', () => {
      // A server closing on us mid-upload is fine once it has answered.
      if (!done) done = finish();
    });
    socket.on('close', () => {
      if (!done && !(done = finish())) {
        clearTimeout(timer);
        reject(new Error(`connection closed without an answer; received: ${JSON.stringify(received.slice(0, 200))}`));
      }
    });
    socket.write(`${headLines.join('\r\n')}\r\n\r\n`);
    if (body.length) socket.write(body);
  });
}
