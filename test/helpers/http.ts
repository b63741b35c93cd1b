import { createServer, type Server } from 'node:http';
import type Koa from 'koa';

/** Serves a Koa app on a free loopback port for one test. */
export async function serve(app: Koa): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** GET `url` as JSON; undefined for anything but a 200 (or no answer), so tests can poll with eventually(). */
export async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url);
    return res.status === 200 ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}
