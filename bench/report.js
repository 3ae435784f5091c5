'use strict';
// Turn bench/run's measurements (one JSON object a line) into the report:
// a table on stdout, OUTDIR/latest.md, OUTDIR/latest.json and, when given,
// RESULTS.md (the committed copy, with the machine and the targets).
//
//   node report.js RESULTS.jsonl OUTDIR [RESULTS.md]
const fs = require('fs');
const path = require('path');

const [input, outdir, resultsMd] = process.argv.slice(2);
if (!input || !outdir) {
  console.error('usage: node report.js RESULTS.jsonl OUTDIR [RESULTS.md]');
  process.exit(2);
}
const records = fs.readFileSync(input, 'utf8').split('\n').filter(Boolean)
  .map((line) => JSON.parse(line));
const meta = records.find((r) => r.kind === 'meta') || {};

const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

// Runs of one contender in one part: rates by round, failures.
function series(kind, contender, expect) {
  const runs = records.filter((r) => r.kind === kind && r.contender === contender &&
    (expect === undefined || r.expect === expect));
  if (runs.length === 0) return null;
  const byRound = new Map(runs.map((r) => [r.round, r.result.per_second]));
  const failed = kind === 'http'
    ? sum(runs.map((r) => sum(Object.values(r.result.errors))))
    : sum(runs.map((r) => r.result.failed + (expect === 'accept' ? r.result.refused : r.result.accepted)));
  const rates = runs.map((r) => r.result.per_second);
  // CPU per operation, in microseconds: every handshake begun (the ones
  // still in flight at the end of the window were finished too).
  const ops = (r) => (kind === 'http' ? r.result.requests : r.result.started);
  const withCpu = runs.filter((r) => r.cpu && ops(r) > 0);
  const httpdUs = withCpu.map((r) => (r.cpu.httpd_ms * 1000) / ops(r));
  const nodeUs = withCpu.map((r) => ((r.cpu.edge_ms + r.cpu.passport_ms) * 1000) / ops(r));
  return {
    httpd_us: median(httpdUs), node_us: median(nodeUs),
    cpu_us: withCpu.length ? median(httpdUs.map((h, i) => h + nodeUs[i])) : null,
    contender, runs: runs.length, median: median(rates),
    min: Math.min(...rates), max: Math.max(...rates), byRound, failed,
    p50_ms: median(runs.map((r) => r.result.latency_ms.p50)),
    p99_ms: median(runs.map((r) => r.result.latency_ms.p99)),
  };
}

// Ratio of the medians, and the median of the ratios of runs that ran
// side by side in the same round (less sensitive to drift during the run).
function ratio(a, b) {
  if (!a || !b || !b.median) return null;
  const paired = [];
  for (const [round, v] of a.byRound) {
    if (b.byRound.has(round) && b.byRound.get(round) > 0) paired.push(v / b.byRound.get(round));
  }
  return { of_medians: a.median / b.median, paired_median: median(paired),
    // What the rate ratio is when the CPU is the limit: other work on the
    // machine hardly moves it.
    of_cpu: a.cpu_us && b.cpu_us ? b.cpu_us / a.cpu_us : null };
}

const targets = [];
function target(part, what, value, goal, met, unit = '') {
  targets.push({ part, what, value, goal, met, unit });
}

const ws = {};
for (const c of ['noauth', 'ours', 'passport', 'form']) ws[c] = series('ws', c, 'accept');
const rej = {};
for (const c of ['ours', 'passport', 'form']) rej[c] = series('ws', c, 'refuse');
const http = {};
for (const c of ['noauth', 'ours', 'form']) http[c] = series('http', c);

const out = { meta, handshakes: ws, rejections: rej, http, ratios: {}, store: null, hold: null, targets };
const r = out.ratios;
r.overhead_ws = ratio(ws.ours, ws.noauth);
r.overhead_http = ratio(http.ours, http.noauth);
r.vs_passport_ws = ratio(ws.ours, ws.passport);
r.vs_passport_reject = ratio(rej.ours, rej.passport);
r.vs_form_ws = ratio(ws.ours, ws.form);
r.vs_form_http = ratio(http.ours, http.form);
r.vs_form_reject = ratio(rej.ours, rej.form);

