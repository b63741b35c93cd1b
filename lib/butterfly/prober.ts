import type { Timer } from '../core/index.js';
import type { AckRegistry } from './acks.js';
import type { Context, MemberRecord } from './context.js';
import { suspectMember } from './state.js';
import type { MemberId } from './types.js';
import type { Message } from './wire/messages.js';

/**
 * SWIM failure detection with Lifeguard (memberlist probeNode). Every
 * protocol period, the next member in a shuffled round-robin order gets a
 * direct ping; without an ack within the probe timeout, `indirectChecks`
 * other members are asked to ping it for us; without any ack by the end of
 * the period, it becomes suspect. Lifeguard stretches the period and timeout
 * by the local health multiplier, which missed nacks raise and acks lower,
 * and a suspect member's ping carries the suspicion so it can refute at once.
 */
export class Prober {
  #ctx: Context;
  #acks: AckRegistry;
  #order: MemberId[] = [];
  #index = 0;
  #timer: Timer | undefined;
  #probeTimers = new Set<Timer>();

  constructor(ctx: Context, acks: AckRegistry) {
    this.#ctx = ctx;
    this.#acks = acks;
  }

  start(): void {
    this.#schedule(this.#ctx.deps.random.int(this.#ctx.opts.probeIntervalMs) + 1);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const t of this.#probeTimers) t.cancel();
    this.#probeTimers.clear();
  }

  #schedule(ms: number): void {
    this.#timer = this.#ctx.deps.clock.setTimer(ms, () => this.#tick());
  }

  #tick(): void {
    const ctx = this.#ctx;
    if (!ctx.running) return;
    const period = ctx.awareness.scale(ctx.opts.probeIntervalMs);
    this.#schedule(period);
    ctx.stats.healthScore = ctx.awareness.score;
    ctx.deps.metrics?.gauge?.('butterfly_health_score', ctx.awareness.score);
    const target = this.#next();
    if (target !== undefined) this.probe(target, period);
  }

  /** The next member to probe: alive or suspect, or failed but persistent. */
  #next(): MemberRecord | undefined {
    const ctx = this.#ctx;
    for (let tries = 0; tries <= ctx.list.length; tries++) {
      if (this.#index >= this.#order.length) {
        this.#order = ctx.deps.random.shuffle(ctx.list.filter((m) => m !== ctx.self).map((m) => m.id));
        this.#index = 0;
        if (this.#order.length === 0) return undefined;
      }
      const m = ctx.members.get(this.#order[this.#index++]!);
      if (m === undefined || m === ctx.self) continue;
      if (m.state === 'alive' || m.state === 'suspect' || (m.state === 'failed' && m.persistent)) return m;
    }
    return undefined;
  }

  probe(target: MemberRecord, periodMs: number): void {
    const ctx = this.#ctx;
    const o = ctx.opts;
    const seq = ctx.nextSeq();
    const clock = ctx.deps.clock;
    const sentAt = clock.now();
    const probeTimeout = ctx.awareness.scale(o.probeTimeoutMs);
    const incarnation = target.incarnation;
    ctx.stats.probes++;
    const messages: Message[] = [{ type: 'ping', seq, targetId: target.id, fromId: ctx.self.id }];
    if (o.lifeguard && target.state === 'suspect') {
      messages.push({ type: 'suspect', id: target.id, incarnation, from: ctx.self.id });
    } else if (target.state === 'failed') {
      messages.push({ type: 'dead', id: target.id, incarnation, from: ctx.self.id });
    }
    let done = false;
    let nacks = 0;
    let expectedNacks = 0;
    const timers: Timer[] = [];
    const finish = (): void => {
      done = true;
      for (const t of timers) {
        t.cancel();
        this.#probeTimers.delete(t);
      }
    };
    const later = (ms: number, fn: () => void): void => {
      const t = clock.setTimer(ms, () => {
        this.#probeTimers.delete(t);
        fn();
      });
      timers.push(t);
      this.#probeTimers.add(t);
    };
    this.#acks.register(seq, periodMs, {
      onAck: (coordinate) => {
        // Only the target's own ack carries its coordinate (a relayed one does not), so the RTT is a direct one.
        if (coordinate !== undefined && ctx.coordinates !== undefined && !ctx.coordinates.observe(target.id, coordinate, clock.now() - sentAt)) {
          ctx.drop('bad-coordinate');
        }
        if (done) return;
        finish();
        if (o.lifeguard && clock.now() - sentAt <= probeTimeout) ctx.awareness.applyDelta(-1);
      },
      onNack: () => {
        nacks++;
        ctx.stats.nacksReceived++;
      },
      onExpire: () => {
        if (done) return;
        finish();
        ctx.stats.probesFailed++;
        ctx.count('probes_failed');
        if (o.lifeguard) ctx.awareness.applyDelta(expectedNacks > 0 ? expectedNacks - nacks : 1);
        if (!ctx.running) return;
        suspectMember(ctx, target.id, incarnation, ctx.self.id);
      },
    });
    ctx.send(target.transportAddress, messages);
    later(probeTimeout, () => {
      if (done || !ctx.running) return;
      const peers = ctx.randomMembers(o.indirectChecks, (m) => m !== target && m.state === 'alive');
      for (const peer of peers) {
        ctx.stats.indirectProbes++;
        ctx.send(peer.transportAddress, [
          { type: 'indirect-ping', seq, targetId: target.id, targetAddress: target.transportAddress, nack: o.lifeguard },
        ]);
      }
      expectedNacks = o.lifeguard ? peers.length : 0;
    });
  }
}
