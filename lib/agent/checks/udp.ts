import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { joinHostPort, splitHostPort } from './go-net.js';
import { CHECK_STOPPED, settleOnce } from './settle.js';
import type { UdpCheckResult } from './types.js';

/**
 * Consul's UDP check (agent/checks/check.go CheckUDP): dial, send an empty
 * datagram, read. UDP has no handshake, so silence until the timeout is
 * passing; the one failure a connected socket can see is the ICMP port
 * unreachable that comes back as ECONNREFUSED, which is critical.
 */
export function runUdp(clock: Clock, address: string, o: { timeoutMs: number; signal: AbortSignal }): Promise<UdpCheckResult> {
  const target = splitHostPort(address);
  if (target === undefined) return Promise.resolve({ ok: false, error: `dial udp: address ${address}: missing port in address` });
  return new Promise((resolve) => {
    const socket: Socket = createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
    let connected = false;
    let closed = false;
    const finish = settleOnce<UdpCheckResult>(clock, resolve, {
      ...o,
      onTimeout: () => ({ ok: true }),
      cleanup: () => {
        closed = true;
        socket.close();
      },
    }, CHECK_STOPPED);
    // Go's texts name both ends once the socket is connected: "read udp 127.0.0.1:40000->127.0.0.1:53: ...".
    const ends = () => {
      const local = socket.address();
      const remote = socket.remoteAddress();
      return `${joinHostPort(local.address, local.port)}->${joinHostPort(remote.address, remote.port)}`;
    };
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (closed) return;
      if (!connected) {
        const error = err.code === 'ENOTFOUND' ? `dial udp: lookup ${target.host}: no such host` : `dial udp ${address}: ${err.message}`;
        finish({ ok: false, error });
        return;
      }
      const op = err.syscall === 'send' ? 'write' : 'read';
      const reason = err.code === 'ECONNREFUSED' ? 'connection refused' : err.message;
      finish({ ok: false, error: `${op} udp ${ends()}: ${op}: ${reason}` });
    });
    // Any answer at all means something is listening.
    socket.on('message', () => finish({ ok: true }));
    socket.connect(target.port, target.host, () => {
      connected = true;
      if (closed) return;
      socket.send(Buffer.alloc(0), (err) => {
        if (err !== null && err !== undefined) socket.emit('error', err);
      });
    });
  });
}
