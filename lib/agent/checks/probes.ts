import { formatGoDuration } from '../duration.js';
import { HTTP_CHECK_ACCEPT, HTTP_CHECK_USER_AGENT } from '../constants.js';
import { SERVING, servingStatusName } from './grpc-health.js';
import type { Probe } from './interval.js';
import type { CheckExecutors } from './types.js';

/**
 * The kinds of interval check Consul runs itself, turning what an executor
 * saw into Consul's status and output texts (agent/checks/check.go, grpc.go).
 */

/** `Args` run without a shell: exit 0 passing, 1 warning, anything else critical. */
export function scriptProbe(executors: CheckExecutors, args: string[], timeoutMs: number, maxOutput: number): Probe {
  return async (signal) => {
    const r = await executors.script(args, { timeoutMs, maxOutput, signal });
    if (r.startError !== undefined) return { status: 'critical', output: `Failed to invoke: ${r.startError}` };
    if (r.timedOut) return { status: 'critical', output: `Timed out (${formatGoDuration(timeoutMs)}) running check` };
    const output = r.totalBytes > Buffer.byteLength(r.output)
      ? `Captured ${Buffer.byteLength(r.output)} of ${r.totalBytes} bytes\n...\n${r.output}`
      : r.output;
    if (r.exitCode === 0) return { status: 'passing', output };
    if (r.exitCode === 1) return { status: 'warning', output };
    return { status: 'critical', output };
  };
}

export interface HttpProbeOptions {
  url: string;
  method?: string | undefined;
  header?: Record<string, string[]> | undefined;
  body?: string | undefined;
  timeoutMs: number;
  tlsSkipVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
  disableRedirects?: boolean | undefined;
  maxOutput: number;
}

/** 2xx passing, 429 warning, anything else (or no answer) critical. */
export function httpProbe(executors: CheckExecutors, o: HttpProbeOptions): Probe {
  const method = o.method || 'GET';
  const headers: Record<string, string[]> = { ...(o.header ?? {}) };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());
  if (!has('User-Agent')) headers['User-Agent'] = [HTTP_CHECK_USER_AGENT];
  if (!has('Accept')) headers.Accept = [HTTP_CHECK_ACCEPT];
  return async (signal) => {
    const r = await executors.http({
      url: o.url,
      method,
      headers,
      body: o.body ?? '',
      timeoutMs: o.timeoutMs,
      tlsSkipVerify: o.tlsSkipVerify ?? false,
      tlsServerName: o.tlsServerName ?? '',
      disableRedirects: o.disableRedirects ?? false,
      maxOutput: o.maxOutput,
      signal,
    });
    if (!r.ok) return { status: 'critical', output: r.error };
    const output = `HTTP ${method} ${o.url}: ${r.statusCode} ${r.statusText} Output: ${r.body}`;
    if (r.statusCode >= 200 && r.statusCode <= 299) return { status: 'passing', output };
    if (r.statusCode === 429) return { status: 'warning', output };
    return { status: 'critical', output };
  };
}

/** A connection accepted is passing. */
export function tcpProbe(executors: CheckExecutors, address: string, timeoutMs: number): Probe {
  return async (signal) => {
    const r = await executors.tcp(address, { timeoutMs, signal });
    if (!r.ok) return { status: 'critical', output: r.error };
    return { status: 'passing', output: `TCP connect ${address}: Success` };
  };
}

/** A datagram nobody refused is passing: UDP has no handshake to wait for. */
export function udpProbe(executors: CheckExecutors, address: string, timeoutMs: number): Probe {
  return async (signal) => {
    const r = await executors.udp(address, { timeoutMs, signal });
    if (!r.ok) return { status: 'critical', output: r.error };
    return { status: 'passing', output: `UDP connect ${address}: Success` };
  };
}

export interface GrpcProbeOptions {
  target: string;
  useTls: boolean;
  tlsSkipVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
  timeoutMs: number;
}

/** SERVING is passing; any other status, or a failed call, critical. */
export function grpcProbe(executors: CheckExecutors, o: GrpcProbeOptions): Probe {
  return async (signal) => {
    const r = await executors.grpc({
      target: o.target, useTls: o.useTls, tlsSkipVerify: o.tlsSkipVerify ?? false, tlsServerName: o.tlsServerName ?? '', timeoutMs: o.timeoutMs, signal,
    });
    if (!r.ok) return { status: 'critical', output: r.error };
    if (r.servingStatus !== SERVING) return { status: 'critical', output: `gRPC ${o.target} serving status: ${servingStatusName(r.servingStatus)}` };
    return { status: 'passing', output: `gRPC check ${o.target}: success` };
  };
}
