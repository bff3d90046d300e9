// The consumer portal page: sign-in, the consumer's meters, a load curve, the consumer log, contracts, consents
// (grant and withdraw) and the download of all data.
import { ApiError, api } from './api.js';
import { drawLoadCurve } from './chart.js';

const $ = (id) => document.getElementById(id);

// Names of the registers a household meter reports (OBIS, IEC 62056-61).
const REGISTER_NAMES = {
  '1-0:1.8.0': 'Energy drawn from the grid',
  '1-0:2.8.0': 'Energy fed into the grid',
  '1-0:1.7.0': 'Power drawn now',
  '1-0:2.7.0': 'Power fed in now',
  '7-0:3.0.0': 'Gas volume',
  '8-0:1.0.0': 'Water volume',
};
const registerName = (obis) => REGISTER_NAMES[obis] ?? obis;

const TAF_NAMES = {
  1: 'TAF 1 · billing values',
  2: 'TAF 2 · time-of-use tariff',
  6: 'TAF 6 · reading on demand',
  7: 'TAF 7 · 15-minute load curve',
  9: 'TAF 9 · feed-in',
  10: 'TAF 10 · grid status',
  14: 'TAF 14 · high-frequency values',
};
const tafName = (taf) => (typeof taf === 'number' ? (TAF_NAMES[taf] ?? `TAF ${taf}`) : '—');

const fmtTime = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.append(td);
  return td;
}

let meters = [];

function showSignedOut(message) {
  $('portal').hidden = true;
  $('who').hidden = true;
  $('login-section').hidden = false;
  $('login-error').textContent = message ?? '';
  $('username').focus();
}

async function showSignedIn(me) {
  $('login-section').hidden = true;
  $('who-name').textContent = me.username;
  $('who').hidden = false;
  $('portal').hidden = false;
  await Promise.all([loadMeters(), loadLog(), loadContracts(), loadConsents()]);
  await loadCurve();
}

function onApiError(e, where) {
  if (e instanceof ApiError && e.code === 'GW_HAN_NO_SESSION') {
    showSignedOut('Your session has ended. Please sign in again.');
    return;
  }
  where.textContent = e instanceof ApiError && e.status === 404 ? 'This meter is not one of yours.' : 'The gateway could not answer. Please try again.';
}

async function loadMeters() {
  const box = $('meters');
  try {
    ({ meters } = await api.meters());
  } catch (e) {
    onApiError(e, box);
    return;
  }
  box.replaceChildren();
  const select = $('curve-meter');
  select.replaceChildren();
  if (meters.length === 0) box.textContent = 'No meter is registered for you yet.';
  for (const m of meters) {
    const card = document.createElement('article');
    card.className = 'meter';
    const h = document.createElement('h3');
    h.textContent = `Meter ${m.meterId}`;
    const sub = document.createElement('p');
    sub.className = 'hint';
    sub.textContent = `${m.protocol.toUpperCase()}${m.active ? '' : ' · inactive'}`;
    const dl = document.createElement('dl');
    for (const v of m.current) {
      const dt = document.createElement('dt');
      dt.textContent = registerName(v.obis);
      const dd = document.createElement('dd');
      dd.textContent = `${Number(v.value).toLocaleString()} ${v.unit ?? ''}`.trim();
      const small = document.createElement('small');
      small.textContent = ` at ${fmtTime(v.at)}`;
      dd.append(small);
      dl.append(dt, dd);
    }
    if (m.current.length === 0) dl.textContent = 'No reading yet.';
    card.append(h, sub, dl);
    box.append(card);
    const opt = document.createElement('option');
    opt.value = m.meterId;
    opt.textContent = m.meterId;
    select.append(opt);
  }
  const wanted = new URLSearchParams(location.hash.slice(1)).get('meter');
  if (wanted && !meters.some((m) => m.meterId === wanted)) {
    const opt = document.createElement('option');
    opt.value = wanted;
    opt.textContent = wanted;
    select.append(opt);
  }
  if (wanted) select.value = wanted;
}

