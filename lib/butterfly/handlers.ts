import type { AckRegistry } from './acks.js';
import type { Context } from './context.js';
import { aliveMember, deadMember, departMember, suspectMember } from './state.js';
import type { Message, MessageKind } from './wire/messages.js';

export interface HandlerEnv {
  ctx: Context;
  acks: AckRegistry;
}

type Handler<K extends MessageKind> = (env: HandlerEnv, from: string, message: Extract<Message, { type: K }>) => void;

/** One handler per message type. */
export const HANDLERS: { [K in MessageKind]: Handler<K> } = {
  ping: ({ ctx }, from, m) => {
    if (m.targetId !== ctx.self.id) {
      ctx.drop('wrong-target');
      return;
    }
    // serf's ack payload: our coordinate goes first, so it is there when the prober handles the ack.
    const ack: Message[] = ctx.coordinates === undefined
      ? [{ type: 'ack', seq: m.seq }]
      : [{ type: 'coordinate', seq: m.seq, coordinate: ctx.coordinates.own }, { type: 'ack', seq: m.seq }];
    if (ctx.departedIds.has(m.fromId)) {
      // A departed member still probing: tell it, so it stops.
      ctx.send(from, [...ack, { type: 'departed', id: m.fromId }]);
      return;
    }
    ctx.send(from, ack);
    if (!ctx.members.has(m.fromId)) ctx.onUnknownSender?.(from, m.fromId);
  },

  'indirect-ping': ({ ctx, acks }, from, m) => {
    const seq = ctx.nextSeq();
    acks.register(seq, ctx.opts.probeTimeoutMs, {
      onAck: () => ctx.send(from, [{ type: 'ack', seq: m.seq }]),
      onExpire: () => {
        if (m.nack && ctx.running) ctx.send(from, [{ type: 'nack', seq: m.seq }]);
      },
    });
    ctx.send(m.targetAddress, [{ type: 'ping', seq, targetId: m.targetId, fromId: ctx.self.id }]);
  },

  ack: ({ acks }, _from, m) => {
    acks.ack(m.seq);
  },

  coordinate: ({ ctx, acks }, _from, m) => {
    // With coordinates off we take the ack alone, as serf without a ping delegate does.
    if (ctx.coordinates === undefined) return;
    if (ctx.coordinates.problem(m.coordinate) !== undefined) {
      ctx.drop('bad-coordinate');
      return;
    }
    acks.attachCoordinate(m.seq, m.coordinate);
  },

  nack: ({ acks }, _from, m) => {
    acks.nack(m.seq);
  },

  alive: ({ ctx }, _from, m) => aliveMember(ctx, m.member),

  suspect: ({ ctx }, _from, m) => suspectMember(ctx, m.id, m.incarnation, m.from),

  dead: ({ ctx }, _from, m) => deadMember(ctx, m.id, m.incarnation, m.from),

  departed: ({ ctx }, _from, m) => departMember(ctx, m.id),

  rumor: ({ ctx }, from, m) => {
    if (ctx.onRumor === undefined) ctx.drop('no-rumor-store');
    else ctx.onRumor(from, m.body);
  },
};

export function dispatch(env: HandlerEnv, from: string, message: Message): void {
  (HANDLERS[message.type] as Handler<MessageKind>)(env, from, message as never);
}
