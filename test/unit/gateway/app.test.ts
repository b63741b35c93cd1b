import t from 'tap';
import Router from '@koa/router';
import { createGatewayApp } from '../../../lib/gateway/app.js';
import Koa from 'koa';
import { bearerMatches } from '../../../lib/gateway/auth.js';
import { errorHandler } from '../../../lib/gateway/middleware.js';
import { statusForError, publicMessage } from '../../../lib/gateway/errors.js';
import { ChorusError, ErrorCode } from '../../../lib/core/errors.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { serve } from '../../helpers/http.js';
import { fakeGossip } from '../../helpers/gateway.js';

function app(opts: { token?: string; ready?: boolean; services?: unknown[] } = {}) {
  return createGatewayApp({
    logger: silentLogger(),
    authToken: opts.token,
    isReady: () => opts.ready ?? true,
    gossip: fakeGossip(), habitat: { censusJson: () => '{}', services: () => opts.services ?? [], service: () => { throw new ChorusError(ErrorCode.NotFound, 'not loaded'); } },
  });
}

t.test('GET /services is 200 [] as application/json', async (t) => {
  const s = await serve(app());
  t.teardown(s.close);
  const res = await fetch(`${s.url}/services`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json');
  t.equal(await res.text(), '[]');
  const pretty = await fetch(`${s.url}/services?pretty`);
  t.equal(await pretty.text(), '[]');
});

t.test('the services the supervisor reports are what /services shows', async (t) => {
  const s = await serve(app({ services: [{ service_group: 'redis.default' }] }));
  t.teardown(s.close);
  t.same(await (await fetch(`${s.url}/services`)).json(), [{ service_group: 'redis.default' }]);
});

t.test('with a token, every route needs the exact bearer header', async (t) => {
  const s = await serve(app({ token: 'sekret' }));
  t.teardown(s.close);
  const cases: Array<[string | undefined, number]> = [
    [undefined, 401],
    ['Bearer wrong', 401],
    ['bearer sekret', 401],
    ['Basic sekret', 401],
    ['Bearer sekret extra', 401],
    ['Bearer', 401],
    ['Bearer sekre', 401],
    ['Bearer sekret', 200],
    ['  Bearer   sekret ', 200],
  ];
  for (const [header, status] of cases) {
    const res = await fetch(`${s.url}/services`, { headers: header === undefined ? {} : { Authorization: header } });
    t.equal(res.status, status, `${header} → ${status}`);
    if (status === 401) {
      t.equal(res.headers.get('content-length'), '0');
      t.equal(res.headers.get('www-authenticate'), null);
      t.equal(await res.text(), '');
    } else {
      t.equal(await res.text(), '[]');
    }
  }
  const unknown = await fetch(`${s.url}/no/such/route`);
  t.equal(unknown.status, 401, 'unknown paths are not revealed to strangers');
  const ok404 = await fetch(`${s.url}/no/such/route`, { headers: { Authorization: 'Bearer sekret' } });
  t.equal(ok404.status, 404);
});

t.test('non-ASCII authorization headers are refused, not crashed on', async (t) => {
  t.equal(bearerMatches('Bearer sékret', 'sékret'), false);
  t.equal(bearerMatches(undefined, 'x'), false);
  t.equal(bearerMatches('Bearer\tx', 'x'), true);
});

t.test('routes answer 503 until the supervisor has fully started', async (t) => {
  let ready = false;
  const a = createGatewayApp({ logger: silentLogger(), isReady: () => ready, gossip: fakeGossip(), habitat: { censusJson: () => '{}', services: () => [], service: () => { throw new ChorusError(ErrorCode.NotFound, 'x'); } } });
  const s = await serve(a);
  t.teardown(s.close);
  const res = await fetch(`${s.url}/services`);
  t.equal(res.status, 503);
  t.match(await res.text(), /Supervisor hasn't fully started/);
  ready = true;
  t.equal((await fetch(`${s.url}/services`)).status, 200);
});

t.test('unknown paths 404 and wrong methods 405, with empty bodies', async (t) => {
  const s = await serve(app());
  t.teardown(s.close);
  const missing = await fetch(`${s.url}/nope`);
  t.equal(missing.status, 404);
  t.equal(await missing.text(), '');
  const post = await fetch(`${s.url}/services`, { method: 'POST', body: 'x' });
  t.equal(post.status, 405);
  t.match(post.headers.get('allow'), /GET/);
  t.equal(await post.text(), '');
  const del = await fetch(`${s.url}/services`, { method: 'DELETE' });
  t.equal(del.status, 405);
});

t.test('a failing route never shows a stack trace', async (t) => {
  // The same error middleware the gateway uses, in front of a router that fails in three ways.
  const a = new Koa();
  a.silent = true;
  a.use(errorHandler(silentLogger()));
  const router = new Router();
  router.get('/boom', () => { throw new Error('secret internals at /srv/x.js:1'); });
  router.get('/typed', () => { throw new ChorusError(ErrorCode.NotFound, 'no such thing'); });
  router.get('/empty', (ctx) => { ctx.state.errorBody = 'empty'; throw new ChorusError(ErrorCode.Conflict, 'x'); });
  a.use(router.routes());
  const s = await serve(a);
  t.teardown(s.close);
  const boom = await fetch(`${s.url}/boom`);
  t.equal(boom.status, 500);
  const text = await boom.text();
  t.equal(text, 'Internal Server Error');
  t.notMatch(text, /internals|\.js/);
  const typed = await fetch(`${s.url}/typed`);
  t.equal(typed.status, 404);
  t.equal(await typed.text(), 'no such thing');
  const empty = await fetch(`${s.url}/empty`);
  t.equal(empty.status, 409);
  t.equal(await empty.text(), '');
});

t.test('error codes map to statuses in one place', async (t) => {
  for (const code of Object.values(ErrorCode)) {
    const status = statusForError(new ChorusError(code, 'x'));
    t.ok(status >= 400 && status < 600, `${code} → ${status}`);
  }
  t.equal(statusForError(new ChorusError(ErrorCode.TooLarge, 'x')), 413);
  t.equal(statusForError({ status: 415, expose: true, message: 'Unsupported' }), 415);
  t.equal(statusForError({ status: 200 }), 500);
  t.equal(statusForError(null), 500);
  t.equal(publicMessage({ status: 415, expose: true, message: 'Unsupported' }, 415), 'Unsupported');
  t.equal(publicMessage(new Error('x'), 400), 'Bad Request');
  t.equal(publicMessage(new ChorusError(ErrorCode.Internal, 'db exploded'), 500), 'Internal Server Error');
});
