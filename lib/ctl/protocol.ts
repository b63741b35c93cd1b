import { ChorusError, ErrorCode } from '../core/errors.js';

/** Largest control frame: a service package upload travels in one (issue 4). */
export const CTL_MAX_FRAME = 8 * 1024 * 1024;
export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const CTL_PROTOCOL_VERSION = 1;

export interface HandshakeRequest {
  v: number;
  type: 'Handshake';
  secret: string;
}

export interface CtlRequest {
  id: number;
  type: string;
  body: unknown;
}

export type CtlReply =
  | { id: number; ok: true; body: unknown }
  | { id: number; ok: false; code: string; message: string };

export function isHandshake(value: unknown): value is HandshakeRequest {
  const v = value as Partial<HandshakeRequest> | null;
  return typeof v === 'object' && v !== null && v.type === 'Handshake' && typeof v.secret === 'string';
}

export function parseRequest(value: unknown): CtlRequest {
  const v = value as Partial<CtlRequest> | null;
  if (typeof v !== 'object' || v === null || typeof v.id !== 'number' || typeof v.type !== 'string') {
    throw new ChorusError(ErrorCode.BadRequest, 'malformed control request');
  }
  return { id: v.id, type: v.type, body: v.body };
}