if (r.overhead_ws) {
  target('1', 'authenticated WebSocket handshakes, ours / no auth', r.overhead_ws.of_medians,
    '>= 0.97', r.overhead_ws.of_medians >= 0.97);
}
if (r.overhead_http) {
  target('1', 'HTTP polling handshake (wrk), ours / no auth', r.overhead_http.of_medians,
    '>= 0.97', r.overhead_http.of_medians >= 0.97);
}
if (r.vs_passport_ws) {
  target('2', 'authenticated handshakes, ours / passport.socketio', r.vs_passport_ws.of_medians,
    '> 1', r.vs_passport_ws.of_medians > 1);
}
if (r.vs_passport_reject) {
  target('2', 'unauthenticated handshakes refused, ours / passport.socketio',
    r.vs_passport_reject.of_medians, '>= 5', r.vs_passport_reject.of_medians >= 5);
}
for (const [c, s] of [...Object.entries(ws), ...Object.entries(rej)]) {
  if (s && s.failed > 0) {
    target('1,2,5', `${c}: handshakes that did not end as expected`, s.failed, '0', false);
  }
}

const store = records.find((x) => x.kind === 'store');
if (store) {
  const sizes = store.result.sizes;
  const small = sizes.find((s) => s.sessions === 1000) || sizes[0];
  const big = sizes.find((s) => s.sessions === 1000000) || sizes[sizes.length - 1];
  out.store = { ...store.result, lookup_ratio: big.lookup_ns / small.lookup_ns,
    table_ratio: big.table_ns / small.table_ns };
  const worst = Math.max(...sizes.map((s) => s.lookup_ns));
  target('3', 'store lookup (cookie check + table), slowest size', worst, '< 1000', worst < 1000, ' ns');
  target('3', `store lookup ${big.sessions} / ${small.sessions} sessions`, out.store.lookup_ratio,
    '<= 1.3', out.store.lookup_ratio <= 1.3);
  target('3', `shared memory for ${big.sessions} sessions`, big.table_bytes / 1048576,
    '<= 256', big.table_bytes <= 256 * 1048576, ' MiB');
}

const hold = records.find((x) => x.kind === 'hold');
if (hold) {
  out.hold = hold;
  if (hold.skipped) {
    target('4', 'WebSockets held at once', 0, `${meta.hold}, 0 failures`, false);
  } else {
    const h = hold.result;
    const failures = h.failed + h.dropped + (h.target - h.held_at_end) +
      Math.abs(h.target - hold.backend.withUser);
    target('4', `failures holding ${h.target} authenticated WebSockets`, failures, '0', failures === 0);
  }
}

