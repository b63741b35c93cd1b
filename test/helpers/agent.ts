import { VirtualClock, type Clock } from '../../lib/core/clock.js';
import { SeededRandom } from '../../lib/core/random.js';
import { silentLogger } from '../../lib/core/logger.js';
import { LocalAgent, type LocalAgentOptions } from '../../lib/agent/index.js';
import type {
  CheckExecutors, GrpcCheckRequest, GrpcCheckResult, HttpCheckRequest, HttpCheckResult, ScriptResult, TcpCheckResult, UdpCheckResult,
} from '../../lib/agent/checks/index.js';

/** Executors whose answers a test sets, recording what the runners asked. */
export function fakeExecutors(): CheckExecutors & {
  scriptAnswer: ScriptResult;
  httpAnswer: HttpCheckResult;
  tcpAnswer: TcpCheckResult;
  udpAnswer: UdpCheckResult;
  grpcAnswer: GrpcCheckResult;
  calls: { script: string[][]; http: HttpCheckRequest[]; tcp: string[]; udp: string[]; grpc: GrpcCheckRequest[] };
} {
  const fake = {
    scriptAnswer: { exitCode: 0, output: 'ok', totalBytes: 2, timedOut: false } as ScriptResult,
    httpAnswer: { ok: true, statusCode: 200, statusText: 'OK', body: 'fine' } as HttpCheckResult,
    tcpAnswer: { ok: true } as TcpCheckResult,
    udpAnswer: { ok: true } as UdpCheckResult,
    grpcAnswer: { ok: true, servingStatus: 1 } as GrpcCheckResult,
    calls: { script: [] as string[][], http: [] as HttpCheckRequest[], tcp: [] as string[], udp: [] as string[], grpc: [] as GrpcCheckRequest[] },
    script: async (args: string[]) => {
      fake.calls.script.push(args);
      return fake.scriptAnswer;
    },
    http: async (req: HttpCheckRequest) => {
      fake.calls.http.push(req);
      return fake.httpAnswer;
    },
    tcp: async (address: string) => {
      fake.calls.tcp.push(address);
      return fake.tcpAnswer;
    },
    udp: async (address: string) => {
      fake.calls.udp.push(address);
      return fake.udpAnswer;
    },
    grpc: async (req: GrpcCheckRequest) => {
      fake.calls.grpc.push(req);
      return fake.grpcAnswer;
    },
  };
  return fake;
}

/** Lets promise callbacks queued by timers run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advances virtual time in steps, letting async work between timers finish. */
export async function advance(clock: VirtualClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await settle();
  }
}

export function testAgent(options: { clock?: Clock; dataDir?: string; executors?: CheckExecutors; agent?: LocalAgentOptions; datacenter?: string } = {}) {
  const clock = options.clock ?? new VirtualClock(1_000_000);
  const executors = options.executors ?? fakeExecutors();
  const agent = new LocalAgent(
    {
      clock,
      random: new SeededRandom(7),
      logger: silentLogger(),
      nodeName: 'node1',
      ...(options.datacenter === undefined ? {} : { datacenter: options.datacenter }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      executors,
    },
    options.agent ?? {},
  );
  return { agent, clock, executors };
}
