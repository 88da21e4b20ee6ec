// The dashboard's client: plain browser JavaScript, no framework and no build step. It talks only to
// the management API it is served under (same origin, key from the page's ?code=), and builds every
// element with textContent, never innerHTML, so instance data cannot inject markup.
(() => {
  'use strict';

  const STATUSES = ['Running', 'Pending', 'Suspended', 'Completed', 'Failed', 'Terminated', 'ContinuedAsNew', 'Canceled'];
  const FINISHED = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
  const LIST_REFRESH_MS = 5000;
  const INSTANCE_REFRESH_MS = 3000;
  const OVERVIEW_REFRESH_MS = 10000;

  // The page is served at <api>/dashboard[/...]; the API is everything before that.
  const apiBase = location.pathname.replace(/\/dashboard(\/.*)?$/i, '');
  const accessKey = new URLSearchParams(location.search).get('code');

  const view = document.getElementById('view');
  const banner = document.getElementById('banner');

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options = {}) {
    const { method = 'GET', query, body, token } = options;
    const url = new URL(`${apiBase}/${path}`, location.origin);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    }
    const headers = {};
    // The key travels as a header, so it never appears in the API's request URLs or logs.
    if (accessKey) headers['x-functions-key'] = accessKey;
    if (token) headers['x-ms-continuation-token'] = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(url, { method, headers, body, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, `The management API could not be reached (${e.message}).`);
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      let message = (data && typeof data === 'object' && (data.Message || data.message || data.error)) || (typeof data === 'string' && data) || `${res.status} ${res.statusText}`;
      if (res.status === 401) message += ' Open the dashboard with ?code=<DurableTaskManagementKey> in its address.';
      throw new ApiError(res.status, message);
    }
    return { status: res.status, data, headers: res.headers };
  }

  const enc = encodeURIComponent;

  // ---------- DOM helpers ----------

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style') Object.assign(el.style, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k in el && k !== 'list' && k !== 'type') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  /** replaceChildren, skipping null/false and flattening arrays as h() does. */
  function setChildren(el, ...children) {
    el.replaceChildren();
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
  }

  const badge = (status) => h('span', { class: `badge ${status}`, dataset: { status } }, status);

  function pad(n, width = 2) {
    return String(n).padStart(width, '0');
  }

  /** Local time, sortable and unambiguous enough for operators. */
  function formatTime(value) {
    if (!value) return '';
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) return String(value);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function formatDuration(ms) {
    if (!Number.isFinite(ms) || ms < 0) return '';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
    if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
    if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
    return `${(ms / 86_400_000).toFixed(1)} d`;
  }

  function jsonText(value) {
    if (value === undefined) return '';
    try {
      return JSON.stringify(value, null, 2);
    } catch {
      return String(value);
    }
  }

  function shortJson(value, max = 80) {
    if (value === null || value === undefined) return '';
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }

  function showBanner(message, kind = 'error') {
    banner.textContent = message;
    banner.className = `banner ${kind === 'info' ? 'info' : ''}`;
    banner.hidden = false;
  }

  function hideBanner() {
    banner.hidden = true;
  }

  function setHubName(name) {
    if (name) document.getElementById('hub-name').textContent = name;
  }

  // ---------- routing ----------

  let routeSeq = 0;
  let cleanups = [];
  let flash = null;

  /** Goes to `hash` and shows `message` there (a plain hash change would clear the banner). */
  function navigate(hash, message) {
    flash = message || null;
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function every(ms, fn) {
    let busy = false;
    const timer = setInterval(async () => {
      if (busy || document.hidden) return;
      busy = true;
      try {
        await fn();
      } catch (e) {
        showBanner(e.message);
      } finally {
        busy = false;
      }
    }, ms);
    cleanups.push(() => clearInterval(timer));
  }

  function route() {
    for (const f of cleanups) f();
    cleanups = [];
    const seq = ++routeSeq;
    // A dialog belongs to the view it was opened from.
    if (dialog.open) {
      dialogState = null;
      dialog.close();
    }
    const alive = () => seq === routeSeq;
    hideBanner();
    if (flash) showBanner(flash, 'info');
    flash = null;
    const hash = location.hash.replace(/^#/, '') || '/instances';
    const [pathPart, queryPart = ''] = hash.split('?');
    let segments;
    try {
      segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      segments = [];
    }
    const params = new URLSearchParams(queryPart);
    const section = segments[0] || 'instances';
    for (const a of document.querySelectorAll('[data-nav]')) {
      const nav = a.dataset.nav;
      a.classList.toggle('active', nav === section || (nav === 'instances' && section === 'instance') || (nav === 'entities' && section === 'entity'));
    }
    view.replaceChildren();
    const run =
      section === 'instance' && segments.length >= 2
        ? instanceView(segments.slice(1).join('/'), alive)
        : section === 'entities'
          ? entitiesView(params, alive)
          : section === 'entity' && segments.length >= 3
            ? entityView(segments[1], segments.slice(2).join('/'), alive)
            : section === 'overview'
              ? overviewView(alive)
              : instancesView(params, alive);
    run.catch((e) => {
      if (alive()) showBanner(e.message);
    });
  }

  window.addEventListener('hashchange', route);
  document.getElementById('goto').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('goto-id');
    const id = input.value.trim();
    if (!id) {
      showBanner('Enter an instance id to open.');
      return;
    }
    location.hash = `#/instance/${enc(id)}`;
  });

  // ---------- dialog ----------

  const dialog = document.getElementById('dialog');
  const dialogForm = document.getElementById('dialog-form');
  const dialogError = document.getElementById('dialog-error');
  const dialogConfirm = document.getElementById('dialog-confirm');
  let dialogState = null;

  function openDialog({ title, body, confirmLabel = 'OK', danger = false, validate = () => true, onConfirm }) {
    document.getElementById('dialog-title').textContent = title;
    setChildren(document.getElementById('dialog-body'), body);
    dialogError.hidden = true;
    dialogConfirm.textContent = confirmLabel;
    dialogConfirm.className = danger ? 'danger' : 'primary';
    dialogState = { validate, onConfirm, busy: false };
    revalidateDialog();
    dialog.showModal();
    const first = dialog.querySelector('#dialog-body input, #dialog-body textarea');
    if (first) first.focus();
  }

  function revalidateDialog() {
    if (!dialogState) return;
    dialogConfirm.disabled = dialogState.busy || !dialogState.validate();
  }

  function dialogFail(message) {
    dialogError.textContent = message;
    dialogError.hidden = false;
  }

  dialogForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!dialogState || dialogState.busy || !dialogState.validate()) return;
    dialogState.busy = true;
    revalidateDialog();
    dialogError.hidden = true;
    try {
      await dialogState.onConfirm();
      dialogState = null;
      dialog.close();
    } catch (e) {
      dialogFail(e.message);
      if (dialogState) dialogState.busy = false;
      revalidateDialog();
    }
  });
  document.getElementById('dialog-cancel').addEventListener('click', () => {
    dialogState = null;
    dialog.close();
  });

  /** A JSON textarea that validates as you type; empty means "no data". */
  function jsonEditor(initial = '', { name = 'json' } = {}) {
    const textarea = h('textarea', { name, spellcheck: false, value: initial, 'aria-label': 'JSON' });
    const status = h('div', { class: 'json-status', dataset: { role: 'json-status' } });
    const check = () => {
      const text = textarea.value;
      if (!text.trim()) {
        textarea.classList.remove('invalid');
        status.className = 'json-status muted';
        status.textContent = 'Empty: no data is sent.';
        return true;
      }
      try {
        JSON.parse(text);
        textarea.classList.remove('invalid');
        status.className = 'json-status ok';
        status.textContent = 'Valid JSON.';
        return true;
      } catch (e) {
        textarea.classList.add('invalid');
        status.className = 'json-status error';
        status.textContent = `Invalid JSON: ${e.message}`;
        return false;
      }
    };
    textarea.addEventListener('input', () => {
      check();
      revalidateDialog();
    });
    check();
    return { nodes: [textarea, status], check, text: () => (textarea.value.trim() ? textarea.value : undefined) };
  }

  const field = (label, input) => [h('label', null, label), input];

  // ---------- instances ----------

  function listQuery(filters) {
    const iso = (v) => (v ? new Date(v).toISOString() : undefined);
    return {
      runtimeStatus: filters.status,
      name: filters.name,
      instanceIdPrefix: filters.prefix,
      createdTimeFrom: iso(filters.from),
      createdTimeTo: iso(filters.to),
      excludeEntities: 'true',
    };
  }

  async function instancesView(params, alive) {
    const filters = {
      status: params.get('status') || '',
      name: params.get('name') || '',
      prefix: params.get('prefix') || '',
      from: params.get('from') || '',
      to: params.get('to') || '',
      top: params.get('top') || '50',
    };
    for (const d of ['from', 'to']) {
      if (filters[d] && Number.isNaN(new Date(filters[d]).getTime())) {
        showBanner(`The '${d}' filter is not a valid date: '${filters[d]}'.`);
        filters[d] = '';
      }
    }
    const selected = new Set(filters.status.split(',').filter(Boolean));
    const statusBoxes = STATUSES.map((s) => h('label', null, h('input', { type: 'checkbox', name: 'status', value: s, checked: selected.has(s) }), s));
    const nameInput = h('input', { name: 'name', value: filters.name, placeholder: 'e.g. HelloCities', list: 'orchestrator-names' });
    const prefixInput = h('input', { name: 'prefix', value: filters.prefix, placeholder: 'id starts with' });
    const fromInput = h('input', { type: 'datetime-local', name: 'from', value: filters.from, step: 1 });
    const toInput = h('input', { type: 'datetime-local', name: 'to', value: filters.to, step: 1 });
    const topSelect = h('select', { name: 'top' }, ['25', '50', '100', '200'].map((n) => h('option', { value: n, selected: n === filters.top }, n)));
    const names = h('datalist', { id: 'orchestrator-names' });
    const live = h('input', { type: 'checkbox', name: 'live', checked: localStorage.getItem('df-live') !== 'off' });
    live.addEventListener('change', () => localStorage.setItem('df-live', live.checked ? 'on' : 'off'));

    const form = h(
      'form',
      { class: 'panel toolbar', id: 'filters', autocomplete: 'off' },
      h('label', null, 'Status', h('div', { class: 'statuses' }, statusBoxes)),
      h('label', null, 'Orchestrator name', nameInput, names),
      h('label', null, 'Instance id prefix', prefixInput),
      h('label', null, 'Created from (local time)', fromInput),
      h('label', null, 'Created to', toInput),
      h('label', null, 'Page size', topSelect),
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('button', { type: 'button', onclick: () => (location.hash = '#/instances') }, 'Clear'),
      h('span', { class: 'spacer' }),
      h('label', { class: 'live' }, h('span', null, live, ' Live refresh')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      const statuses = statusBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      if (statuses.length) next.set('status', statuses.join(','));
      for (const [k, input] of [['name', nameInput], ['prefix', prefixInput], ['from', fromInput], ['to', toInput]]) {
        if (input.value.trim()) next.set(k, input.value.trim());
      }
      if (topSelect.value !== '50') next.set('top', topSelect.value);
      navigate(`#/instances${next.toString() ? `?${next}` : ''}`);
    });

    const countsEl = h('div', { class: 'counts', id: 'counts' }, h('span', { class: 'muted' }, 'Counting…'));
    const tableHolder = h('div', { id: 'instances' }, h('div', { class: 'empty' }, 'Loading…'));
    const pageInfo = h('span', { id: 'page-info' });
    const prev = h('button', { type: 'button', id: 'prev-page', disabled: true }, '← Previous');
    const next = h('button', { type: 'button', id: 'next-page', disabled: true }, 'Next →');
    const startButton = h('button', { type: 'button', id: 'start-new', onclick: () => startNewDialog(names) }, 'Start new…');
    const purgeButton = h('button', { type: 'button', id: 'purge-filter', onclick: () => purgeByFilterDialog(filters) }, 'Purge by filter…');

    view.append(
      h('div', { class: 'toolbar' }, h('h1', null, 'Orchestration instances'), h('span', { class: 'spacer' }), startButton, purgeButton),
      form,
      countsEl,
      tableHolder,
      h('div', { class: 'pager' }, prev, pageInfo, next),
    );

    // Continuation tokens of the pages seen so far: tokens[i] fetches page i. Pages are never all loaded.
    const tokens = [undefined];
    let pageIndex = 0;
    let nextToken;

    async function loadPage() {
      const t0 = performance.now();
      const res = await api('instances', { query: { ...listQuery(filters), top: filters.top }, token: tokens[pageIndex] });
      if (!alive()) return;
      nextToken = res.headers.get('x-ms-continuation-token') || undefined;
      renderRows(res.data);
      prev.disabled = pageIndex === 0;
      next.disabled = !nextToken;
      pageInfo.textContent = `Page ${pageIndex + 1} · ${res.data.length} instance${res.data.length === 1 ? '' : 's'}${nextToken ? ' · more available' : ''}`;
      view.dataset.listLoadMs = String(Math.round(performance.now() - t0));
      for (const n of new Set(res.data.map((s) => s.name))) {
        if (![...names.options].some((o) => o.value === n)) names.append(h('option', { value: n }));
      }
    }

    function renderRows(statuses) {
      if (statuses.length === 0) {
        setChildren(tableHolder, h('div', { class: 'empty' }, pageIndex === 0 ? 'No instances match these filters.' : 'No more instances.'));
        return;
      }
      const rows = statuses.map((s) =>
        h(
          'tr',
          { dataset: { instanceId: s.instanceId } },
          h('td', { class: 'mono wrap' }, h('a', { href: `#/instance/${enc(s.instanceId)}` }, s.instanceId)),
          h('td', null, s.name),
          h('td', null, badge(s.runtimeStatus)),
          h('td', null, formatTime(s.createdTime)),
          h('td', null, formatTime(s.lastUpdatedTime)),
          h('td', { class: 'wrap mono', title: shortJson(s.customStatus, 500) }, shortJson(s.customStatus)),
        ),
      );
      setChildren(tableHolder, h(
          'table',
          { id: 'instance-table' },
          h('thead', null, h('tr', null, ['Instance ID', 'Name', 'Status', 'Created', 'Last updated', 'Custom status'].map((t) => h('th', null, t)))),
          h('tbody', null, rows),
        ),
      );
    }

    async function loadCounts() {
      const q = listQuery(filters);
      delete q.runtimeStatus;
      const res = await api('hub/counts', { query: q });
      if (!alive()) return;
      setHubName(res.data.taskHub);
      const { counts, total, complete } = res.data;
      const more = complete ? '' : '+';
      const chips = STATUSES.filter((s) => counts[s]).map((s) =>
        h(
          'span',
          { class: 'count', dataset: { status: s }, title: `Show only ${s}`, onclick: () => (location.hash = `#/instances?${new URLSearchParams({ ...compact(filters), status: s })}`) },
          badge(s),
          h('b', null, `${counts[s]}${more}`),
        ),
      );
      setChildren(countsEl, h('span', { class: 'count total', dataset: { status: 'all' } }, 'All', h('b', null, `${total}${more}`)), chips);
    }

    prev.addEventListener('click', () => {
      if (pageIndex === 0) return;
      pageIndex--;
      loadPage().catch((e) => showBanner(e.message));
    });
    next.addEventListener('click', () => {
      if (!nextToken) return;
      pageIndex++;
      tokens[pageIndex] = nextToken;
      loadPage().catch((e) => showBanner(e.message));
    });

    // The list first: counts scan the whole table and must not delay the first page.
    const first = loadPage();
    loadCounts().catch((e) => alive() && setChildren(countsEl, h('span', { class: 'error' }, `Counts unavailable: ${e.message}`)));
    await first;
    let tick = 0;
    every(LIST_REFRESH_MS, async () => {
      if (!live.checked) return;
      await loadPage();
      if (++tick % 3 === 0) await loadCounts();
    });
  }

  function compact(obj) {
    const out = {};
    for (const [k, v] of Object.entries(obj)) if (v) out[k] = v;
    return out;
  }

  function startNewDialog(names) {
    const nameInput = h('input', { type: 'text', name: 'orchestrator', placeholder: 'orchestrator function name', list: names.id, oninput: revalidateDialog });
    const idInput = h('input', { type: 'text', name: 'instanceId', placeholder: 'optional; a new id is generated when empty' });
    const editor = jsonEditor('');
    openDialog({
      title: 'Start a new orchestration',
      body: [...field('Orchestrator', nameInput), ...field('Instance id', idInput), ...field('Input (JSON)', h('div', null, editor.nodes))],
      confirmLabel: 'Start',
      validate: () => nameInput.value.trim() !== '' && editor.check(),
      onConfirm: async () => {
        const id = idInput.value.trim();
        const res = await api(`orchestrators/${enc(nameInput.value.trim())}${id ? `/${enc(id)}` : ''}`, { method: 'POST', body: editor.text() });
        navigate(`#/instance/${enc(res.data.id)}`, `Started ${res.data.id}.`);
      },
    });
  }

  async function purgeByFilterDialog(filters) {
    const selected = filters.status ? filters.status.split(',') : [];
    const statuses = (selected.length ? selected : [...FINISHED]).filter((s) => FINISHED.has(s));
    const q = listQuery(filters);
    delete q.runtimeStatus;
    const preview = h('p', { id: 'purge-preview' }, 'Counting matching instances…');
    let matching = 0;
    openDialog({
      title: 'Purge instances by filter',
      body: [
        preview,
        h('p', { class: 'hint' }, 'Only finished instances (Completed, Failed, Terminated, Canceled) are purged; their history and large-message blobs are deleted. This cannot be undone.'),
      ],
      confirmLabel: 'Purge',
      danger: true,
      validate: () => matching > 0,
      onConfirm: async () => {
        const res = await api('instances', {
          method: 'DELETE',
          query: { ...q, runtimeStatus: statuses.join(','), createdTimeFrom: q.createdTimeFrom || '1970-01-01T00:00:00Z' },
        });
        navigate(location.hash || '#/instances', `Purged ${res.data.instancesDeleted} instance(s).`);
      },
    });
    if (statuses.length === 0) {
      preview.textContent = 'The status filter selects no finished status, so nothing would be purged.';
      return;
    }
    try {
      const res = await api('hub/counts', { query: q });
      const parts = statuses.filter((s) => res.data.counts[s]).map((s) => `${s} ${res.data.counts[s]}`);
      matching = statuses.reduce((n, s) => n + (res.data.counts[s] || 0), 0);
      preview.dataset.count = String(matching);
      preview.textContent =
        matching === 0
          ? 'No finished instances match the current filters.'
          : `${matching}${res.data.complete ? '' : '+'} finished instance${matching === 1 ? '' : 's'} match the current filters (${parts.join(', ')}) and will be purged.`;
      revalidateDialog();
    } catch (e) {
      dialogFail(`Could not count the matching instances: ${e.message}`);
    }
  }

  // ---------- one instance ----------

  async function instanceView(instanceId, alive) {
    view.append(h('div', { class: 'empty' }, 'Loading…'));
    let status;
    try {
      status = (await api(`instances/${enc(instanceId)}`, { query: { showHistory: 'true', showHistoryOutput: 'true', historyFormat: 'raw' } })).data;
    } catch (e) {
      if (!alive()) return;
      setChildren(view, h('h1', null, 'Instance ', h('code', null, instanceId)),
        h('div', { class: 'panel error', id: 'instance-error', role: 'alert' }, e.status === 404 ? `No instance with ID '${instanceId}' was found in this task hub.` : e.message),
        h('p', null, h('a', { href: '#/instances' }, '← Back to the instance list')),
      );
      return;
    }
    if (!alive()) return;
    let lastKey = renderKey(status);
    renderInstance(status);
    every(INSTANCE_REFRESH_MS, async () => {
      const autoBox = document.getElementById('auto-refresh');
      if (autoBox && !autoBox.checked) return;
      let fresh;
      try {
        fresh = (await api(`instances/${enc(instanceId)}`, { query: { showHistory: 'true', showHistoryOutput: 'true', historyFormat: 'raw' } })).data;
      } catch (e) {
        if (e.status === 404 && alive()) {
          setChildren(view, h('div', { class: 'panel error', id: 'instance-error', role: 'alert' }, `Instance '${instanceId}' no longer exists (it was purged).`));
          return;
        }
        throw e;
      }
      if (!alive()) return;
      const key = renderKey(fresh);
      if (key !== lastKey) {
        lastKey = key;
        renderInstance(fresh);
      }
    });
  }

  function renderKey(status) {
    return `${status.runtimeStatus}|${status.lastUpdatedTime}|${(status.historyEvents || []).length}|${JSON.stringify(status.customStatus)}`;
  }

  function renderInstance(status) {
    const id = status.instanceId;
    const events = status.historyEvents || [];
    const started = events.find((e) => e.EventType === 'ExecutionStarted');
    const completed = events.find((e) => e.EventType === 'ExecutionCompleted');
    const parent = started && started.ParentInstance && started.ParentInstance.OrchestrationInstance;
    const children = events.filter((e) => e.EventType === 'SubOrchestrationInstanceCreated');
    const finished = FINISHED.has(status.runtimeStatus);
    const autoBox = document.getElementById('auto-refresh');
    const auto = h('input', { type: 'checkbox', id: 'auto-refresh', checked: autoBox ? autoBox.checked : true });

    const button = (label, action, enabled, handler) => h('button', { type: 'button', dataset: { action }, disabled: !enabled, onclick: handler }, label);
    const actions = h(
      'div',
      { class: 'actions' },
      button('Refresh', 'refresh', true, () => route()),
      button('Raise event…', 'raise-event', !finished, () => raiseEventDialog(id)),
      button('Suspend…', 'suspend', status.runtimeStatus === 'Running' || status.runtimeStatus === 'Pending', () => reasonAction(id, 'suspend', 'Suspend', false)),
      button('Resume…', 'resume', status.runtimeStatus === 'Suspended', () => reasonAction(id, 'resume', 'Resume', false)),
      button('Terminate…', 'terminate', !finished, () => reasonAction(id, 'terminate', 'Terminate', true)),
      button('Rewind…', 'rewind', status.runtimeStatus === 'Failed', () => reasonAction(id, 'rewind', 'Rewind', false)),
      button('Restart…', 'restart', true, () => restartDialog(id)),
      button('Purge…', 'purge', finished, () => purgeDialog(id)),
      h('span', { class: 'spacer' }),
      h('label', { class: 'muted' }, auto, ' Auto-refresh'),
    );

    const facts = h(
      'dl',
      { class: 'kv' },
      h('dt', null, 'Name'), h('dd', { id: 'instance-name' }, status.name),
      h('dt', null, 'Status'), h('dd', { id: 'instance-status' }, badge(status.runtimeStatus)),
      h('dt', null, 'Created'), h('dd', null, formatTime(status.createdTime)),
      h('dt', null, 'Last updated'), h('dd', null, formatTime(status.lastUpdatedTime)),
      started ? [h('dt', null, 'Execution'), h('dd', { class: 'mono' }, started.OrchestrationInstance ? started.OrchestrationInstance.ExecutionId : '')] : null,
      started ? [h('dt', null, 'Run time'), h('dd', null, formatDuration((completed ? Date.parse(completed.Timestamp) : Date.now()) - Date.parse(started.Timestamp)))] : null,
      parent ? [h('dt', null, 'Parent'), h('dd', { id: 'parent-link' }, h('a', { href: `#/instance/${enc(parent.InstanceId)}` }, parent.InstanceId))] : null,
      children.length
        ? [h('dt', null, 'Sub-orchestrations'), h('dd', { id: 'child-links' }, children.map((c) => h('div', null, h('a', { href: `#/instance/${enc(c.InstanceId)}` }, c.InstanceId), ` (${c.Name})`)))]
        : null,
    );

    const jsonPanel = (title, value, id) => h('div', { class: 'panel' }, h('h2', null, title), h('pre', { id }, value === null || value === undefined ? 'null' : jsonText(value)));
    const failure = failureDetails(status, completed);

    setChildren(view, h('h1', null, 'Instance ', h('code', { id: 'instance-id' }, id), ' ', badge(status.runtimeStatus)),
      actions,
      h('div', { class: 'grid' }, h('div', { class: 'panel' }, facts), jsonPanel('Custom status', status.customStatus, 'custom-status')),
      failure ? h('div', { class: 'panel', id: 'failure' }, h('h2', { class: 'error' }, 'Failure'), h('pre', null, failure)) : null,
      h('div', { class: 'grid' }, jsonPanel('Input', status.input, 'instance-input'), jsonPanel('Output', status.output, 'instance-output')),
      h('div', { class: 'panel' }, h('h2', null, 'Timeline'), renderTimeline(events, status)),
      h('div', { class: 'panel' }, h('h2', null, `History (${events.length} events)`), renderHistory(events)),
    );
  }

  function failureDetails(status, completed) {
    if (status.runtimeStatus !== 'Failed') return null;
    const details = completed && completed.FailureDetails;
    if (details) {
      const lines = [`${details.ErrorType}: ${details.ErrorMessage}`];
      if (details.StackTrace) lines.push('', details.StackTrace);
      let inner = details.InnerFailure;
      while (inner) {
        lines.push('', `Caused by ${inner.ErrorType}: ${inner.ErrorMessage}`);
        inner = inner.InnerFailure;
      }
      return lines.join('\n');
    }
    return typeof status.output === 'string' ? status.output : jsonText(status.output);
  }

  /**
   * Gantt rows from the history: activities and sub-orchestrations from scheduled to answered,
   * timers from created to fired, waits for external events from the moment the orchestrator last
   * went idle to the event's arrival (the history does not record when the wait began), and
   * suspensions. Unfinished rows run to now (or end with the orchestration).
   */
  function buildTimeline(events, status) {
    const started = events.find((e) => e.EventType === 'ExecutionStarted');
    if (!started) return null;
    // Events of the first episode can be stamped before ExecutionStarted; start at the earliest.
    const t0 = Math.min(...events.map((e) => Date.parse(e.Timestamp)));
    const endEvent = events.find((e) => e.EventType === 'ExecutionCompleted' || e.EventType === 'ExecutionTerminated');
    const finished = FINISHED.has(status.runtimeStatus);
    const tEnd = endEvent ? Date.parse(endEvent.Timestamp) : finished ? Date.parse(status.lastUpdatedTime) : Date.now();
    const rows = [];
    const open = new Map();
    let idleSince = t0;
    let suspendedAt = null;
    for (const e of events) {
      const t = Date.parse(e.Timestamp);
      switch (e.EventType) {
        case 'TaskScheduled':
          open.set(e.EventId, rows[rows.push({ kind: 'activity', label: e.Name, start: t, end: null, state: 'open' }) - 1]);
          break;
        case 'SubOrchestrationInstanceCreated':
          open.set(e.EventId, rows[rows.push({ kind: 'suborchestration', label: e.Name, link: e.InstanceId, start: t, end: null, state: 'open' }) - 1]);
          break;
        case 'TimerCreated':
          open.set(e.EventId, rows[rows.push({ kind: 'timer', label: `until ${formatTime(e.FireAt)}`, start: t, end: null, fireAt: Date.parse(e.FireAt), state: 'open' }) - 1]);
          break;
        case 'TaskCompleted':
        case 'SubOrchestrationInstanceCompleted':
        case 'TaskFailed':
        case 'SubOrchestrationInstanceFailed': {
          const row = open.get(e.TaskScheduledId);
          if (row) {
            row.end = t;
            row.state = e.EventType.endsWith('Failed') ? 'failed' : 'done';
            open.delete(e.TaskScheduledId);
          }
          break;
        }
        case 'TimerFired': {
          const row = open.get(e.TimerId);
          if (row) {
            row.end = t;
            row.state = 'done';
            open.delete(e.TimerId);
          }
          break;
        }
        case 'EventRaised':
          rows.push({ kind: 'wait', label: `event ${e.Name}`, start: Math.min(idleSince, t), end: t, state: 'done' });
          break;
        case 'ExecutionSuspended':
          suspendedAt = t;
          break;
        case 'ExecutionResumed':
          if (suspendedAt !== null) rows.push({ kind: 'suspended', label: 'suspended', start: suspendedAt, end: t, state: 'done' });
          suspendedAt = null;
          break;
        case 'OrchestratorCompleted':
          idleSince = t;
          break;
        default:
          break;
      }
    }
    if (suspendedAt !== null) rows.push({ kind: 'suspended', label: 'suspended', start: suspendedAt, end: null, state: 'open' });
    for (const row of rows) {
      if (row.end !== null) continue;
      if (row.kind === 'timer' && !finished) row.end = Math.min(row.fireAt, tEnd);
      else row.end = tEnd;
      // Tasks still open when the orchestration ended were never answered (e.g. a timer that lost a race).
      if (finished) row.state = 'cancelled';
    }
    return { t0, tEnd: Math.max(tEnd, t0 + 1), rows };
  }

  function renderTimeline(events, status) {
    const tl = buildTimeline(events, status);
    if (!tl) return h('p', { class: 'muted' }, 'No history yet.');
    const span = tl.tEnd - tl.t0;
    const pct = (t) => `${Math.max(0, Math.min(100, ((t - tl.t0) / span) * 100))}%`;
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: { left: `${f * 100}%` } }, `+${formatDuration(f * span)}`));
    const rowEl = (r) => {
      const bar = h('div', { class: `tl-bar ${r.kind} ${r.state === 'open' ? 'open' : ''} ${r.state === 'failed' ? 'failed' : ''} ${r.state === 'cancelled' ? 'cancelled' : ''}`, title: `${r.kind} ${r.label}: ${formatDuration(r.end - r.start)}` });
      bar.style.left = pct(r.start);
      bar.style.width = `calc(${pct(r.end)} - ${pct(r.start)})`;
      const label = r.link ? h('a', { href: `#/instance/${enc(r.link)}` }, r.label) : r.label;
      const suffix = r.state === 'failed' ? ' (failed)' : r.state === 'open' ? ' (running)' : r.state === 'cancelled' ? ' (not completed)' : '';
      return h(
        'div',
        { class: 'tl-row', dataset: { kind: r.kind, state: r.state } },
        h('div', { class: 'tl-label' }, h('span', { class: 'tl-kind' }, r.kind === 'suborchestration' ? 'sub-orch' : r.kind), label),
        h('div', { class: 'tl-track' }, bar),
        h('div', { class: 'tl-dur' }, `${formatDuration(r.end - r.start)}${suffix}`),
      );
    };
    const whole = { kind: 'orchestration', label: status.name, start: tl.t0, end: tl.tEnd, state: FINISHED.has(status.runtimeStatus) ? (status.runtimeStatus === 'Failed' ? 'failed' : 'done') : 'open' };
    const legend = ['activity', 'suborchestration', 'timer', 'wait', 'suspended'].map((k) => {
      const swatch = h('i', { class: `tl-bar ${k}` });
      swatch.style.position = 'static';
      return h('span', null, swatch, k === 'suborchestration' ? 'sub-orchestration' : k);
    });
    return h(
      'div',
      { class: 'timeline', id: 'timeline' },
      h('div', { class: 'tl-axis' }, h('div'), h('div', { class: 'ticks' }, ticks), h('div')),
      rowEl(whole),
      tl.rows.map(rowEl),
      tl.rows.length === 0 ? h('p', { class: 'muted' }, 'No activities, timers, sub-orchestrations or events yet.') : null,
      h('div', { class: 'legend' }, legend, h('span', null, 'Waits start when the orchestrator last went idle.')),
    );
  }

  function renderHistory(events) {
    const detail = (e) => {
      const skip = new Set(['EventType', 'EventId', 'Timestamp']);
      const rest = {};
      for (const [k, v] of Object.entries(e)) if (!skip.has(k) && v !== null && v !== undefined) rest[k] = v;
      return shortJson(rest, 160);
    };
    const startedEvent = events.find((e) => e.EventType === 'ExecutionStarted');
    const t0 = Math.min(...events.map((e) => Date.parse(e.Timestamp)), startedEvent ? Date.parse(startedEvent.Timestamp) : Infinity);
    return h(
      'div',
      null,
      h(
        'table',
        { id: 'history-table' },
        h('thead', null, h('tr', null, ['#', 'Time', '+', 'Event', 'Details'].map((t) => h('th', null, t)))),
        h(
          'tbody',
          null,
          events.map((e, i) =>
            h(
              'tr',
              { dataset: { eventType: e.EventType } },
              h('td', { class: 'muted' }, String(i)),
              h('td', null, formatTime(e.Timestamp)),
              h('td', { class: 'muted' }, formatDuration(Date.parse(e.Timestamp) - t0)),
              h('td', null, e.EventType),
              h('td', { class: 'wrap mono', title: detail(e) }, detail(e)),
            ),
          ),
        ),
      ),
      h('details', { id: 'raw-history' }, h('summary', null, 'Raw history (JSON)'), h('pre', null, jsonText(events))),
    );
  }

  function raiseEventDialog(id) {
    const nameInput = h('input', { type: 'text', name: 'eventName', placeholder: 'event name, e.g. ApprovalEvent', oninput: revalidateDialog });
    const editor = jsonEditor('');
    openDialog({
      title: 'Raise an event',
      body: [...field('Event name', nameInput), ...field('Event data (JSON)', h('div', null, editor.nodes))],
      confirmLabel: 'Raise event',
      validate: () => nameInput.value.trim() !== '' && editor.check(),
      onConfirm: async () => {
        await api(`instances/${enc(id)}/raiseEvent/${enc(nameInput.value.trim())}`, { method: 'POST', body: editor.text() });
        showBanner(`Event '${nameInput.value.trim()}' sent to ${id}.`, 'info');
      },
    });
  }

  function reasonAction(id, action, label, danger) {
    const reason = h('input', { type: 'text', name: 'reason', placeholder: 'reason (recorded in the history)' });
    openDialog({
      title: `${label} instance ${id}?`,
      body: field('Reason', reason),
      confirmLabel: label,
      danger,
      onConfirm: async () => {
        await api(`instances/${enc(id)}/${action}`, { method: 'POST', query: { reason: reason.value } });
        showBanner(`${label} requested for ${id}.`, 'info');
      },
    });
  }

  function restartDialog(id) {
    const sameId = h('input', { type: 'checkbox', name: 'sameId' });
    openDialog({
      title: `Restart instance ${id}?`,
      body: [h('p', null, 'Starts the orchestration again with its original input.'), h('label', null, sameId, ' Reuse the same instance id (only when it has finished)')],
      confirmLabel: 'Restart',
      onConfirm: async () => {
        const res = await api(`instances/${enc(id)}/restart`, { method: 'POST', query: { restartWithNewInstanceId: sameId.checked ? 'false' : 'true' } });
        navigate(`#/instance/${enc(res.data.id)}`, `Restarted as ${res.data.id}.`);
      },
    });
  }

  function purgeDialog(id) {
    openDialog({
      title: `Purge instance ${id}?`,
      body: h('p', null, 'Deletes the instance, its history and its large-message blobs. This cannot be undone.'),
      confirmLabel: 'Purge',
      danger: true,
      onConfirm: async () => {
        const res = await api(`instances/${enc(id)}`, { method: 'DELETE' });
        navigate('#/instances', `Purged ${id} (${res.data.instancesDeleted} instance deleted).`);
      },
    });
  }

  // ---------- entities ----------

  async function entitiesView(params, alive) {
    const name = params.get('name') || '';
    const nameInput = h('input', { name: 'entityName', value: name, placeholder: 'entity name, e.g. Counter' });
    const form = h(
      'form',
      { class: 'panel toolbar', autocomplete: 'off' },
      h('label', null, 'Entity name', nameInput),
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', id: 'signal-new', onclick: () => signalDialog(nameInput.value.trim(), '') }, 'Signal an entity…'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const v = nameInput.value.trim();
      location.hash = v ? `#/entities?name=${enc(v)}` : '#/entities';
    });
    const holder = h('div', { id: 'entities' }, h('div', { class: 'empty' }, 'Loading…'));
    const prev = h('button', { type: 'button', disabled: true }, '← Previous');
    const next = h('button', { type: 'button', disabled: true }, 'Next →');
    const info = h('span');
    view.append(h('h1', null, 'Entities'), form, holder, h('div', { class: 'pager' }, prev, info, next));

    const tokens = [undefined];
    let pageIndex = 0;
    let nextToken;
    async function load() {
      const res = await api(name ? `entities/${enc(name)}` : 'entities', { query: { fetchState: 'true', top: 50 }, token: tokens[pageIndex] });
      if (!alive()) return;
      nextToken = res.headers.get('x-ms-continuation-token') || undefined;
      prev.disabled = pageIndex === 0;
      next.disabled = !nextToken;
      info.textContent = `Page ${pageIndex + 1}${nextToken ? ' · more available' : ''}`;
      if (res.data.length === 0) {
        setChildren(holder, h('div', { class: 'empty' }, nextToken ? 'No entities on this page; try the next one.' : 'No entities found.'));
        return;
      }
      setChildren(holder, h(
          'table',
          { id: 'entity-table' },
          h('thead', null, h('tr', null, ['Entity', 'Key', 'Last operation', 'State'].map((t) => h('th', null, t)))),
          h(
            'tbody',
            null,
            res.data.map((e) =>
              h(
                'tr',
                { dataset: { entity: `${e.entityId.name}/${e.entityId.key}` } },
                h('td', null, e.entityId.name),
                h('td', { class: 'mono' }, h('a', { href: `#/entity/${enc(e.entityId.name)}/${enc(e.entityId.key)}` }, e.entityId.key)),
                h('td', null, formatTime(e.lastOperationTime)),
                h('td', { class: 'mono wrap' }, shortJson(e.state, 120)),
              ),
            ),
          ),
        ),
      );
    }
    prev.addEventListener('click', () => {
      pageIndex = Math.max(0, pageIndex - 1);
      load().catch((e) => showBanner(e.message));
    });
    next.addEventListener('click', () => {
      if (!nextToken) return;
      tokens[++pageIndex] = nextToken;
      load().catch((e) => showBanner(e.message));
    });
    await load();
    every(LIST_REFRESH_MS, load);
  }

  function signalDialog(name, key) {
    const nameInput = h('input', { type: 'text', name: 'entityName', value: name, placeholder: 'entity name', oninput: revalidateDialog });
    const keyInput = h('input', { type: 'text', name: 'entityKey', value: key, placeholder: 'entity key', oninput: revalidateDialog });
    const opInput = h('input', { type: 'text', name: 'operation', placeholder: 'operation, e.g. add', oninput: revalidateDialog });
    const editor = jsonEditor('');
    openDialog({
      title: 'Signal an entity operation',
      body: [...field('Entity name', nameInput), ...field('Entity key', keyInput), ...field('Operation', opInput), ...field('Input (JSON)', h('div', null, editor.nodes))],
      confirmLabel: 'Signal',
      validate: () => nameInput.value.trim() !== '' && keyInput.value !== '' && opInput.value.trim() !== '' && editor.check(),
      onConfirm: async () => {
        const n = nameInput.value.trim();
        const k = keyInput.value;
        await api(`entities/${enc(n)}/${enc(k)}`, { method: 'POST', query: { op: opInput.value.trim() }, body: editor.text() });
        showBanner(`Signalled '${opInput.value.trim()}' to @${n.toLowerCase()}@${k}.`, 'info');
      },
    });
  }

  async function entityView(name, key, alive) {
    const stateEl = h('pre', { id: 'entity-state' }, 'Loading…');
    const when = h('span', { class: 'muted' });
    view.append(
      h('h1', null, 'Entity ', h('code', null, `@${name.toLowerCase()}@${key}`)),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: 'signal-entity', onclick: () => signalDialog(name, key) }, 'Signal operation…'),
        h('button', { type: 'button', onclick: () => load() }, 'Refresh'),
        h('a', { href: `#/entities?name=${enc(name)}` }, `All ${name} entities`),
      ),
      h('div', { class: 'panel' }, h('h2', null, 'State'), stateEl, h('p', null, when)),
    );
    async function load() {
      try {
        const res = await api(`entities/${enc(name)}/${enc(key)}`);
        if (!alive()) return;
        stateEl.textContent = jsonText(res.data);
        stateEl.dataset.exists = 'true';
      } catch (e) {
        if (!alive()) return;
        if (e.status !== 404) throw e;
        stateEl.textContent = 'This entity does not exist (it has no state yet, or was deleted).';
        stateEl.dataset.exists = 'false';
      }
      when.textContent = `Read at ${formatTime(new Date())}; refreshes every ${INSTANCE_REFRESH_MS / 1000} s.`;
    }
    await load();
    every(INSTANCE_REFRESH_MS, load);
  }

  // ---------- task hub overview ----------

  async function overviewView(alive) {
    const holder = h('div', { id: 'overview' }, h('div', { class: 'empty' }, 'Loading…'));
    view.append(h('h1', null, 'Task hub'), holder);
    async function load() {
      const o = (await api('hub/overview')).data;
      if (!alive()) return;
      setHubName(o.taskHub);
      const maxPerMinute = Math.max(1, ...o.throughput.minutes.map((m) => Math.max(m.started, m.completed + m.failed + m.terminated)));
      const bars = o.throughput.minutes.map((m) => {
        const seg = (cls, n) => {
          const el = h('div', { class: `seg ${cls}`, title: `${n} ${cls}` });
          el.style.height = `${(n / maxPerMinute) * 45}px`;
          return el;
        };
        const d = new Date(m.minute);
        return h(
          'div',
          { class: 'col', title: `${formatTime(m.minute)}: started ${m.started}, completed ${m.completed}, failed ${m.failed}, terminated ${m.terminated}` },
          h('div', { class: 'stack' }, seg('completed', m.completed), seg('failed', m.failed), seg('terminated', m.terminated), seg('started', m.started)),
          `${pad(d.getHours())}:${pad(d.getMinutes())}`,
        );
      });
      const totals = o.throughput.minutes.reduce((t, m) => ({ started: t.started + m.started, completed: t.completed + m.completed, failed: t.failed + m.failed }), { started: 0, completed: 0, failed: 0 });
      setChildren(holder, h(
          'div',
          { class: 'grid' },
          h(
            'div',
            { class: 'panel' },
            h(
              'dl',
              { class: 'kv' },
              h('dt', null, 'Task hub'), h('dd', { id: 'overview-hub' }, o.taskHub),
              h('dt', null, 'Created'), h('dd', null, o.createdAt ? formatTime(o.createdAt) : 'unknown'),
              h('dt', null, 'Partitions'), h('dd', null, String(o.partitionCount)),
              h('dt', null, 'Work-item queue'), h('dd', { id: 'workitem-depth' }, o.workItemQueueDepth === null ? 'missing' : `${o.workItemQueueDepth} messages`),
              h('dt', null, 'Workers'), h('dd', null, String(o.workers.length)),
              h('dt', null, 'Read at'), h('dd', null, formatTime(o.generatedAt)),
            ),
          ),
          h(
            'div',
            { class: 'panel' },
            h('h2', null, 'Throughput, last 10 minutes'),
            h('div', { class: 'bars', id: 'throughput' }, bars),
            h('p', { class: 'hint' }, `${totals.started} started, ${totals.completed} completed, ${totals.failed} failed (orchestrations, per minute of creation and completion)${o.throughput.complete ? '' : '; more rows than were read'}.`),
          ),
        ),
        h(
          'div',
          { class: 'panel' },
          h('h2', null, 'Partitions (control queues)'),
          h(
            'table',
            { id: 'partition-table' },
            h('thead', null, h('tr', null, ['#', 'Control queue', 'Messages', 'Lease', 'Owner', 'Epoch'].map((t) => h('th', null, t)))),
            h(
              'tbody',
              null,
              o.partitions.map((p) =>
                h(
                  'tr',
                  null,
                  h('td', null, String(p.partition)),
                  h('td', { class: 'mono' }, p.controlQueue),
                  h('td', null, p.queueDepth === null ? 'missing' : String(p.queueDepth)),
                  h('td', null, p.leaseState),
                  h('td', { class: 'mono' }, p.owner || '—'),
                  h('td', null, p.epoch === null ? '' : String(p.epoch)),
                ),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'panel' },
          h('h2', null, 'Workers (lease owners)'),
          o.workers.length === 0
            ? h('p', { class: 'muted' }, 'No worker holds a lease: no engine is running against this task hub.')
            : h(
                'table',
                { id: 'worker-table' },
                h('thead', null, h('tr', null, h('th', null, 'Worker id'), h('th', null, 'Partitions'))),
                h('tbody', null, o.workers.map((w) => h('tr', null, h('td', { class: 'mono' }, w.workerId), h('td', null, w.partitions.join(', '))))),
              ),
        ),
      );
    }
    await load();
    every(OVERVIEW_REFRESH_MS, load);
  }

  route();
})();
