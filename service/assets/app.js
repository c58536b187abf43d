// attest web app: ask questions with cited answers, read the cited passage
// in its source document, and manage the document library.
//
// Offsets in citations (`start`, `end`) and in a document's `pages` are
// Unicode code point offsets into the document text. JavaScript strings are
// indexed in UTF-16 code units, so every offset goes through a per-document
// code point index before slicing.
'use strict';

(() => {
  const POLL_QUEUED_MS = 2000;
  const POLL_RETRY_MS = 5000;
  // Earlier turns sent along with a question (user and assistant messages).
  const MAX_HISTORY_MESSAGES = 20;

  const $ = (id) => document.getElementById(id);

  const ui = {
    skip: $('skip-to-question'),
    documents: $('documents'),
    documentsCount: $('documents-count'),
    documentsEmpty: $('documents-empty'),
    documentsStatus: $('documents-status'),
    documentsFilter: $('documents-filter'),
    documentsRefresh: $('documents-refresh'),
    uploadForm: $('upload-form'),
    uploadFile: $('upload-file'),
    uploadButton: $('upload'),
    uploadStatus: $('upload-status'),
    conversation: $('conversation'),
    intro: $('intro'),
    askForm: $('ask-form'),
    question: $('question'),
    askButton: $('ask'),
    newConversation: $('new-conversation'),
    viewer: $('viewer'),
    viewerSource: $('viewer-source'),
    viewerMeta: $('viewer-meta'),
    viewerStatus: $('viewer-status'),
    viewerText: $('viewer-text'),
    viewerPages: $('viewer-pages'),
    viewerTools: $('viewer-tools'),
    viewPage: $('view-page'),
    viewText: $('view-text'),
    prevCitation: $('prev-citation'),
    nextCitation: $('next-citation'),
    citedPage: $('cited-page'),
  };

  // ---------------------------------------------------------------- helpers

  /** Creates an element; `props` keys are attributes, `class`, or `text`. */
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  /** Sets a status line; kind `quiet` is announced but not shown. */
  function setMessage(node, text, kind) {
    node.textContent = text || '';
    node.classList.toggle('is-error', kind === 'error');
    node.classList.toggle('is-ok', kind === 'ok');
    node.classList.toggle('sr-only', kind === 'quiet');
  }

  class ApiFailure extends Error {
    constructor(message, status, code) {
      super(message);
      this.name = 'ApiFailure';
      this.status = status;
      this.code = code;
    }
  }

  function describeStatus(status, statusText) {
    switch (status) {
      case 408:
      case 504:
        return 'The service took too long to answer. Please try again.';
      case 413:
        return 'The request is too large for the service.';
      case 502:
      case 503:
        return 'The service is unavailable right now. Please try again shortly.';
      default:
        return `The service answered with HTTP ${status}${statusText ? ` ${statusText}` : ''}.`;
    }
  }

  // The API key, when the service asks for one: kept in this browser,
  // taken once from the address (`#key=...`, then removed from it) or asked
  // for when the service answers 401.
  const KEY_STORE = 'attest.key';
  function apiKey() {
    try {
      return localStorage.getItem(KEY_STORE) || '';
    } catch {
      return '';
    }
  }
  function setApiKey(key) {
    try {
      if (key) localStorage.setItem(KEY_STORE, key);
      else localStorage.removeItem(KEY_STORE);
    } catch {
      /* storage disabled: the key lasts as long as the page */
    }
  }
  {
    const m = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
    if (m) {
      setApiKey(decodeURIComponent(m[1]));
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
    }
  }
  function authHeaders() {
    const key = apiKey();
    return key ? { authorization: `Bearer ${key}` } : {};
  }

  /** Shows a page image, fetched with the API key when there is one. */
  async function loadImage(img, url) {
    if (!apiKey()) {
      img.src = url;
      return;
    }
    try {
      const response = await fetch(url, { headers: authHeaders() });
      if (response.ok) img.src = URL.createObjectURL(await response.blob());
    } catch {
      /* the alt text stays */
    }
  }

  /**
   * fetch() returning `{status, data}` for a JSON success and throwing an
   * ApiFailure carrying the service's error message otherwise.
   */
  async function request(url, options = {}, retried = false) {
    let response;
    try {
      response = await fetch(url, {
        ...options,
        headers: { accept: 'application/json', ...authHeaders(), ...(options.headers || {}) },
      });
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new ApiFailure('Cannot reach the service. Check the connection and try again.', 0, 'network');
    }
    let data = null;
    const body = await response.text();
    if (body) {
      try {
        data = JSON.parse(body);
      } catch {
        data = null;
      }
    }
    if (response.status === 401 && !retried) {
      const key = window.prompt('This attest service needs an API key:');
      if (key && key.trim()) {
        setApiKey(key.trim());
        return request(url, options, true);
      }
    }
    if (!response.ok) {
      const error = data && typeof data === 'object' ? data.error : null;
      const message = error && typeof error.message === 'string' && error.message
        ? error.message
        : describeStatus(response.status, response.statusText);
      throw new ApiFailure(message, response.status, (error && error.code) || `http_${response.status}`);
    }
    if (data === null || typeof data !== 'object') {
      throw new ApiFailure('The service sent an answer this page cannot read.', response.status, 'unreadable');
    }
    return { status: response.status, data };
  }

  // ------------------------------------------------- code point arithmetic

  /**
   * For a string, the UTF-16 offset of every code point boundary:
   * `index[k]` is where code point `k` starts, `index[count]` is the length.
   */
  function codePointIndex(text) {
    const index = new Uint32Array(text.length + 1);
    let k = 0;
    let i = 0;
    while (i < text.length) {
      index[k++] = i;
      const unit = text.charCodeAt(i);
      const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length
        && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      i += pair ? 2 : 1;
    }
    index[k] = i;
    return index.subarray(0, k + 1);
  }

  /** UTF-16 offset of code point offset `cp`, clamped to the text. */
  function toUtf16(index, cp) {
    const n = Number(cp);
    if (!Number.isFinite(n) || n <= 0) return 0;
    const last = index.length - 1;
    return index[Math.min(Math.floor(n), last)];
  }

  // ------------------------------------------------------ document texts

  const texts = new Map(); // id -> Promise<{id, text, pages, index}>

  function loadText(id) {
    let pending = texts.get(id);
    if (!pending) {
      pending = request(`/v1/documents/${encodeURIComponent(id)}/text`).then(({ data }) => ({
        id: data.id || id,
        text: typeof data.text === 'string' ? data.text : '',
        pages: Array.isArray(data.pages) ? data.pages : [],
        geometry: Array.isArray(data.geometry) ? data.geometry : [],
        index: codePointIndex(typeof data.text === 'string' ? data.text : ''),
      }));
      texts.set(id, pending);
      pending.catch(() => {
        if (texts.get(id) === pending) texts.delete(id);
      });
    }
    return pending;
  }

  // ---------------------------------------------------------- documents

  const docs = new Map(); // id -> meta as listed
  const docItems = new Map(); // id -> <li>
  let pollTimer = null;
  let refreshing = false;
  let refreshAgain = false;
  let listedOnce = false;

  function docSummary(meta) {
    const parts = [];
    if (meta.kind) parts.push(String(meta.kind).replace(/_/g, ' '));
    if (meta.status === 'ready') {
      if (Number(meta.pages) > 0) parts.push(plural(Number(meta.pages), 'page', 'pages'));
      if (Number(meta.chunks) > 0) parts.push(plural(Number(meta.chunks), 'passage', 'passages'));
    }
    return parts.join(' · ');
  }

  function buildDocItem(id) {
    const name = h('span', { class: 'doc-name' });
    const summary = h('span', { class: 'doc-meta' });
    const status = h('span', { class: 'status' });
    const open = h('button', { type: 'button', class: 'doc-open' }, name, summary, status);
    const error = h('p', { class: 'doc-error', hidden: true });
    const li = h('li', { class: 'document', 'data-id': id }, open, error);
    li.parts = { name, summary, status, open, error };
    return li;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function fillDocItem(li, meta) {
    const { name, summary, status, error } = li.parts;
    const state = ['queued', 'ready', 'failed'].includes(meta.status) ? meta.status : 'unknown';
    li.dataset.status = state;
    setText(name, meta.source || meta.id);
    setText(summary, docSummary(meta));
    summary.hidden = !summary.textContent;
    setText(status, state === 'unknown' ? String(meta.status || 'unknown') : state);
    status.className = `status status-${state}`;
    const message = state === 'failed' && meta.error && meta.error.message ? meta.error.message : '';
    setText(error, message);
    error.hidden = !message;
  }

  function applyFilter() {
    const needle = ui.documentsFilter.value.trim().toLowerCase();
    let shown = 0;
    for (const li of docItems.values()) {
      const hay = li.textContent.toLowerCase();
      const visible = !needle || hay.includes(needle);
      li.hidden = !visible;
      if (visible) shown += 1;
    }
    const total = docItems.size;
    ui.documentsCount.textContent = total ? (shown === total ? `(${total})` : `(${shown} of ${total})`) : '';
    ui.documentsEmpty.hidden = total > 0 || !listedOnce;
  }

  function updateDocuments(list) {
    const focusedId = ui.documents.contains(document.activeElement)
      ? document.activeElement.closest('.document')?.dataset.id
      : null;
    const announcements = [];
    const sorted = [...list]
      .filter((d) => d && typeof d.id === 'string')
      .sort((a, b) => String(a.source || a.id).localeCompare(String(b.source || b.id), undefined, { numeric: true, sensitivity: 'base' }));
    const seen = new Set();
    sorted.forEach((meta, position) => {
      seen.add(meta.id);
      const before = docs.get(meta.id);
      if (before && (before.status !== meta.status || before.sha256 !== meta.sha256
        || before.ingested_at !== meta.ingested_at)) {
        texts.delete(meta.id);
      }
      if (before && before.status === 'queued' && meta.status !== 'queued') {
        announcements.push(meta.status === 'ready'
          ? `${meta.source} is ready.`
          : `${meta.source} could not be processed${meta.error && meta.error.message ? `: ${meta.error.message}` : '.'}`);
      }
      docs.set(meta.id, meta);
      let li = docItems.get(meta.id);
      if (!li) {
        li = buildDocItem(meta.id);
        docItems.set(meta.id, li);
      }
      fillDocItem(li, meta);
      li.classList.toggle('is-viewing', ui.viewer.dataset.documentId === meta.id);
      const current = ui.documents.children[position];
      if (current !== li) ui.documents.insertBefore(li, current || null);
    });
    for (const [id, li] of docItems) {
      if (!seen.has(id)) {
        li.remove();
        docItems.delete(id);
        docs.delete(id);
        texts.delete(id);
      }
    }
    listedOnce = true;
    applyFilter();
    if (focusedId && !ui.documents.contains(document.activeElement)) {
      docItems.get(focusedId)?.parts.open.focus();
    }
    if (announcements.length) setMessage(ui.documentsStatus, announcements.join(' '), 'ok');
  }

  function schedulePoll(ms) {
    clearTimeout(pollTimer);
    pollTimer = ms ? setTimeout(refreshDocuments, ms) : null;
  }

  async function refreshDocuments() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    clearTimeout(pollTimer);
    let next = null;
    try {
      const { data } = await request('/v1/documents');
      const list = Array.isArray(data.documents) ? data.documents : [];
      updateDocuments(list);
      if (ui.documentsStatus.classList.contains('is-error')) setMessage(ui.documentsStatus, '');
      if (list.some((d) => d && d.status === 'queued')) next = POLL_QUEUED_MS;
    } catch (err) {
      setMessage(ui.documentsStatus, `Cannot load the documents: ${err.message}`, 'error');
      next = POLL_RETRY_MS;
    } finally {
      refreshing = false;
    }
    if (refreshAgain) {
      refreshAgain = false;
      refreshDocuments();
    } else {
      schedulePoll(next);
    }
  }

  async function upload(event) {
    event.preventDefault();
    if (ui.uploadButton.getAttribute('aria-disabled') === 'true') return;
    const file = ui.uploadFile.files && ui.uploadFile.files[0];
    if (!file) {
      setMessage(ui.uploadStatus, 'Choose a file to upload first.', 'error');
      ui.uploadFile.focus();
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    ui.uploadButton.setAttribute('aria-disabled', 'true');
    setMessage(ui.uploadStatus, `Uploading ${file.name}…`);
    try {
      const { data } = await request('/v1/documents', { method: 'POST', body: form });
      if (data.unchanged) {
        setMessage(ui.uploadStatus, `${file.name} is already in the library, unchanged.`, 'ok');
      } else {
        setMessage(ui.uploadStatus, `${file.name} was uploaded and is being processed.`, 'ok');
      }
      ui.uploadForm.reset();
      await refreshDocuments();
    } catch (err) {
      const prefix = err.status === 413 ? `${file.name} is too large` : `${file.name} was not uploaded`;
      setMessage(ui.uploadStatus, `${prefix}: ${err.message}`, 'error');
    } finally {
      ui.uploadButton.removeAttribute('aria-disabled');
    }
  }

  // ------------------------------------------------------------- viewer

  let viewToken = 0;

  function clearActiveCitations() {
    for (const node of ui.conversation.querySelectorAll('.is-active')) {
      node.classList.remove('is-active');
      node.removeAttribute('aria-current');
    }
  }

  function showViewerEmpty(message) {
    ui.viewerText.replaceChildren(h('p', { class: 'empty', text: message }));
  }

  /**
   * Renders the whole text with a marker at each page start and the cited
   * span, if any, in <mark id="cited-span">. Page markers carry their label
   * in CSS generated content, so the mark's text is exactly the quote.
   */
  function renderText(doc, span) {
    const { text, index } = doc;
    const events = [];
    for (const p of doc.pages) {
      if (!p || !Number.isFinite(Number(p.page))) continue;
      events.push({ at: toUtf16(index, p.start), order: 1, page: Number(p.page) });
    }
    if (span) {
      const start = toUtf16(index, span.start);
      const end = toUtf16(index, span.end);
      if (end > start) {
        events.push({ at: start, order: 2, open: true });
        events.push({ at: end, order: 0, close: true });
      }
    }
    events.sort((a, b) => a.at - b.at || a.order - b.order);

    const body = h('div', { class: 'doc-text' });
    let parent = body;
    let mark = null;
    let pos = 0;
    for (const ev of events) {
      if (ev.at > pos) {
        parent.append(text.slice(pos, ev.at));
        pos = ev.at;
      }
      if (ev.page !== undefined) {
        parent.append(h('span', { class: 'page-break', 'data-page': ev.page }));
      } else if (ev.open) {
        mark = h('mark', { id: 'cited-span', tabindex: '-1' });
        parent.append(mark);
        parent = mark;
      } else if (ev.close) {
        parent = body;
      }
    }
    if (pos < text.length) body.append(text.slice(pos));
    ui.viewerText.replaceChildren(body);
    return mark;
  }

  // 'page': a citation with boxes shows its page images; 'text': the text.
  let viewMode = 'page';
  // The answer whose citation is open, to step through its citations.
  let openAnswer = null;
  let openN = 0;

  /** Page images for the pages a citation covers, its boxes outlined. */
  function renderPages(id, doc, citation) {
    const boxes = Array.isArray(citation.boxes) ? citation.boxes : [];
    const pages = [...new Set(boxes.map((b) => Number(b.page)))].filter(Number.isInteger);
    ui.viewerPages.replaceChildren();
    if (!pages.length || !doc.geometry.length) return false;
    // A few widths only, so rendered pages are reused from the cache.
    const want = Math.min(1600, Math.max(600, (ui.viewerPages.clientWidth || 600) * (window.devicePixelRatio || 1)));
    const width = Math.ceil(want / 200) * 200;
    for (const n of pages) {
      const g = doc.geometry.find((p) => Number(p.page) === n);
      if (!g || !(g.width > 0) || !(g.height > 0)) continue;
      const img = h('img', {
        alt: `Page ${n} of ${citation.source || id}, with the cited words outlined`,
        width: g.width,
        height: g.height,
      });
      loadImage(img, `/v1/documents/${encodeURIComponent(id)}/pages/${n}?width=${width}`);
      const canvas = h('div', { class: 'page-canvas', 'data-page': n, 'data-width': g.width, 'data-height': g.height }, img);
      for (const b of boxes.filter((x) => Number(x.page) === n)) {
        const box = h('div', {
          class: 'cited-box',
          'data-x0': b.x0, 'data-y0': b.y0, 'data-x1': b.x1, 'data-y1': b.y1,
        });
        box.style.left = `${(100 * b.x0) / g.width}%`;
        box.style.top = `${(100 * b.y0) / g.height}%`;
        box.style.width = `${(100 * (b.x1 - b.x0)) / g.width}%`;
        box.style.height = `${(100 * (b.y1 - b.y0)) / g.height}%`;
        canvas.append(box);
      }
      const label = citation.ocr ? `Page ${n} (read by OCR)` : `Page ${n}`;
      ui.viewerPages.append(h('figure', { class: 'page-view' }, h('figcaption', { text: label }), canvas));
    }
    return ui.viewerPages.childElementCount > 0;
  }

  function showView(mode) {
    const page = mode === 'page';
    ui.viewerPages.hidden = !page;
    ui.viewerText.hidden = page;
    ui.viewPage.setAttribute('aria-pressed', String(page));
    ui.viewText.setAttribute('aria-pressed', String(!page));
  }

  function answerNumbers() {
    const byN = openAnswer && answerCitations.get(openAnswer);
    return byN ? [...byN.keys()].sort((a, b) => a - b) : [];
  }

  function updateCitationNav() {
    const ns = answerNumbers();
    const at = ns.indexOf(openN);
    ui.prevCitation.disabled = at <= 0;
    ui.nextCitation.disabled = at < 0 || at >= ns.length - 1;
  }

  /** Opens the citation `step` places away in the same answer. */
  function stepCitation(step) {
    const ns = answerNumbers();
    const at = ns.indexOf(openN);
    const next = ns[at + step];
    if (at < 0 || next === undefined) return;
    selectCitation(openAnswer, next);
  }

  /** Opens a document; with a citation, highlights and reveals its span. */
  async function openDocument(id, citation) {
    const token = ++viewToken;
    ui.viewerTools.hidden = true;
    ui.viewerPages.replaceChildren();
    showView('text');
    const meta = docs.get(id);
    const source = (citation && citation.source) || (meta && meta.source) || id;
    ui.viewer.dataset.documentId = id;
    for (const [docId, li] of docItems) li.classList.toggle('is-viewing', docId === id);
    setText(ui.viewerSource, source);
    ui.viewerMeta.textContent = '';
    if (citation) {
      ui.citedPage.textContent = `Page ${citation.page}`;
      ui.citedPage.hidden = false;
    } else {
      ui.citedPage.textContent = '';
      ui.citedPage.hidden = true;
    }
    if (!citation && meta && meta.status !== 'ready') {
      const message = meta.status === 'queued'
        ? `${source} is still being processed. It can be read once it is ready.`
        : `${source} could not be processed${meta.error && meta.error.message ? `: ${meta.error.message}` : '.'}`;
      setMessage(ui.viewerStatus, '');
      showViewerEmpty(message);
      return;
    }
    setMessage(ui.viewerStatus, `Loading ${source}…`);
    ui.viewerText.setAttribute('aria-busy', 'true');
    let doc;
    try {
      doc = await loadText(id);
    } catch (err) {
      if (token !== viewToken) return;
      ui.viewerText.removeAttribute('aria-busy');
      setMessage(ui.viewerStatus, `Cannot open ${source}: ${err.message}`, 'error');
      showViewerEmpty('The document text is not available.');
      return;
    }
    if (token !== viewToken) return;
    ui.viewerText.removeAttribute('aria-busy');
    const pages = doc.pages.length;
    const kind = meta && meta.kind ? String(meta.kind).replace(/_/g, ' ') : '';
    ui.viewerMeta.textContent = [kind, pages ? plural(pages, 'page', 'pages') : ''].filter(Boolean).join(' · ');
    const mark = renderText(doc, citation);
    const onPage = citation ? renderPages(id, doc, citation) : false;
    ui.viewerTools.hidden = !citation;
    ui.viewPage.disabled = !onPage;
    showView(onPage && viewMode === 'page' ? 'page' : 'text');
    updateCitationNav();
    if (citation && onPage && viewMode === 'page') {
      const first = ui.viewerPages.querySelector('.page-view');
      if (first) first.scrollIntoView({ block: 'start', inline: 'nearest' });
      setMessage(ui.viewerStatus, `Showing citation [${citation.n}] on page ${citation.page} of ${source}. The cited words are outlined on the page.`, 'quiet');
    } else if (citation && mark) {
      mark.scrollIntoView({ block: 'center', inline: 'nearest' });
      setMessage(ui.viewerStatus, `Showing citation [${citation.n}] in ${source}, page ${citation.page}. The cited passage is highlighted.`, 'quiet');
    } else if (citation) {
      ui.viewerText.scrollTop = 0;
      setMessage(ui.viewerStatus, `The cited passage could not be located in ${source}.`, 'error');
    } else {
      ui.viewerText.scrollTop = 0;
      setMessage(ui.viewerStatus, `Showing ${source}.`, 'quiet');
    }
  }

  // ---------------------------------------------------------- conversation

  const history = []; // [{role, content}]
  const answerCitations = new WeakMap(); // .answer -> Map(n -> citation)
  let pendingAsk = null; // AbortController of the question in flight

  /** Appends plain text with **bold** spans rendered as <strong>. */
  function appendFormatted(parent, text) {
    const re = /\*\*([^*\n]+)\*\*/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      parent.append(h('strong', { text: m[1] }));
      last = re.lastIndex;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function citeLabel(c) {
    return `Citation ${c.n}: ${c.source}, page ${c.page}`;
  }

  /** Appends the answer text with each known [n] marker as a button. */
  function appendAnswerText(parent, text, byN) {
    const re = /\[(\d{1,4}(?:\s*[,;]\s*\d{1,4})*)\]/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      const numbers = m[1].split(/\s*[,;]\s*/).map(Number);
      if (!numbers.every((n) => byN.has(n))) continue;
      if (m.index > last) appendFormatted(parent, text.slice(last, m.index));
      for (const n of numbers) {
        const c = byN.get(n);
        parent.append(h('button', {
          type: 'button',
          class: 'cite',
          'data-n': n,
          'aria-label': citeLabel(c),
          title: `${c.source}, page ${c.page}`,
        }, `[${n}]`));
      }
      last = re.lastIndex;
    }
    if (last < text.length) appendFormatted(parent, text.slice(last));
  }

  function renderAnswer(data) {
    const citations = Array.isArray(data.citations)
      ? data.citations.filter((c) => c && c.document_id !== undefined)
      : [];
    const byN = new Map();
    for (const c of citations) {
      const n = Number(c.n);
      if (Number.isInteger(n) && !byN.has(n)) byN.set(n, c);
    }
    const prov = data.provenance && typeof data.provenance === 'object' ? data.provenance : {};
    const answer = h('div', {
      class: 'answer',
      'data-request-id': prov.request_id,
      'data-mode': prov.mode,
    });
    answerCitations.set(answer, byN);

    const head = h('div', { class: 'turn-head' }, h('span', { class: 'speaker', text: 'attest' }));
    if (data.subject) head.append(h('span', { class: 'subject', text: `About ${data.subject}` }));
    answer.append(head);

    const text = h('p', { class: 'answer-text' });
    const content = typeof data.answer === 'string' ? data.answer : '';
    appendAnswerText(text, content || 'No answer was returned.', byN);
    answer.append(text);

    if (byN.size) {
      const list = h('ol', { class: 'citations', 'aria-label': 'Sources' });
      for (const [n, c] of [...byN.entries()].sort((a, b) => a[0] - b[0])) {
        const ref = h('button', {
          type: 'button',
          class: 'cite-ref',
          'data-n': n,
        },
        h('span', { class: 'cite-ref-n', text: `[${n}]` }), ' ',
        h('span', { class: 'cite-ref-source', text: `${c.source}, page ${c.page}` }), ': ',
        h('q', { class: 'cite-ref-quote', text: String(c.quote || '') }));
        list.append(h('li', {}, ref));
      }
      answer.append(list);
    }

    const badge = 'Answered without the language model';
    const notes = (Array.isArray(prov.notes) ? prov.notes : [])
      .filter((s) => typeof s === 'string' && s.trim())
      .filter((s) => !(prov.degraded && s.trim().replace(/\.$/, '').toLowerCase() === badge.toLowerCase()));
    if (prov.degraded || notes.length) {
      const note = h('div', { class: 'provenance' });
      if (prov.degraded) note.append(h('span', { class: 'badge', text: badge }));
      if (notes.length) {
        note.append(h('ul', { class: 'notes' }, ...notes.map((s) => h('li', { text: s }))));
      }
      answer.append(note);
    }
    return answer;
  }

  function setAskBusy(busy) {
    if (busy) {
      ui.askButton.setAttribute('aria-disabled', 'true');
      ui.conversation.setAttribute('aria-busy', 'true');
    } else {
      ui.askButton.removeAttribute('aria-disabled');
      ui.conversation.removeAttribute('aria-busy');
    }
  }

  async function ask(question) {
    if (pendingAsk) return;
    ui.intro.hidden = true;
    const turn = h('article', { class: 'turn' },
      h('div', { class: 'question' },
        h('div', { class: 'turn-head' }, h('span', { class: 'speaker', text: 'You' })),
        h('p', { class: 'question-text', text: question })));
    const waiting = h('p', { class: 'answer-pending', text: 'Looking through the documents…' });
    turn.append(waiting);
    ui.conversation.append(turn);
    turn.scrollIntoView({ block: 'nearest' });

    const controller = new AbortController();
    pendingAsk = controller;
    setAskBusy(true);
    const sentHistory = history.slice(-MAX_HISTORY_MESSAGES);
    try {
      const { data } = await request('/v1/ask', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question, history: sentHistory }),
        signal: controller.signal,
      });
      waiting.remove();
      turn.append(renderAnswer(data));
      history.push({ role: 'user', content: question });
      history.push({ role: 'assistant', content: typeof data.answer === 'string' ? data.answer : '' });
      if (ui.question.value.trim() === question) ui.question.value = '';
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      waiting.remove();
      turn.append(h('div', { class: 'ask-error', role: 'alert' },
        h('div', { class: 'turn-head' }, h('span', { class: 'speaker', text: 'attest' })),
        h('p', { text: err.message || 'The question could not be answered.' })));
    } finally {
      if (pendingAsk === controller) {
        pendingAsk = null;
        setAskBusy(false);
      }
    }
    turn.scrollIntoView({ block: 'start' });
  }

  function newConversation() {
    if (pendingAsk) {
      pendingAsk.abort();
      pendingAsk = null;
      setAskBusy(false);
    }
    history.length = 0;
    for (const turn of ui.conversation.querySelectorAll('.turn')) turn.remove();
    ui.intro.hidden = false;
    ui.question.value = '';
    ui.question.focus();
  }

  function selectCitation(answer, n) {
    const byN = answer && answerCitations.get(answer);
    const citation = byN && byN.get(n);
    if (!citation) return;
    clearActiveCitations();
    for (const node of answer.querySelectorAll(`.cite[data-n="${n}"], .cite-ref[data-n="${n}"]`)) {
      node.classList.add('is-active');
      node.setAttribute('aria-current', 'true');
    }
    openAnswer = answer;
    openN = n;
    openDocument(String(citation.document_id), { ...citation, n });
  }

  function onConversationClick(event) {
    const target = event.target.closest('.cite, .cite-ref');
    if (!target || !ui.conversation.contains(target)) return;
    selectCitation(target.closest('.answer'), Number(target.dataset.n));
  }

  // --------------------------------------------------------------- wiring

  ui.skip.addEventListener('click', (event) => {
    event.preventDefault();
    ui.question.focus();
  });

  ui.askForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const question = ui.question.value.trim();
    if (!question) {
      ui.question.focus();
      return;
    }
    if (pendingAsk) return;
    ask(question);
  });

  ui.newConversation.addEventListener('click', newConversation);
  ui.viewPage.addEventListener('click', () => {
    viewMode = 'page';
    showView('page');
  });
  ui.viewText.addEventListener('click', () => {
    viewMode = 'text';
    showView('text');
    const mark = $('cited-span');
    if (mark) mark.scrollIntoView({ block: 'center', inline: 'nearest' });
  });
  ui.prevCitation.addEventListener('click', () => stepCitation(-1));
  ui.nextCitation.addEventListener('click', () => stepCitation(1));
  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const t = event.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    if (event.key === '[') stepCitation(-1);
    else if (event.key === ']') stepCitation(1);
  });
  ui.conversation.addEventListener('click', onConversationClick);

  ui.documents.addEventListener('click', (event) => {
    const open = event.target.closest('.doc-open');
    if (!open) return;
    const id = open.closest('.document').dataset.id;
    clearActiveCitations();
    openAnswer = null;
    openDocument(id, null);
  });

  ui.documentsFilter.addEventListener('input', applyFilter);
  ui.documentsRefresh.addEventListener('click', () => refreshDocuments());
  ui.uploadForm.addEventListener('submit', upload);

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !pollTimer && !refreshing) refreshDocuments();
  });

  refreshDocuments();
})();
