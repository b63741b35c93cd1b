import type { CheckStatus } from '../types.js';

/** Where a runner reports each result. */
export type CheckNotify = (status: CheckStatus, output: string) => void;

/** One running check. */
export interface CheckRunner {
  start(): void;
  stop(): void;
}

/** What running a script gave. */
export interface ScriptResult {
  /** Exit code; null when killed by a signal or never started. */
  exitCode: number | null;
  /** The last `maxOutput` bytes of stdout and stderr together. */
  output: string;
  /** All bytes written, kept or not. */
  totalBytes: number;
  timedOut: boolean;
  /** Why the script could not be started at all. */
  startError?: string;
}

export interface HttpCheckRequest {
  url: string;
  method: string;
  headers: Record<string, string[]>;
  body: string;
  timeoutMs: number;
  tlsSkipVerify: boolean;
  tlsServerName: string;
  disableRedirects: boolean;
  /** Keep only the last this many bytes of the response body. */
  maxOutput: number;
  signal: AbortSignal;
}

export type HttpCheckResult =
  | { ok: true; statusCode: number; statusText: string; body: string }
  | { ok: false; error: string };

export type TcpCheckResult = { ok: true } | { ok: false; error: string };

/** A datagram sent and nothing refused within the timeout is `ok`; `error` is Go's text for what went wrong. */
export type UdpCheckResult = { ok: true } | { ok: false; error: string };

/** One grpc.health.v1.Health/Check call. */
export interface GrpcCheckRequest {
  /** `host:port`, or `host:port/service` to ask about one service. */
  target: string;
  useTls: boolean;
  tlsSkipVerify: boolean;
  tlsServerName: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** The ServingStatus answered (1 = SERVING), or grpc-go's error text. */
export type GrpcCheckResult = { ok: true; servingStatus: number } | { ok: false; error: string };

/**
 * The side effects of checks, injected so the runners' logic runs on the
 * virtual clock in tests: scripts, HTTP requests, TCP connects, UDP
 * datagrams and gRPC health calls.
 */
export interface CheckExecutors {
  script(args: string[], options: { timeoutMs: number; maxOutput: number; signal: AbortSignal }): Promise<ScriptResult>;
  http(request: HttpCheckRequest): Promise<HttpCheckResult>;
  tcp(address: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<TcpCheckResult>;
  udp(address: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<UdpCheckResult>;
  grpc(request: GrpcCheckRequest): Promise<GrpcCheckResult>;
}
