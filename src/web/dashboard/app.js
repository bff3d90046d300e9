/** Wires the operator API to the page: renders each panel, refreshes every few seconds, sends wake-ups. */
import { api, hasToken, setToken, takeTokenFromFragment } from './api.js';
import { legend, lineChart, stackedBars } from './charts.js';
import { bucketEvents, commandResult, contactState, eventFamily, latestValues, meterOf, relativeTime } from './format.js';

const REFRESH_MS = 5_000;
const BUCKETS = 12;
const LATEST_EVENTS = 20;

const $ = (id) => document.getElementById(id);
/** Last wake-up outcome per gateway, kept across refreshes. */
const wakeOutcomes = new Map();

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function timeCell(iso, now) {
  const td = document.createElement('td');
  if (iso === null || iso === undefined) {
    td.textContent = '—';
    return td;
  }
  const t = document.createElement('time');
  t.dateTime = iso;
  t.title = iso;
  t.textContent = relativeTime(iso, now);
  td.append(t);
  return td;
}

function fillBody(table, rows, emptyText, columns) {
  const body = table.tBodies[0];
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(emptyText, 'empty');
    td.colSpan = columns;
    tr.append(td);
    body.replaceChildren(tr);
    return;
  }
  body.replaceChildren(...rows);
}

// --- gateways and commands ---

async function wakeUp(name, button) {
  button.disabled = true;
  const out = $('wakeup-outcome');
  out.textContent = `Sending wake-up to ${name}…`;
  try {
    await api.wakeUp(name);
    wakeOutcomes.set(name, { ok: true, text: `sent ${new Date().toISOString().slice(11, 19)} UTC` });
    out.textContent = `Wake-up sent to ${name}.`;
    out.className = 'outcome ok';
  } catch (e) {
    wakeOutcomes.set(name, { ok: false, text: `failed: ${e.code ?? 'error'}` });
    out.textContent = `Wake-up for ${name} failed: ${e.message} (${e.code ?? 'error'})`;
    out.className = 'outcome failed';
  } finally {
    button.disabled = false;
    await refreshFleet().catch(() => undefined);
  }
}

function gatewayRow(g, commands, now) {
  const tr = document.createElement('tr');
  tr.dataset.gateway = g.name;
  const contact = contactState(g.last_contact, now);
  tr.append(cell(g.name, 'name'), cell(g.state, `state state-${g.state}`));
  const last = timeCell(g.last_contact, now);
  if (contact !== 'fresh') {
    const flag = document.createElement('span');
    flag.className = `flag flag-${contact}`;
    flag.textContent = contact === 'stale' ? 'stale' : 'no contact yet';
    last.append(' ', flag);
  }
  tr.append(last);
  const mine = commands.filter((c) => c.gateway === g.name);
  const open = mine.filter((c) => c.completed_at === null).length;
  tr.append(cell(mine.length === 0 ? 'none' : `${mine.length} (${open} open)`));
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Wake up';
  button.setAttribute('aria-label', `Wake up ${g.name}`);
  button.disabled = g.wakeup_host === null;
  if (g.wakeup_host === null) button.title = 'no wake-up address configured';
  button.addEventListener('click', () => void wakeUp(g.name, button));
  td.append(button);
  const outcome = wakeOutcomes.get(g.name);
  if (outcome) {
    const s = document.createElement('span');
    s.className = `wake-result ${outcome.ok ? 'ok' : 'failed'}`;
    s.textContent = outcome.text;
    td.append(' ', s);
  }
  tr.append(td);
  return tr;
}

function commandRow(c, now) {
  const tr = document.createElement('tr');
  const result = commandResult(c);
  const resultCell = cell(result, result === 'ok' ? 'ok' : result.startsWith('failed') ? 'failed' : 'pending');
  if (c.result_message) resultCell.title = c.result_message;
  tr.append(cell(c.gateway), cell(c.type), timeCell(c.created_at, now), timeCell(c.delivered_at, now), resultCell);
  return tr;
}

async function refreshFleet() {
  const [gateways, commands] = await Promise.all([api.gateways(), api.commands()]);
  const now = Date.now();
  fillBody($('gateways-table'), gateways.map((g) => gatewayRow(g, commands, now)), 'No gateways in the inventory.', 5);
  const recent = [...commands].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, 30);
  fillBody($('commands-table'), recent.map((c) => commandRow(c, now)), 'No commands yet.', 5);
}

// --- readings ---

function setOptions(select, values, keep) {
  const current = keep ?? select.value;
  select.replaceChildren(
    ...values.map((v) => {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = v;
      return o;
    }),
  );
  if (values.includes(current)) select.value = current;
}