// ---- formatting ----
const f0 = (x) => (x === null || x === undefined ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const f2 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
// A target's figure: whole numbers for counts and nanoseconds.
const fTarget = (t) => (Number.isInteger(t.value) || t.unit === ' ns' ? f0(t.value) : f2(t.value));
const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
const range = (s) => (s ? `${f0(s.min)}–${f0(s.max)}` : 'n/a');
const ratioCells = (x) => (x ? `${f2(x.of_medians)} | ${f2(x.paired_median)} | ${f2(x.of_cpu)}`
  : 'n/a | n/a | n/a');

const lines = [];
const add = (s = '') => lines.push(s);
const runsNote = `${meta.rounds} runs each, alternated; ${meta.seconds} s a run ` +
  `(refusals ${meta.reject_seconds} s, wrk ${meta.wrk_seconds} s), ${meta.concurrency} in flight`;

if (ws.ours || rej.ours || http.ours) {
  add(`### Handshakes per second (median of ${runsNote})`);
  add();
  add('| part | contender | median /s | range /s | p50 ms | p99 ms | httpd CPU µs/op | Node CPU µs/op | not as expected |');
  add('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const row = (part, name, s) => s && add(`| ${part} | ${name} | ${f0(s.median)} | ${range(s)} | ` +
    `${f2(s.p50_ms)} | ${f2(s.p99_ms)} | ${f0(s.httpd_us)} | ${f0(s.node_us)} | ${s.failed} |`);
  row('WebSocket, authenticated', 'no auth (same Apache, same app)', ws.noauth);
  row('WebSocket, authenticated', '**mod_socketio_auth**', ws.ours);
  row('WebSocket, authenticated', 'passport.socketio in the app', ws.passport);
  row('WebSocket, authenticated', 'mod_auth_form + mod_session_crypto', ws.form);
  row('WebSocket, no cookie (refused)', '**mod_socketio_auth**', rej.ours);
  row('WebSocket, no cookie (refused)', 'passport.socketio in the app', rej.passport);
  row('WebSocket, no cookie (refused)', 'mod_auth_form + mod_session_crypto', rej.form);
  row('HTTP polling handshake (wrk)', 'no auth', http.noauth);
  row('HTTP polling handshake (wrk)', '**mod_socketio_auth**', http.ours);
  row('HTTP polling handshake (wrk)', 'mod_auth_form + mod_session_crypto', http.form);
  add();
  add('### Ratios (ours / other)');
  add();
  add('| comparison | ratio of medians | median of paired rounds | by CPU per op (httpd + Node) | target |');
  add('|---|---:|---:|---:|---|');
  add(`| 1. WebSocket handshakes vs no auth | ${ratioCells(r.overhead_ws)} | >= 0.97 |`);
  add(`| 1. HTTP polling handshake vs no auth | ${ratioCells(r.overhead_http)} | >= 0.97 |`);
  add(`| 2. WebSocket handshakes vs passport.socketio | ${ratioCells(r.vs_passport_ws)} | > 1 |`);
  add(`| 2. refusals vs passport.socketio | ${ratioCells(r.vs_passport_reject)} | >= 5 |`);
  add(`| 5. WebSocket handshakes vs mod_auth_form | ${ratioCells(r.vs_form_ws)} | (none) |`);
  add(`| 5. HTTP polling handshake vs mod_auth_form | ${ratioCells(r.vs_form_http)} | (none) |`);
  add(`| 5. refusals vs mod_auth_form | ${ratioCells(r.vs_form_reject)} | (none) |`);
  add();
}
if (out.store) {
  add(`### 3. Session store, in process (median of ${out.store.passes} passes; HMAC-SHA256 alone ${f0(out.store.hmac_ns)} ns)`);
  add();
  add('| live sessions | lookup ns | of which cookie check | of which table | create ns | table size | bytes/session |');
  add('|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of out.store.sizes) {
    add(`| ${f0(s.sessions)} | ${f0(s.lookup_ns)} | ${f0(s.verify_ns)} | ${f0(s.table_ns)} | ` +
      `${f0(s.create_ns)} | ${mib(s.table_bytes)} | ${f0(s.bytes_per_session)} |`);
  }
  add();
  add(`Lookup 1M / 1k: ${f2(out.store.lookup_ratio)} (table half alone: ${f2(out.store.table_ratio)}).`);
  add();
}
if (out.hold) {
  add('### 4. Authenticated WebSockets held open at once');
  add();
  if (out.hold.skipped) {
    add(`Not run: ${out.hold.skipped}.`);
  } else {
    const h = out.hold.result;
    add('| target | held after ramp | held at end | failed | dropped | ramp | httpd processes | httpd RSS (sum) | httpd PSS | httpd RSS idle | backend sockets |');
    add('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    add(`| ${f0(h.target)} | ${f0(h.held_after_ramp)} | ${f0(h.held_at_end)} | ${h.failed} | ${h.dropped} | ` +
      `${h.ramp_s.toFixed(1)} s | ${out.hold.httpd_held.processes} | ${mib(out.hold.httpd_held.rss_bytes)} | ` +
      `${mib(out.hold.httpd_held.pss_bytes)} | ${mib(out.hold.httpd_idle.rss_bytes)} | ${f0(out.hold.backend.connected)} |`);
    add();
    add(`Held ${h.hold_s} s after the ramp; the backend pings every socket every 10 s and drops ` +
      'one that does not answer (counted as dropped), so a hold of 10 s or more proves each tunnel ' +
      'carried traffic both ways. ' +
      `The backend saw ${f0(out.hold.backend.connected)} sockets, ${f0(out.hold.backend.withUser)} with a user. ` +
      `httpd: ${out.hold.mpm.split(';').filter(Boolean).join(', ')}. ` +
      `Backend RSS ${mib(out.hold.backend.rss)}. httpd per held socket: ` +
      `${f0((out.hold.httpd_held.rss_bytes - out.hold.httpd_idle.rss_bytes) / h.held_at_end / 1024)} KiB RSS.`);
    if (Object.keys(h.failures).length) add(`Failures: ${JSON.stringify(h.failures)}.`);
  }
  add();
}
add('### Targets');
add();
add('| part | what | measured | target | met |');
add('|---|---|---:|---|---|');
for (const t of targets) {
  add(`| ${t.part} | ${t.what} | ${fTarget(t)}${t.unit} | ${t.goal}${t.unit} | ${t.met ? 'yes' : '**NO**'} |`);
}
add();
const table = lines.join('\n');

fs.mkdirSync(outdir, { recursive: true });
fs.writeFileSync(path.join(outdir, 'latest.md'), `${table}\n`);
fs.writeFileSync(path.join(outdir, 'latest.json'), `${JSON.stringify({ ...out, records }, null, 1)}\n`);
process.stdout.write(`${table}\n`);

if (resultsMd) {
  const met = targets.filter((t) => t.met).length;
  const missed = targets.filter((t) => !t.met);
  const md = [
    '# Benchmark results',
    '',
    `Written by \`bench/run\` on ${meta.date} (${meta.elapsed_s} s). Method and caveats: [README.md](README.md).`,
    '',
    `- Machine: ${meta.cores} cores (${meta.cpu}), ${(meta.memory_bytes / 2 ** 30).toFixed(0)} GiB, ` +
      `Linux ${meta.kernel}; load average (1, 5, 15 min) at the start ${(meta.loadavg_start || []).join(' ')}, ` +
      `at the end ${meta.loadavg.map((x) => x.toFixed(2)).join(' ')} (above ~0.5 means other work shared the 2 cores)`,
    `- httpd: ${meta.httpd}, MPM ${meta.mpm}; Node ${meta.node}, socket.io ${meta.socketio}, ` +
      `passport.socketio ${meta.passport_socketio}; everything on 127.0.0.1, client included`,
    `- ${runsNote}; ulimit -n ${meta.fd_limit}`,
    '',
    `**Targets: ${met} of ${targets.length} met.**` +
      (missed.length ? ` Not met: ${missed.map((t) => `${t.what} (${fTarget(t)}${t.unit}, target ${t.goal}${t.unit})`).join('; ')}.` : ''),
    '',
    table,
    '### Notes',
    '',
    `- passport.socketio ${meta.passport_socketio} ran as published, with socket.io ${meta.socketio}, ` +
      'through `io.use(passportSocketIo.authorize({cookieParser, key: "express.sid", secret, store, passport}))`; ' +
      'no equivalent had to be written.',
    '- Every authenticated handshake is limited by the single Node process (Socket.IO\'s own handshake), ' +
      'so the contenders that leave Node alone differ by a few per cent, less than the spread between ' +
      'rounds when other work shares the machine. The CPU-per-handshake column and ratio say what each ' +
      'contender costs independently of that.',
    '- Profiles of the parts that miss a target, and of httpd and Node under load: ' +
      '[README.md, "What the profiles show"](README.md#what-the-profiles-show).',
    '',
  ].join('\n');
  fs.writeFileSync(resultsMd, md);
}
