import type { KvEntry } from '../../catalog/index.js';

/** Consul's DirEntry JSON, in Go's field order; `Session` only when held, `Value` null when empty. */
export interface DirEntryJson {
  LockIndex: number;
  Key: string;
  Flags: number;
  Value: string | null;
  Session?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export function toDirEntry(e: KvEntry): DirEntryJson {
  const json: DirEntryJson = {
    LockIndex: e.LockIndex,
    Key: e.Key,
    Flags: e.Flags,
    Value: e.Value.length === 0 ? null : Buffer.from(e.Value.buffer, e.Value.byteOffset, e.Value.byteLength).toString('base64'),
    CreateIndex: e.CreateIndex,
    ModifyIndex: e.ModifyIndex,
  };
  if (e.Session !== '') {
    // Keep Go's order: Session sits between Value and CreateIndex.
    return { LockIndex: json.LockIndex, Key: json.Key, Flags: json.Flags, Value: json.Value, Session: e.Session, CreateIndex: json.CreateIndex, ModifyIndex: json.ModifyIndex };
  }
  return json;
}