function periodRange() {
  const period = $('curve-period').value;
  const day = $('curve-date').value;
  const [y, mo, d] = day.split('-').map(Number);
  const start = new Date(y, mo - 1, d);
  const end = new Date(y, mo - 1, d + (period === 'week' ? 7 : 1));
  return { period, from: start.toISOString(), to: end.toISOString(), step: period === 'week' ? '1h' : '15m' };
}

async function loadCurve() {
  const meterId = $('curve-meter').value;
  const status = $('curve-status');
  const chart = $('chart');
  status.textContent = '';
  chart.replaceChildren();
  $('chart-caption').textContent = '';
  if (!meterId) return;
  const { period, from, to, step } = periodRange();
  let answer;
  try {
    answer = await api.readings(meterId, from, to, step);
  } catch (e) {
    onApiError(e, status);
    return;
  }
  const curve = answer.curves.find((c) => c.obis === '1-0:1.8.0') ?? answer.curves[0];
  if (!curve) {
    status.textContent = 'No register readings in this period.';
    return;
  }
  const title = `${registerName(curve.obis)}, meter ${meterId}, ${period === 'week' ? 'week' : 'day'} from ${new Date(from).toLocaleDateString()}`;
  $('chart-caption').textContent = `${title}. ${drawLoadCurve(chart, curve.points, { unit: curve.unit, period, title })}`;
}

async function loadLog() {
  const body = $('log-body');
  let entries;
  try {
    ({ entries } = await api.consumerLog());
  } catch (e) {
    onApiError(e, $('curve-status'));
    return;
  }
  body.replaceChildren();
  if (entries.length === 0) {
    const row = body.insertRow();
    cell(row, 'Nothing has been sent yet.').colSpan = 5;
  }
  for (const e of entries) {
    const row = body.insertRow();
    row.className = 'log-entry';
    cell(row, fmtTime(e.time));
    cell(row, e.text);
    cell(row, e.recipient ?? '—');
    cell(row, tafName(e.taf));
    cell(row, e.outcome, `outcome ${e.outcome}`);
  }
}

async function loadContracts() {
  const list = $('contracts');
  let contracts;
  try {
    ({ contracts } = await api.contracts());
  } catch (e) {
    onApiError(e, list);
    return;
  }
  list.replaceChildren();
  if (contracts.length === 0) list.textContent = 'No contract is in force.';
  for (const c of contracts) {
    const li = document.createElement('li');
    const strong = document.createElement('strong');
    strong.textContent = tafName(c.taf);
    const validity = c.validFrom && c.validTo ? `, ${new Date(c.validFrom).toLocaleDateString()} to ${new Date(c.validTo).toLocaleDateString()}` : '';
    li.append(strong, ` for meter ${c.meterId}: data go to ${c.recipient ?? 'unknown recipient'}${validity}${c.intervalMinutes ? `, every ${c.intervalMinutes} minutes` : ''}.`);
    list.append(li);
  }
}

function granularity(c) {
  if (c.intervalSeconds) return `values every ${c.intervalSeconds} s`;
  if (c.intervalMinutes) return `values every ${c.intervalMinutes} minutes`;
  return 'billing values';
}

function consentText(c) {
  switch (c.state) {
    case 'granted':
      return `Consent given on ${fmtTime(c.grantedAt)}: data are sent.`;
    case 'withdrawn':
      return `Consent withdrawn on ${fmtTime(c.withdrawnAt)}: nothing is sent.`;
    case 'none':
      return 'No consent given: nothing is sent.';
    default:
      return 'Runs on the contract: no consent needed.';
  }
}