let emtsLoaded = false;
/** Bumped per call, so an answer that arrives after a newer request (timer and a selection overlap) is dropped. */
let readingsRequest = 0;

async function refreshReadings() {
  if (!emtsLoaded) {
    setOptions($('emt-select'), await api.emts());
    emtsLoaded = true;
  }
  const emt = $('emt-select').value;
  if (!emt) return;
  const mine = ++readingsRequest;
  const values = await api.values(emt);
  if (mine !== readingsRequest) return;
  const now = Date.now();
  const latest = latestValues(values);
  fillBody(
    $('latest-table'),
    latest.map((v) => {
      const tr = document.createElement('tr');
      tr.append(cell(meterOf(v)), cell(v.obis), cell(String(v.value), 'num'), cell(v.unit), timeCell(v.at, now));
      return tr;
    }),
    'No values stored for this market participant.',
    5,
  );
  setOptions($('meter-select'), [...new Set(values.map(meterOf))].sort());
  const meter = $('meter-select').value;
  setOptions($('obis-select'), [...new Set(values.filter((v) => meterOf(v) === meter).map((v) => v.obis))].sort());
  const obis = $('obis-select').value;
  const series = values.filter((v) => meterOf(v) === meter && v.obis === obis);
  const points = series.map((v) => ({ t: Date.parse(v.at), v: v.value })).filter((p) => !Number.isNaN(p.t));
  const unit = series[0]?.unit ?? '';
  const label = meter ? `${obis} of meter ${meter} over time (${unit})` : 'no meter selected';
  $('values-chart').replaceChildren(lineChart(points, label));
  $('values-caption').textContent = meter ? `${label}: ${points.length} values` : 'No meter selected.';
}

// --- security events ---

async function refreshSecurity() {
  const events = await api.securityEvents();
  const now = Date.now();
  const windowMs = Number($('window-select').value);
  const data = bucketEvents(events, now, windowMs, BUCKETS);
  const counts = {};
  for (const b of data.buckets) for (const k of data.kinds) counts[k] = (counts[k] ?? 0) + b.counts[k];
  const total = Object.values(counts).reduce((s, n) => s + n, 0);
  const label = `Security events per kind, ${BUCKETS} buckets over the ${$('window-select').selectedOptions[0]?.textContent ?? 'window'}`;
  $('security-chart').replaceChildren(stackedBars(data, label), legend(data.kinds, counts));
  $('security-caption').textContent = `${label}: ${total} events.`;
  fillBody(
    $('events-table'),
    events.slice(0, LATEST_EVENTS).map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.kind = e.kind;
      const kind = cell(e.kind, `kind family-${eventFamily(e.kind)}`);
      kind.title = eventFamily(e.kind);
      tr.append(timeCell(e.at, now), kind, cell(e.peer ?? '—'), cell(e.emt ?? '—'), cell(e.detail, 'detail'));
      return tr;
    }),
    'No security events.',
    5,
  );
}

// --- refresh loop ---

async function refreshAll() {
  const status = $('refresh-status');
  const results = await Promise.allSettled([refreshFleet(), refreshReadings(), refreshSecurity()]);
  const failed = results.filter((r) => r.status === 'rejected');
  const unauthorized = failed.some((r) => r.reason?.code === 'HE_UNAUTHORIZED');
  showTokenForm(unauthorized);
  if (failed.length > 0) {
    status.textContent = `Refresh failed: ${failed[0].reason?.message ?? 'unknown error'}`;
    status.className = 'status failed';
  } else {
    status.textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC`;
    status.className = 'status';
  }
  document.body.dataset.refreshed = String(Date.now());
}

/** Asks for the operator token when the API refused the one the page has (or it has none). */
function showTokenForm(show) {
  const form = $('token-form');
  if (!show) {
    form.hidden = true;
    return;
  }
  $('token-reason').textContent = hasToken() ? 'The head-end refused the operator token: enter the current one.' : 'The head-end asks for the operator token.';
  if (form.hidden) {
    form.hidden = false;
    $('token-input').focus();
  }
}

function start() {
  takeTokenFromFragment();
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setToken($('token-input').value);
    $('token-input').value = '';
    void refreshAll();
  });
  for (const id of ['emt-select', 'meter-select', 'obis-select']) $(id).addEventListener('change', () => void refreshReadings());
  $('window-select').addEventListener('change', () => void refreshSecurity());
  void refreshAll();
  setInterval(() => void refreshAll(), REFRESH_MS);
}

start();
