/** Go's net package as checks meet it: addresses and the error texts Consul shows as check output. */

/** net.SplitHostPort, as far as checks need it: `host:port` or `[v6]:port`. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  return m === null ? undefined : { host: m[1]!, port: Number(m[2]) };
}

/** net.JoinHostPort: `127.0.0.1:53`, `[::1]:53`. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's error texts for the socket errors a TCP dial meets most. */
export function goDialError(address: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return `dial tcp ${address}: connect: connection refused`;
    case 'ETIMEDOUT': return `dial tcp ${address}: i/o timeout`;
    case 'EHOSTUNREACH': return `dial tcp ${address}: connect: no route to host`;
    case 'ENOTFOUND': return `dial tcp: lookup ${address.replace(/:\d+$/, '')}: no such host`;
    default: return `dial tcp ${address}: ${err.message}`;
  }
}
