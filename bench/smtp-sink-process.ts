// A counting SMTP sink in its own process (the relay is another machine in real life).
// Prints "port N" once listening; counts accepted messages; answers "count" on stdin with the total.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

let count = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 50 * 1024 * 1024,
  onData(stream, _s, cb) {
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.on('end', () => {
      count++;
      cb();
    });
  },
});
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.server.address() as AddressInfo).port}`));
process.stdin.on('data', () => console.log(`count ${count} bytes ${bytes}`));
