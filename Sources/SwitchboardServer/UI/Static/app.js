// Switchboard live view: the supervision tree, workers, sessions, edges and
// events of one control plane, kept current from GET /v1/events.
//
// Plain modern JavaScript, no framework, no build step. The operator token is
// asked once and kept in sessionStorage (this tab only); every request sends
// it as `Authorization: Bearer`. The event stream is read with fetch() and a
// ReadableStream (EventSource cannot send headers), so no token ever goes in
// a URL or a server log.
'use strict';

(() => {
  const TOKEN_KEY = 'switchboard.operatorToken';
  const THROTTLE_MS = 250;          // at most ~4 refetches per second per panel
  const MAX_EVENTS = 50;
  const MAX_SESSION_ROWS = 300;
  const POLL = { health: 5000, sessions: 5000, workers: 10000, edges: 10000, edgesAbsent: 30000 };
  // API paths are resolved against the page, so the view also works behind a path prefix (/ops/ui/ -> /ops/v1/...).
  const API_ROOT = new URL('../', document.baseURI);

  const $ = (selector, root = document) => root.querySelector(selector);
  const byTestId = (id) => $(`[data-testid="${id}"]`);

  const state = {
    token: null,
    tree: null,
    workers: [],
    pools: [],
    sessions: new Map(),
    edges: { status: 'loading', list: [] },
    edgesCheckedAt: 0,
    events: [],
    eventCount: 0,
    collapsed: new Set(),
    hideEnded: false,
    stream: null,          // AbortController of the running event stream
    timers: [],
  };

  // ---------------------------------------------------------------- helpers

  /** Builds an element: h('td', {class: 'num', 'data-label': 'PID'}, 42). Text is always text, never HTML. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  const TONES = {
    ok: ['running', 'ready', 'active', 'alive', 'live'],
    info: ['offered', 'answered', 'starting', 'connecting', 'idle', 'loading'],
    warn: ['restarting', 'stopping', 'draining', 'suspect', 'reconnecting', 'not_ready'],
    bad: ['exited', 'failed', 'dead', 'gave_up', 'failed_to_start', 'error', 'unreachable', 'crashed'],
  };
  function tone(value) {
    for (const [name, states] of Object.entries(TONES)) if (states.includes(value)) return name;
    return 'idle';
  }
  function badge(value, extra) {
    const text = String(value ?? 'unknown');
    return h('span', { class: `badge tone-${tone(text)}`, 'data-state': text, ...extra }, text.replaceAll('_', ' '));
  }

  const numberFormat = new Intl.NumberFormat();
  const fmt = (n) => (typeof n === 'number' && Number.isFinite(n) ? numberFormat.format(n) : '–');

  function ago(iso) {
    const t = Date.parse(iso);
    if (!Number.isFinite(t)) return '–';
    let s = Math.max(0, Math.round((Date.now() - t) / 1000));
    if (s < 60) return `${s}s`;
    let m = Math.floor(s / 60); s %= 60;
    if (m < 60) return `${m}m ${s}s`;
    const hr = Math.floor(m / 60); m %= 60;
    if (hr < 48) return `${hr}h ${m}m`;
    return `${Math.floor(hr / 24)}d ${hr % 24}h`;
  }
  function clock(iso) {
    const d = new Date(iso);
    return Number.isFinite(d.getTime()) ? d.toLocaleTimeString([], { hour12: false }) : '';
  }

  /** Runs `fn` at most once per THROTTLE_MS, trailing: calls while one is pending are merged. */
  function throttled(fn) {
    let timer = null;
    let last = 0;
    return () => {
      if (timer !== null) return;
      const wait = Math.max(0, last + THROTTLE_MS - Date.now());
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        Promise.resolve().then(fn).catch(reportError);
      }, wait);
    };
  }

  /** Applies only the newest answer per resource when requests overlap. */
  const generations = {};
  async function latest(name, load) {
    const mine = (generations[name] = (generations[name] || 0) + 1);
    const value = await load();
    return generations[name] === mine ? value : undefined;
  }

  function reportError(error) {
    if (error && error.name === 'AbortError') return;
    if (error instanceof SignedOut) return;
    console.warn('switchboard live view:', error);
  }

  // ---------------------------------------------------------------- API

  class SignedOut extends Error {}

  async function api(path, { method = 'GET', signal } = {}) {
    const token = state.token;
    if (!token) throw new SignedOut();
    const response = await fetch(new URL(path, API_ROOT), {
      method, signal, cache: 'no-store', credentials: 'omit',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    if (response.status === 401 || response.status === 403) {
      if (token === state.token) signOut(response.status === 401 ? 'The server did not accept this token (401).'
        : 'This token is not an operator token (403).');
      throw new SignedOut();
    }
    let body = null;
    const type = response.headers.get('content-type') || '';
    if (type.includes('json')) body = await response.json().catch(() => null);
    return { status: response.status, ok: response.ok, body };
  }

  // ---------------------------------------------------------------- health

  async function loadHealth() {
    const el = byTestId('health');
    try {
      const response = await fetch(new URL('readyz', API_ROOT), { cache: 'no-store', credentials: 'omit' });
      const body = await response.json().catch(() => ({}));
      const ready = response.ok && body.status === 'ready';
      const pools = Object.entries(body.workers_ready || {}).map(([pool, n]) => `${pool} ${n}`).join(', ');
      setBadge(el, ready ? 'ready' : 'not_ready', `health: ${ready ? 'ready' : 'not ready'}${pools ? ` · ${pools}` : ''}`);
      el.title = `GET /readyz: ${response.status}${pools ? `; workers ready: ${pools}` : ''}`;
    } catch (error) {
      setBadge(el, 'unreachable', 'health: unreachable');
    }
  }

  function setBadge(el, value, text) {
    el.dataset.state = value;
    el.className = `badge tone-${tone(value)}`;
    el.textContent = text;
  }

  // ---------------------------------------------------------------- tree

  async function loadTree() {
    const reply = await latest('tree', () => api('v1/tree'));
    if (!reply || !reply.ok || !reply.body) return;
    state.tree = reply.body.root;
    renderTree();
  }

  function renderTree() {
    const container = byTestId('tree');
    container.removeAttribute('aria-busy');
    if (!state.tree) return;
    container.replaceChildren(h('ul', { class: 'tree' }, treeNode(state.tree, 0)));
  }

  function treeNode(node, depth) {
    const isSupervisor = node.type === 'supervisor' || Array.isArray(node.children);
    const restarts = Number(node.restarts || 0);
    const head = [
      h('span', { class: 'node-id' }, node.id),
      h('span', { class: 'kind' }, isSupervisor ? 'supervisor' : (node.type || 'worker')),
      badge(node.state),
      h('span', { class: `restarts${restarts > 0 ? ' hot' : ''}`, title: 'restarts', 'data-restarts': restarts },
        h('span', { 'aria-hidden': 'true' }, '↻ '), `${restarts}`, h('span', { class: 'sr-only' }, ' restarts')),
    ];
    if (isSupervisor) {
      const period = typeof node.period === 'number' ? `${+node.period.toFixed(3)} s` : '?';
      head.push(h('span', { class: 'meta' }, `${(node.strategy || '').replaceAll('_', ' ')} · max ${node.intensity ?? '?'} in ${period}`));
    } else if (node.pid) {
      head.push(h('span', { class: 'meta' }, `pid ${node.pid}`));
    }
    const attrs = { 'data-testid': 'tree-node', 'data-id': node.id, 'data-type': isSupervisor ? 'supervisor' : 'worker',
      'data-state': node.state, class: `depth-${Math.min(depth, 6)}` };
    if (!isSupervisor) return h('li', attrs, h('div', { class: 'node leaf' }, head));
    const details = h('details', { open: !state.collapsed.has(node.id) },
      h('summary', { class: 'node' }, head),
      (node.children || []).length
        ? h('ul', { class: 'tree' }, node.children.map((child) => treeNode(child, depth + 1)))
        : h('p', { class: 'empty' }, 'no children'));
    details.addEventListener('toggle', () => {
      if (details.open) state.collapsed.delete(node.id); else state.collapsed.add(node.id);
    });
    return h('li', attrs, details);
  }

  function setAllTree(open) {
    for (const li of document.querySelectorAll('[data-testid="tree-node"][data-type="supervisor"]')) {
      if (open) state.collapsed.delete(li.dataset.id); else state.collapsed.add(li.dataset.id);
    }
    renderTree();
  }

  // ---------------------------------------------------------------- workers and pools

  async function loadWorkers() {
    const [workers, pools] = await latest('workers', () => Promise.all([api('v1/workers'), api('v1/pools')])) || [];
    if (workers && workers.ok && workers.body) state.workers = workers.body.workers || [];
    if (pools && pools.ok && pools.body) state.pools = pools.body.pools || [];
    renderWorkers();
  }

  function renderWorkers() {
    const table = byTestId('workers');
    const rows = [...state.workers].sort((a, b) => (a.pool + a.id).localeCompare(b.pool + b.id, undefined, { numeric: true }));
    syncRows(table.tBodies[0], rows, (w) => w.id, (w) => h('tr', { 'data-testid': 'worker-row', 'data-id': w.id, 'data-state': w.state },
      h('th', { scope: 'row', 'data-label': 'Worker' }, h('code', {}, w.id)),
      h('td', { 'data-label': 'Pool' }, w.pool),
      h('td', { 'data-label': 'PID', class: 'num' }, w.pid ?? '–'),
      h('td', { 'data-label': 'State' }, badge(w.state)),
      h('td', { 'data-label': 'Streams', class: 'num' }, fmt(w.streams)),
      h('td', { 'data-label': 'Restarts', class: `num${w.restarts > 0 ? ' hot' : ''}` }, fmt(w.restarts)),
      h('td', { 'data-label': 'Mailbox', class: `num${w.mailbox_depth > 0 ? ' busy' : ''}` }, fmt(w.mailbox_depth)),
      h('td', { 'data-label': 'Up', title: w.started_at || '' }, w.started_at ? ago(w.started_at) : '–')));
    $('[data-empty="workers"]').hidden = rows.length > 0;
    byTestId('pools').replaceChildren(...state.pools.map((p) => h('span', { class: 'chip', 'data-pool': p.name },
      h('strong', {}, p.name), ` ${p.ready}/${p.size} ready`,
      p.max_streams ? ` · ≤${p.max_streams} streams each` : '',
      p.warm_spares ? ` · ${p.warm_spares} spare` : '')));
  }

  // ---------------------------------------------------------------- sessions

  const pendingSessions = new Set();
  let sessionsListWanted = false;

  async function loadSessions() {
    const reply = await latest('sessions', () => api('v1/sessions'));
    if (!reply || !reply.ok || !reply.body) return;
    state.sessions = new Map((reply.body.sessions || []).map((s) => [s.id, s]));
    renderSessions();
  }

  /** session.* events: refetch the sessions named (or the whole list when many changed at once). */
  async function flushSessions() {
    const ids = [...pendingSessions];
    pendingSessions.clear();
    if (sessionsListWanted || ids.length > 8) {
      sessionsListWanted = false;
      return loadSessions();
    }
    const replies = await Promise.all(ids.map((id) => api(`v1/sessions/${encodeURIComponent(id)}`)
      .then((reply) => [id, reply])));
    for (const [id, reply] of replies) {
      if (reply.status === 404) state.sessions.delete(id);
      else if (reply.ok && reply.body) state.sessions.set(id, reply.body);
    }
    renderSessions();
  }

  const ORDER = { active: 0, answered: 1, offered: 2, failed: 3, ended: 4 };
  function renderSessions() {
    const all = [...state.sessions.values()];
    const visible = all.filter((s) => !(state.hideEnded && (s.state === 'ended' || s.state === 'failed')));
    visible.sort((a, b) => ((ORDER[a.state] ?? 5) - (ORDER[b.state] ?? 5))
      || String(b.created_at || '').localeCompare(String(a.created_at || '')) || a.id.localeCompare(b.id));
    const shown = visible.slice(0, MAX_SESSION_ROWS);
    syncRows(byTestId('sessions').tBodies[0], shown, (s) => s.id, sessionRow);
    $('[data-empty="sessions"]').hidden = shown.length > 0;
    const live = all.filter((s) => s.state !== 'ended' && s.state !== 'failed').length;
    byTestId('sessions-summary').textContent = `${live} live of ${all.length}`
      + (visible.length > shown.length ? ` · showing ${shown.length}` : '');
  }

  function perLeg(legs, pick) {
    if (!legs || !legs.length) return '–';
    return legs.map((leg) => `${leg.name} ${fmt(pick(leg))}`).join(' · ');
  }

  function sessionRow(s) {
    const legs = s.legs || [];
    const origin = (s.labels && s.labels.origin) || 'http';
    const codecs = legs.length ? legs.map((leg) => h('span', { class: 'leg', title: leg.profile || '' },
      `${leg.name}: ${leg.codec || '?'}`)) : '–';
    return h('tr', { 'data-testid': 'session-row', 'data-id': s.id, 'data-state': s.state,
      class: s.state === 'ended' || s.state === 'failed' ? 'done' : null },
      h('th', { scope: 'row', 'data-label': 'Session' }, h('code', {}, s.id)),
      h('td', { 'data-label': 'State', title: s.end_reason ? `ended: ${s.end_reason}` : null },
        badge(s.state), s.end_reason ? h('span', { class: 'reason' }, s.end_reason) : null),
      h('td', { 'data-label': 'Origin' }, h('span', { class: `origin origin-${origin === 'sip' ? 'sip' : 'http'}` }, origin)),
      h('td', { 'data-label': 'Worker' }, s.worker ? h('code', {}, s.worker) : '–', s.edge ? ` @ ${s.edge}` : ''),
      h('td', { 'data-label': 'Codecs', class: 'codecs' }, codecs, s.transcoding ? h('span', { class: 'tag' }, 'transcoding') : null),
      h('td', { 'data-label': 'Packets in', class: 'num' }, perLeg(legs, (l) => l.packets_in)),
      h('td', { 'data-label': 'Packets out', class: 'num' }, perLeg(legs, (l) => l.packets_out)),
      h('td', { 'data-label': 'Lost', class: 'num' }, perLeg(legs, (l) => l.lost)),
      h('td', { 'data-label': 'Age', title: s.created_at || '' }, s.created_at ? ago(s.created_at) : '–'));
  }

  // ---------------------------------------------------------------- edges

  async function loadEdges() {
    const reply = await latest('edges', () => api('v1/edges'));
    if (!reply) return;
    if (reply.status === 404 || reply.status === 405 || reply.status === 501) {
      state.edges = { status: 'absent', list: [] };
    } else if (reply.ok && reply.body) {
      state.edges = { status: 'present', list: reply.body.edges || [] };
    } else {
      state.edges = { status: 'error', list: state.edges.list, code: reply.status };
    }
    renderEdges();
  }

  /** `load` is streams / capacity (a fraction); other shapes are shown as they come. */
  function formatLoad(edge) {
    const { load } = edge;
    let text;
    if (load === null || load === undefined) text = '–';
    else if (typeof load === 'number') text = `${Math.round(load * 100)}%`;
    else if (typeof load === 'object') text = Object.entries(load).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`).join(' · ');
    else text = String(load);
    if (typeof edge.streams === 'number' && typeof edge.capacity === 'number') text += ` (${fmt(edge.streams)}/${fmt(edge.capacity)})`;
    return text;
  }

  function renderEdges() {
    const container = byTestId('edges');
    const { status, list } = state.edges;
    container.dataset.state = status;
    if (status === 'absent') {
      container.replaceChildren(h('p', { class: 'empty', 'data-testid': 'edges-empty' },
        'No edges yet: this control plane does not report edges (GET /v1/edges is not available).'));
      return;
    }
    if (status === 'error' && !list.length) {
      container.replaceChildren(h('p', { class: 'empty error' }, `GET /v1/edges answered ${state.edges.code}.`));
      return;
    }
    if (!list.length) {
      container.replaceChildren(h('p', { class: 'empty', 'data-testid': 'edges-empty' }, 'No edges registered yet.'));
      return;
    }
    let table = $('table', container);
    if (!table) {
      table = h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['Edge', 'State', 'φ', 'Region', 'URL', 'Last report', 'Load']
          .map((t, i) => h('th', { scope: 'col', class: i === 2 ? 'num' : null }, t)))),
        h('tbody'));
      container.replaceChildren(table);
    }
    const rows = [...list].sort((a, b) => String(a.id).localeCompare(String(b.id), undefined, { numeric: true }));
    syncRows(table.tBodies[0], rows, (e) => e.id, (e) => h('tr', { 'data-testid': 'edge-row', 'data-id': e.id, 'data-state': e.state },
      h('th', { scope: 'row', 'data-label': 'Edge' }, h('code', {}, e.id)),
      h('td', { 'data-label': 'State' }, badge(e.state)),
      h('td', { 'data-label': 'φ', class: 'num' }, typeof e.phi === 'number' ? e.phi.toFixed(2) : '–'),
      h('td', { 'data-label': 'Region' }, e.region || '–'),
      h('td', { 'data-label': 'URL', class: 'url' }, e.url || '–'),
      h('td', { 'data-label': 'Last report', title: e.last_report || '' }, e.last_report ? `${ago(e.last_report)} ago` : '–'),
      h('td', { 'data-label': 'Load', title: 'streams / capacity' }, formatLoad(e))),
    (e) => JSON.stringify([e.state, e.region, e.url, e.streams, e.capacity]));
  }

  // ---------------------------------------------------------------- keyed table rows

  /**
   * Makes `tbody` show `items` in order. Rows stay the same elements across updates (their cells are
   * rendered afresh, so ages move on); a row flashes when its data changed (`signature`: the item's JSON
   * unless given), not when only an age did.
   */
  function syncRows(tbody, items, key, render, signature = (item) => JSON.stringify(item)) {
    const old = new Map([...tbody.rows].map((row) => [row.dataset.id, row]));
    const rows = items.map((item) => {
      const fresh = render(item);
      const sig = signature(item);
      const row = old.get(String(key(item)));
      if (!row) {
        fresh.dataset.sig = sig;
        fresh.addEventListener('animationend', () => fresh.classList.remove('changed'));
        if (tbody.dataset.rendered) fresh.classList.add('changed');   // new since the first render
        return fresh;
      }
      const before = row.dataset.sig;
      const flashing = row.classList.contains('changed');
      for (const attr of [...row.attributes]) if (!fresh.hasAttribute(attr.name)) row.removeAttribute(attr.name);
      for (const attr of [...fresh.attributes]) row.setAttribute(attr.name, attr.value);
      row.replaceChildren(...fresh.childNodes);
      row.dataset.sig = sig;
      if (before !== sig) {
        void row.offsetWidth;            // restart the flash
        row.classList.add('changed');
      } else if (flashing) {
        row.classList.add('changed');    // same frame: the running flash goes on
      }
      return row;
    });
    // Move only what moved (a detached row would restart its flash), then drop the rows that went away.
    let cursor = tbody.firstElementChild;
    for (const row of rows) {
      if (row === cursor) cursor = cursor.nextElementSibling;
      else tbody.insertBefore(row, cursor);
    }
    while (cursor) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }
    tbody.dataset.rendered = 'yes';
  }

  // ---------------------------------------------------------------- events

  const schedule = {
    tree: throttled(loadTree),
    workers: throttled(loadWorkers),
    sessions: throttled(flushSessions),
    edges: throttled(loadEdges),
  };

  function refreshAll() {
    sessionsListWanted = true;
    for (const run of Object.values(schedule)) run();
    loadHealth();
  }

  function onEvent(type, data) {
    const fields = (data && typeof data.fields === 'object' && data.fields) || data || {};
    const kind = type || data.type || 'message';
    logEvent(kind, data.time, fields, data.sequence);
    const family = kind.split('.')[0];
    if (family === 'session') {
      if (fields.session) pendingSessions.add(fields.session); else sessionsListWanted = true;
      schedule.sessions();
      if (kind === 'session.offered' || kind === 'session.ended' || kind === 'session.failed' || kind === 'session.moved') {
        schedule.workers();    // stream counts
      }
    } else if (family === 'worker' || family === 'supervisor' || family === 'pool') {
      schedule.tree();
      schedule.workers();
      if (family === 'pool') loadHealth();
    } else if (family === 'edge') {
      schedule.edges();
    }
  }

  function logEvent(type, time, fields, sequence) {
    state.eventCount += 1;
    const shown = Object.entries(fields).filter(([k]) => k !== 'type' && k !== 'time' && k !== 'sequence');
    const item = h('li', { 'data-testid': 'event', 'data-type': type, 'data-sequence': sequence ?? null },
      h('time', { datetime: time || new Date().toISOString() }, clock(time || new Date().toISOString())),
      h('span', { class: `etype tone-${eventTone(type)}` }, type),
      h('span', { class: 'efields' }, shown.map(([k, v]) => h('span', { class: 'field' },
        h('span', { class: 'k' }, k), '=', h('span', { class: 'v' }, typeof v === 'string' ? v : JSON.stringify(v))))));
    const list = byTestId('events');
    list.prepend(item);
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
    $('[data-empty="events"]').hidden = true;
  }

  function eventTone(type) {
    if (/(failed|exited|gave_up|dead|crash)/.test(type)) return 'bad';
    if (/(restart|suspect|moved|drain|stopped)/.test(type)) return 'warn';
    if (/(ended)/.test(type)) return 'idle';
    return 'ok';
  }

  function setStream(value, text) {
    setBadge(byTestId('stream'), value, `events: ${text || value}`);
  }

  let retryHint = 0;   // the server's `retry:` field, in ms

  /** Reads text/event-stream from a fetch() body: `event:`, `data:` (joined), `id:`, `retry:`, `:` comments. */
  async function readEventStream(body, dispatch) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { type: '', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (!match) break;
        if (match[0] === '\r' && match.index === buffer.length - 1) break;   // maybe half of \r\n
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === '') {
          if (event.data.length) dispatch(event.type, event.data.join('\n'));
          event = { type: '', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;                                  // keep-alive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let content = colon < 0 ? '' : line.slice(colon + 1);
        if (content.startsWith(' ')) content = content.slice(1);
        if (field === 'event') event.type = content;
        else if (field === 'data') event.data.push(content);
        else if (field === 'retry' && /^\d+$/.test(content)) retryHint = Number(content);
      }
    }
  }

  async function runEventStream() {
    let attempt = 0;
    const controller = new AbortController();
    state.stream = controller;
    const token = state.token;
    while (!controller.signal.aborted) {
      setStream(attempt ? 'reconnecting' : 'connecting');
      try {
        const response = await fetch(new URL('v1/events', API_ROOT), {
          signal: controller.signal, cache: 'no-store', credentials: 'omit',
          headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
        });
        if (response.status === 401 || response.status === 403) {
          signOut(response.status === 401 ? 'The server did not accept this token (401).'
            : 'This token cannot read events (403).');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`GET /v1/events answered ${response.status}`);
        attempt = 0;
        setStream('live');
        refreshAll();   // subscribed now: catch up on anything missed before (re)connecting
        await readEventStream(response.body, (type, text) => {
          let data;
          try { data = JSON.parse(text); } catch { data = { text }; }
          onEvent(type, data);
        });
        if (controller.signal.aborted) return;
      } catch (error) {
        if (controller.signal.aborted) return;
        reportError(error);
      }
      attempt += 1;
      loadHealth();   // is the server gone, or only the stream?
      const delay = Math.min(15000, Math.max(retryHint, 500 * 2 ** Math.min(attempt, 5))) * (0.8 + Math.random() * 0.4);
      setStream('reconnecting', `reconnecting in ${Math.round(delay / 1000)} s`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        controller.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
  }

  // ---------------------------------------------------------------- sign in and out

  function showLogin(message) {
    byTestId('dashboard').hidden = true;
    byTestId('login').hidden = false;
    byTestId('sign-out').hidden = true;
    byTestId('login-error').textContent = message || '';
    setStream('offline');
    byTestId('token-input').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    if (state.stream) state.stream.abort();
    state.stream = null;
    for (const timer of state.timers) clearInterval(timer);
    state.timers = [];
    showLogin(message);
  }

  async function signIn(token) {
    state.token = token;
    const error = byTestId('login-error');
    error.textContent = '';
    let reply;
    try {
      reply = await api('v1/tree');
    } catch (e) {
      if (!(e instanceof SignedOut)) error.textContent = `Could not reach the server: ${e.message}`;
      return;
    }
    if (!reply.ok) {
      error.textContent = `GET /v1/tree answered ${reply.status}.`;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    start(reply.body);
  }

  function start(treeBody) {
    byTestId('login').hidden = true;
    byTestId('dashboard').hidden = false;
    byTestId('sign-out').hidden = false;
    if (treeBody && treeBody.root) { state.tree = treeBody.root; renderTree(); }
    refreshAll();
    runEventStream();
    const every = (ms, fn) => state.timers.push(setInterval(() => { if (!document.hidden) fn(); }, ms));
    every(POLL.health, loadHealth);
    every(POLL.sessions, () => { sessionsListWanted = true; schedule.sessions(); });   // packet counters
    every(POLL.workers, schedule.workers);                                             // mailbox depths
    every(POLL.edges, () => {
      if (state.edges.status !== 'absent' || Date.now() - state.edgesCheckedAt > POLL.edgesAbsent) {
        state.edgesCheckedAt = Date.now();
        schedule.edges();
      }
    });
  }

  function init() {
    window.switchboardLiveView = { loadedAt: Date.now(), state };
    byTestId('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = byTestId('token-input').value.trim();
      if (token) signIn(token).catch(reportError);
    });
    byTestId('sign-out').addEventListener('click', () => signOut('Token forgotten. Enter a token to connect again.'));
    byTestId('hide-ended').addEventListener('change', (event) => { state.hideEnded = event.target.checked; renderSessions(); });
    $('[data-action="expand"]').addEventListener('click', () => setAllTree(true));
    $('[data-action="collapse"]').addEventListener('click', () => setAllTree(false));
    document.addEventListener('visibilitychange', () => { if (!document.hidden && state.token) refreshAll(); });
    loadHealth();
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) {
      state.token = saved;
      start(null);
    } else {
      showLogin();
    }
  }

  init();
})();