async function loadConsents() {
  const list = $('consents');
  let contracts;
  try {
    ({ contracts } = await api.consents());
  } catch (e) {
    onApiError(e, $('consent-status'));
    return;
  }
  list.replaceChildren();
  if (contracts.length === 0) list.textContent = 'No contract is in force.';
  for (const c of contracts) {
    const li = document.createElement('li');
    li.className = 'consent';
    li.dataset.contract = c.contractId;
    li.dataset.state = c.state;
    const text = document.createElement('div');
    const title = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = tafName(c.taf);
    title.append(strong, ` for meter ${c.meterId} to ${c.recipient ?? 'unknown recipient'} (${granularity(c)})`);
    const basis = document.createElement('p');
    basis.className = 'basis';
    basis.textContent = c.legalBasis === 'consent' ? 'Legal basis: your consent' : 'Legal basis: the contract (billing, no consent needed)';
    const state = document.createElement('p');
    state.className = `state ${c.state}`;
    state.textContent = consentText(c);
    text.append(title, basis, state);
    li.append(text);
    if (c.legalBasis === 'consent') {
      const granted = c.state === 'granted';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = granted ? 'quiet withdraw' : 'grant';
      button.textContent = granted ? 'Withdraw consent' : 'Give consent';
      button.setAttribute('aria-label', `${button.textContent}: ${tafName(c.taf)} to ${c.recipient ?? 'unknown recipient'}`);
      button.addEventListener('click', () => changeConsent(c.contractId, !granted, button));
      li.append(button);
    }
    list.append(li);
  }
}

async function changeConsent(contractId, grant, button) {
  const status = $('consent-status');
  status.textContent = '';
  button.disabled = true;
  try {
    await (grant ? api.grantConsent(contractId) : api.withdrawConsent(contractId));
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) status.textContent = 'This consent had already changed: the list shows where it stands now.';
    else onApiError(e, status);
  }
  await Promise.all([loadConsents(), loadLog()]);
}

function shiftDate(days) {
  const input = $('curve-date');
  const [y, m, d] = input.value.split('-').map(Number);
  const next = new Date(y, m - 1, d + days);
  input.value = isoDay(next);
  loadCurve();
}

const isoDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function wire() {
  $('curve-date').value = isoDay(new Date());
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('login-error');
    err.textContent = '';
    try {
      const me = await api.login($('username').value, $('password').value);
      $('password').value = '';
      await showSignedIn(me);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'GW_HAN_LOCKED') {
        const until = e.extra?.lockedUntil ? ` until ${new Date(e.extra.lockedUntil).toLocaleTimeString()}` : '';
        err.textContent = `Too many failed attempts: this account is locked${until}.`;
      } else if (e instanceof ApiError && e.code === 'GW_HAN_LOGIN_FAILED') {
        err.textContent = 'User name or password is not right.';
      } else {
        err.textContent = 'The gateway could not be reached. Please try again.';
      }
    }
  });
  $('logout').addEventListener('click', async () => {
    await api.logout().catch(() => undefined);
    showSignedOut('You have signed out.');
  });
  $('curve-form').addEventListener('submit', (ev) => ev.preventDefault());
  for (const id of ['curve-meter', 'curve-period', 'curve-date']) $(id).addEventListener('change', () => loadCurve());
  $('curve-prev').addEventListener('click', () => shiftDate($('curve-period').value === 'week' ? -7 : -1));
  $('curve-next').addEventListener('click', () => shiftDate($('curve-period').value === 'week' ? 7 : 1));
  $('log-refresh').addEventListener('click', () => loadLog());
  // A link to #meter=ID opens that meter's curve.
  window.addEventListener('hashchange', async () => {
    if ($('portal').hidden) return;
    await loadMeters();
    await loadCurve();
  });
}

async function start() {
  wire();
  try {
    await showSignedIn(await api.me());
  } catch (e) {
    if (e instanceof ApiError && e.code === 'GW_HAN_NO_SESSION') showSignedOut();
    else showSignedOut('The gateway could not be reached.');
  }
}

start();
