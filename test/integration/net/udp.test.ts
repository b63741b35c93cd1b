import t from 'tap';
import { createSocket } from 'node:dgram';
import { UdpTransport } from '../../../lib/net/udp.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { ErrorCode } from '../../../lib/core/errors.js';

t.test('datagrams go both ways and are counted', async (t) => {
  const a = await UdpTransport.bind({ host: '127.0.0.1', port: 0 }, silentLogger());
  const b = await UdpTransport.bind({ host: '127.0.0.1', port: 0 }, silentLogger());
  t.teardown(async () => { await a.close(); await b.close(); });
  const got = new Promise<[string, string]>((resolve) => b.onPacket((from, p) => resolve([from, Buffer.from(p).toString()])));
  a.send(b.localAddress, Buffer.from('ping'));
  const [from, text] = await got;
  t.equal(text, 'ping');
  t.equal(from, a.localAddress);
  t.equal(b.stats.packetsReceived, 1);
  t.equal(b.stats.bytesReceived, 4);
});

t.test('a throwing handler is counted and the socket keeps receiving', async (t) => {
  const a = await UdpTransport.bind({ host: '127.0.0.1', port: 0 }, silentLogger());
  t.teardown(() => a.close());
  let calls = 0;
  const second = new Promise<void>((resolve) => a.onPacket(() => {
    calls++;
    if (calls === 1) throw new Error('bad packet');
    resolve();
  }));
  const raw = createSocket('udp4');
  t.teardown(() => raw.close());
  raw.send(Buffer.from('x'), Number(a.localAddress.split(':')[1]), '127.0.0.1');
  raw.send(Buffer.from('y'), Number(a.localAddress.split(':')[1]), '127.0.0.1');
  await second;
  t.equal(a.stats.handlerErrors, 1);
});

t.test('bad destinations are counted, not thrown; sends after close are ignored', async (t) => {
  const a = await UdpTransport.bind({ host: '127.0.0.1', port: 0 }, silentLogger());
  a.send('nonsense', Buffer.from('x'));
  a.send('127.0.0.1:0', Buffer.from('x'));
  t.equal(a.stats.sendErrors, 2);
  await a.close();
  a.send('127.0.0.1:9', Buffer.from('x'));
  await a.close();
  t.pass('no throw');
});

t.test('a busy port is reported with its address', async (t) => {
  const a = await UdpTransport.bind({ host: '127.0.0.1', port: 0 }, silentLogger());
  t.teardown(() => a.close());
  const port = Number(a.localAddress.split(':')[1]);
  await t.rejects(UdpTransport.bind({ host: '127.0.0.1', port }, silentLogger()), {
    code: ErrorCode.AddressInUse,
    message: `cannot start gossip-listener (UDP): address 127.0.0.1:${port} is already in use`,
  });
  await t.rejects(UdpTransport.bind({ host: '192.0.2.1', port: 0 }, silentLogger()), { message: /is not on this machine/ });
});
