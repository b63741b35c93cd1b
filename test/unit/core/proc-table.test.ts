import t from 'tap';
import { spawn } from 'node:child_process';
import { parseProcStat, processAlive, processGroupAlive } from '../../../lib/core/proc-table.js';

t.test('parseProcStat reads state and group past a command name with spaces and parentheses', async (t) => {
  t.same(parseProcStat('42 (a (b) c) S 1 42 42 0 -1'), { state: 'S', pgrp: 42 });
  t.same(parseProcStat('7 (sleep) Z 1 5 5 0'), { state: 'Z', pgrp: 5 });
  t.equal(parseProcStat('garbage'), undefined);
  t.equal(parseProcStat('1 (x) '), undefined);
  t.equal(parseProcStat('1 (x) R 1 notanumber'), undefined);
});

t.test('a zombie is not alive, though kill(0) still answers for it; its group lives while a member runs', { skip: process.platform !== 'linux' && 'zombies are told apart through /proc, which only Linux has' }, async (t) => {
  t.ok(processAlive(process.pid));
  t.notOk(processAlive(2 ** 22 + 1), 'a pid above pid_max is no process');
  // `sleep 0` exits at once; its parent becomes `sleep 5`, which never waits for it: a zombie.
  const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const zombie = await new Promise<number>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
  t.teardown(() => {
    try {
      process.kill(-parent.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const deadline = Date.now() + 5_000;
  while (processAlive(zombie) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.notOk(processAlive(zombie), 'the exited child is a zombie, not alive');
  t.doesNotThrow(() => process.kill(zombie, 0), 'yet kill(0) answers for it');
  t.ok(processGroupAlive(parent.pid!), 'its group still has a running member');
  const exited = new Promise((r) => parent.once('exit', r));
  process.kill(parent.pid!, 'SIGKILL');
  await exited;
  t.notOk(processGroupAlive(parent.pid!), 'with the parent gone the group is gone');
});
