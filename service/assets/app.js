// attest web app: ask questions with cited answers, read the cited passage
// in its source document, manage the document library, roll up a bill of
// materials and review uncertain values.
//
// Offsets in citations (`start`, `end`) and in a document's `pages` are
// Unicode code point offsets into the document text. JavaScript strings are
// indexed in UTF-16 code units, so every offset goes through a per-document
// code point index before slicing.
'use strict';

(() => {
  const POLL_QUEUED_MS = 2000;
  const POLL_RETRY_MS = 5000;
  const BOM_POLL_MS = 500;
  const REVIEW_FILTER_DELAY_MS = 350;
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
    layout: $('layout'),
    tabs: $('tabs'),
    documentsPanel: $('documents-panel'),
    askPanel: $('ask-panel'),
    bomPanel: $('bom-panel'),
    bomForm: $('bom-form'),
    bomFile: $('bom-file'),
    bomName: $('bom-name'),
    bomRun: $('bom-run'),
    bomJob: $('bom-job'),
    bomStatus: $('bom-status'),
    bomProgress: $('bom-progress'),
    bomProgressLabel: $('bom-progress-label'),
    bomResult: $('bom-result'),
    bomResultHeading: $('bom-result-heading'),
    bomCsv: $('bom-csv'),
    bomXlsx: $('bom-xlsx'),
    bomExportStatus: $('bom-export-status'),
    bomTotals: $('bom-totals'),
    bomChartMaterial: $('bom-chart-material'),
    bomChartOrigin: $('bom-chart-origin'),
    bomLines: $('bom-lines'),
    bomLinesCount: $('bom-lines-count'),
    bomLinesEmpty: $('bom-lines-empty'),
    bomStatusFilter: $('bom-status-filter'),
    reviewPanel: $('review-panel'),
    reviewCount: $('review-count'),
    reviewRefresh: $('review-refresh'),
    reviewFilters: $('review-filters'),
    reviewStatusFilter: $('review-status-filter'),
    reviewFieldFilter: $('review-field-filter'),
    reviewSubjectFilter: $('review-subject-filter'),
    reviewStatus: $('review-status'),
    reviewList: $('review-list'),
    reviewEmpty: $('review-empty'),
    reviewItem: $('review-item'),
    reviewItemTitle: $('review-item-title'),
    reviewItemStatus: $('review-item-status'),
    reviewFacts: $('review-facts'),
    reviewAccept: $('review-accept'),
    reviewCorrect: $('review-correct'),
    reviewReject: $('review-reject'),
    reviewRejectForm: $('review-reject-form'),
    reviewRejectReason: $('review-reject-reason'),
    reviewCorrectForm: $('review-correct-form'),
    reviewCorrectValue: $('review-correct-value'),
    reviewCorrectReason: $('review-correct-reason'),
    reviewEvidence: $('review-evidence'),
    reviewDecisionStatus: $('review-decision-status'),
    reviewSubjects: $('review-subjects'),
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

  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

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

  /** Code point offset of UTF-16 offset `u` (the boundary at or before it). */
  function toCodePoint(index, u) {
    let lo = 0;
    let hi = index.length - 1;
    if (u <= 0) return 0;
    if (u >= index[hi]) return hi;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (index[mid] <= u) lo = mid;
      else hi = mid - 1;
    }
    return lo;
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
    updateSubjects();
    if (focusedId && !ui.documents.contains(document.activeElement)) {
      docItems.get(focusedId)?.parts.open.focus();
    }
    if (announcements.length) setMessage(ui.documentsStatus, announcements.join(' '), 'ok');
  }

  /** Part numbers the documents name, offered by the review filter. */
  function updateSubjects() {
    const subjects = new Set();
    for (const meta of docs.values()) {
      for (const s of Array.isArray(meta.subjects) ? meta.subjects : []) {
        if (typeof s === 'string' && s) subjects.add(s);
      }
    }
    const sorted = [...subjects].sort(collator.compare);
    const key = sorted.join('\n');
    if (ui.reviewSubjects.dataset.key !== key) {
      ui.reviewSubjects.dataset.key = key;
      ui.reviewSubjects.replaceChildren(...sorted.map((value) => h('option', { value })));
    }
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
    for (const node of document.querySelectorAll('#conversation .is-active, #bom-lines .is-active')) {
      node.classList.remove('is-active');
      node.removeAttribute('aria-current');
    }
  }

  /** How status messages name a citation: its marker, or what it supports. */
  function citationName(citation) {
    if (citation.n !== undefined) return `citation [${citation.n}]`;
    return citation.label || 'the citation';
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

  // The document text shown in the viewer, once loaded.
  let viewerDoc = null;

  /**
   * Opens a document; with a citation, highlights and reveals its span.
   * `options.view` `'text'` shows the text even when the page could be shown.
   */
  async function openDocument(id, citation, options = {}) {
    const token = ++viewToken;
    viewerDoc = null;
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
    viewerDoc = doc;
    ui.viewerText.removeAttribute('aria-busy');
    const pages = doc.pages.length;
    const kind = meta && meta.kind ? String(meta.kind).replace(/_/g, ' ') : '';
    ui.viewerMeta.textContent = [kind, pages ? plural(pages, 'page', 'pages') : ''].filter(Boolean).join(' · ');
    const mark = renderText(doc, citation);
    const onPage = citation ? renderPages(id, doc, citation) : false;
    ui.viewerTools.hidden = !citation;
    ui.viewPage.disabled = !onPage;
    const pageView = onPage && viewMode === 'page' && options.view !== 'text';
    showView(pageView ? 'page' : 'text');
    updateCitationNav();
    if (citation && pageView) {
      const first = ui.viewerPages.querySelector('.page-view');
      if (first) first.scrollIntoView({ block: 'start', inline: 'nearest' });
      setMessage(ui.viewerStatus, `Showing ${citationName(citation)} on page ${citation.page} of ${source}. The cited words are outlined on the page.`, 'quiet');
    } else if (citation && mark) {
      mark.scrollIntoView({ block: 'center', inline: 'nearest' });
      setMessage(ui.viewerStatus, `Showing ${citationName(citation)} in ${source}, page ${citation.page}. The cited passage is highlighted.`, 'quiet');
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

  // ------------------------------------------------------------------ tabs

  let activeTab = 'ask';

  function selectTab(name, focus) {
    activeTab = name;
    ui.layout.dataset.tab = name;
    for (const tab of ui.tabs.querySelectorAll('[role="tab"]')) {
      const on = tab.dataset.tab === name;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    }
    ui.documentsPanel.hidden = name !== 'ask';
    ui.askPanel.hidden = name !== 'ask';
    ui.bomPanel.hidden = name !== 'bom';
    ui.reviewPanel.hidden = name !== 'review';
    if (name === 'review' && !review.loaded) loadReview();
  }

  function onTabKey(event) {
    const tabs = [...ui.tabs.querySelectorAll('[role="tab"]')];
    const at = tabs.indexOf(event.target);
    if (at < 0) return;
    let next = null;
    if (event.key === 'ArrowRight') next = tabs[(at + 1) % tabs.length];
    else if (event.key === 'ArrowLeft') next = tabs[(at - 1 + tabs.length) % tabs.length];
    else if (event.key === 'Home') next = tabs[0];
    else if (event.key === 'End') next = tabs[tabs.length - 1];
    if (!next) return;
    event.preventDefault();
    selectTab(next.dataset.tab, true);
  }

  // ------------------------------------------------------------- numbers

  const numberFormats = {
    small: new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 }),
    3: new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 }),
    1: new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }),
  };

  /** A measured number: three significant digits below 1, fewer decimals above. */
  function formatNumber(x) {
    const a = Math.abs(x);
    if (a > 0 && a < 1) return numberFormats.small.format(x);
    return numberFormats[a < 100 ? 3 : 1].format(x);
  }

  /** A mass in grams, in g or kg. */
  function formatMass(grams) {
    const g = Number(grams);
    if (grams === null || grams === undefined || !Number.isFinite(g)) return '';
    if (Math.abs(g) >= 1000) return `${formatNumber(g / 1000)} kg`;
    return `${formatNumber(g)} g`;
  }

  function formatShare(share) {
    const x = Number(share);
    if (share === null || share === undefined || !Number.isFinite(x)) return '';
    if (x > 0 && x < 0.001) return '<0.1%';
    return `${(100 * x).toFixed(1).replace(/\.0$/, '')}%`;
  }

  function formatConfidence(c) {
    const x = Number(c);
    return Number.isFinite(x) ? x.toFixed(2) : '';
  }

  let regionNames = null;
  try {
    regionNames = new Intl.DisplayNames(undefined, { type: 'region' });
  } catch {
    regionNames = null;
  }

  /** `DE` as `Germany (DE)`, when the browser knows the code. */
  function countryName(code) {
    const c = String(code || '');
    if (regionNames && /^[A-Z]{2}$/.test(c)) {
      try {
        const name = regionNames.of(c);
        if (name && name !== c) return `${name} (${c})`;
      } catch {
        /* not a region code */
      }
    }
    return c;
  }

  // ----------------------------------------------------------------- BOM

  const BOM_STATUSES = ['found', 'partial', 'ambiguous', 'not_found'];
  const BOM_STATUS_LABEL = { found: 'found', partial: 'partial', ambiguous: 'ambiguous', not_found: 'not found' };

  const bom = {
    job: null,
    rows: [], // [{index, line, unitMass, cells}]
    timer: null,
    token: 0,
    busy: false,
    sort: { key: 'line', dir: 1 },
  };

  function stopBomPoll() {
    clearTimeout(bom.timer);
    bom.timer = null;
  }

  async function runBom(event) {
    event.preventDefault();
    if (bom.busy) return;
    const file = ui.bomFile.files && ui.bomFile.files[0];
    ui.bomJob.hidden = false;
    if (!file) {
      ui.bomProgress.parentElement.hidden = true;
      setMessage(ui.bomStatus, 'Choose a CSV or XLSX file first.', 'error');
      ui.bomFile.focus();
      return;
    }
    stopBomPoll();
    const token = ++bom.token;
    bom.job = null;
    const name = ui.bomName.value.trim();
    const params = new URLSearchParams({ async: 'true' });
    if (name) params.set('name', name);
    const form = new FormData();
    form.append('file', file, file.name);
    bom.busy = true;
    ui.bomRun.setAttribute('aria-disabled', 'true');
    ui.bomResult.hidden = true;
    ui.bomProgress.parentElement.hidden = true;
    setMessage(ui.bomStatus, `Uploading ${file.name}…`);
    try {
      const { data } = await request(`/v1/bom?${params}`, { method: 'POST', body: form });
      if (token === bom.token) showBomJob(data);
    } catch (err) {
      if (token === bom.token) setMessage(ui.bomStatus, `${file.name} was not rolled up: ${err.message}`, 'error');
    } finally {
      bom.busy = false;
      ui.bomRun.removeAttribute('aria-disabled');
    }
  }

  function showBomJob(job) {
    bom.job = job;
    const lines = Math.max(0, Number(job.lines) || 0);
    const done = Math.min(lines, Math.max(0, Number(job.done) || 0));
    const name = job.name ? `“${job.name}”` : 'the BOM';
    ui.bomJob.hidden = false;
    ui.bomJob.dataset.status = job.status;
    ui.bomProgress.parentElement.hidden = false;
    ui.bomProgress.max = Math.max(lines, 1);
    ui.bomProgress.value = job.status === 'done' ? Math.max(lines, 1) : done;
    setText(ui.bomProgressLabel, `${done} of ${plural(lines, 'line', 'lines')}`);
    if (job.status === 'queued' || job.status === 'running') {
      setMessage(ui.bomStatus, job.status === 'queued'
        ? `${name} is waiting to be rolled up…`
        : `Rolling up ${name}…`);
      bom.timer = setTimeout(pollBom, BOM_POLL_MS);
    } else if (job.status === 'done' && job.result && Array.isArray(job.result.lines)) {
      setMessage(ui.bomStatus, `Rolled up ${name}: ${plural(lines, 'line', 'lines')}.`, 'ok');
      renderBomResult(job.result);
    } else if (job.status === 'done') {
      setMessage(ui.bomStatus, 'The roll-up finished but its result could not be read.', 'error');
    } else {
      setMessage(ui.bomStatus, `The roll-up of ${name} failed: ${job.error || 'no reason was given.'}`, 'error');
    }
  }

  async function pollBom() {
    bom.timer = null;
    const token = bom.token;
    const job = bom.job;
    if (!job || !job.id) return;
    try {
      const { data } = await request(`/v1/bom/${encodeURIComponent(job.id)}`);
      if (token === bom.token) showBomJob(data);
    } catch (err) {
      if (token !== bom.token) return;
      if (err.status === 404) {
        setMessage(ui.bomStatus, 'The roll-up is no longer known to the service. Please run it again.', 'error');
        return;
      }
      setMessage(ui.bomStatus, `Cannot read the roll-up's progress (${err.message}). Trying again…`, 'error');
      bom.timer = setTimeout(pollBom, POLL_RETRY_MS);
    }
  }

  function totalEntry(key, term, value, detail) {
    return h('div', { class: 'total', 'data-total': key },
      h('dt', { text: term }),
      h('dd', {}, h('span', { class: 'total-value', text: value }),
        detail ? h('span', { class: 'total-detail', text: detail }) : null));
  }

  function renderTotals(totals, lineCount) {
    const t = totals && typeof totals === 'object' ? totals : {};
    const lines = Number(t.lines ?? lineCount) || 0;
    const withMass = Number(t.lines_with_mass) || 0;
    const rec = t.recycled && typeof t.recycled === 'object' ? t.recycled : {};
    const share = rec.share_of_covered;
    const byStatus = t.by_status && typeof t.by_status === 'object' ? t.by_status : {};
    const statusDd = h('dd', { class: 'status-counts' });
    for (const status of BOM_STATUSES) {
      const n = Number(byStatus[status]) || 0;
      statusDd.append(h('span', {
        class: `status status-${status}`,
        'data-status': status,
        'data-count': n,
        text: `${n} ${BOM_STATUS_LABEL[status]}`,
      }));
    }
    ui.bomTotals.replaceChildren(
      totalEntry('mass', 'Total mass', formatMass(t.mass_g) || '0 g',
        `${withMass} of ${plural(lines, 'line has', 'lines have')} a mass`),
      totalEntry('recycled', 'Recycled content',
        share === null || share === undefined ? 'not stated' : formatShare(share),
        share === null || share === undefined
          ? 'No line with a mass states its recycled content'
          : `of the ${formatMass(rec.covered_mass_g)} whose recycled content is stated (${formatMass(rec.recycled_mass_g)} recycled)`),
      h('div', { class: 'total', 'data-total': 'status' }, h('dt', { text: 'Lines by status' }), statusDd),
    );
  }

  function shareLabel(key, kind) {
    if (key === 'unattributed') return 'Not attributed';
    if (key === 'unknown') return 'Unknown';
    return kind === 'origin' ? countryName(key) : String(key);
  }

  /** Horizontal bars, one per share, widths set through the CSSOM. */
  function renderChart(figure, shares, kind) {
    const bars = figure.querySelector('.chart-bars');
    const list = (Array.isArray(shares) ? shares : []).filter((s) => s && Number(s.mass_g) > 0);
    if (!list.length) {
      bars.replaceChildren(h('p', { class: 'chart-empty', text: 'No mass to show.' }));
      return;
    }
    bars.replaceChildren(...list.map((s) => {
      const bar = h('span', { class: `chart-bar${s.key === 'unattributed' || s.key === 'unknown' ? ' is-unknown' : ''}` });
      bar.style.width = `${Math.max(0, Math.min(1, Number(s.share) || 0)) * 100}%`;
      return h('div', { class: 'chart-row', 'data-key': s.key },
        h('span', { class: 'chart-key', text: shareLabel(s.key, kind) }),
        h('span', { class: 'chart-track', 'aria-hidden': 'true' }, bar),
        h('span', { class: 'chart-value', text: `${formatMass(s.mass_g)} · ${formatShare(s.share)}` }));
    }));
  }

  /** A value that opens its citation when selected, or plain text without one. */
  function citedValue(text, citation, row, field, k, label) {
    if (!citation || citation.document_id === undefined) return h('span', { class: 'value', text });
    return h('button', {
      type: 'button',
      class: 'value-cite',
      'data-row': row,
      'data-field': field,
      'data-k': k,
      'aria-label': `${label}: ${text}. Show the cited passage.`,
      title: `Show the cited passage${citation.page ? ` (page ${citation.page})` : ''}`,
    }, text);
  }

  function firstCitation(value) {
    return value && Array.isArray(value.citations) ? value.citations[0] : null;
  }

  function bomRows(result) {
    return result.lines.map((line, index) => {
      const fields = (line.extraction && line.extraction.fields) || {};
      const mass = fields.mass && typeof fields.mass === 'object' ? fields.mass : null;
      const unitMass = mass && Number.isFinite(Number(mass.grams)) ? Number(mass.grams) : null;
      return {
        index,
        line,
        unitMass,
        citations: {
          mass: [firstCitation(mass)],
          materials: (Array.isArray(fields.materials) ? fields.materials : []).map(firstCitation),
          origin: (Array.isArray(fields.origin) ? fields.origin : []).map(firstCitation),
          recycled_content: (Array.isArray(fields.recycled_content) ? fields.recycled_content : []).map(firstCitation),
        },
        fields: { mass, materials: fields.materials, origin: fields.origin, recycled: fields.recycled_content },
      };
    });
  }

  function valueList(items, render) {
    const list = Array.isArray(items) ? items : [];
    if (!list.length) return h('span', { class: 'none', text: '–' });
    const wrap = h('span', { class: 'values' });
    list.forEach((item, k) => wrap.append(render(item, k)));
    return wrap;
  }

  function buildBomRow(r) {
    const { line, fields } = r;
    const what = `line ${line.line} (${line.part})`;
    const reasons = Array.isArray(line.reasons) ? line.reasons.filter((x) => typeof x === 'string') : [];
    const status = BOM_STATUSES.includes(line.status) ? line.status : 'unknown';
    const massText = r.unitMass === null ? '' : formatMass(r.unitMass);
    const tr = h('tr', { 'data-line': line.line, 'data-status': line.status },
      h('td', { class: 'cell-line', text: line.line }),
      h('td', { class: 'cell-part' },
        h('span', { class: 'part', text: line.part }),
        line.description ? h('span', { class: 'part-description', text: line.description }) : null),
      h('td', { class: 'num', text: `${numberFormats[3].format(Number(line.quantity) || 0)}${line.unit ? ` ${line.unit}` : ''}` }),
      h('td', { class: 'cell-status' },
        h('span', { class: `status status-${status}`, text: BOM_STATUS_LABEL[status] || String(line.status || 'unknown') }),
        reasons.length ? h('span', { class: 'line-reasons', text: reasons.join('; ') }) : null),
      h('td', { class: 'num cell-mass' }, massText
        ? citedValue(massText, r.citations.mass[0], r.index, 'mass', 0, `Unit mass of ${what}`)
        : h('span', { class: 'none', text: '–' })),
      h('td', { class: 'num', text: line.line_mass_g === null || line.line_mass_g === undefined ? '–' : formatMass(line.line_mass_g) }),
      h('td', { class: 'num', text: formatConfidence(line.confidence) }),
      h('td', { class: 'cell-materials' }, valueList(fields.materials, (m, k) => citedValue(
        `${m.name}${Number.isFinite(Number(m.share)) ? ` ${formatShare(m.share)}` : ''}`,
        r.citations.materials[k], r.index, 'materials', k, `Material of ${what}`))),
      h('td', { class: 'cell-origin' }, valueList(fields.origin, (o, k) => citedValue(
        String(o.country), r.citations.origin[k], r.index, 'origin', k, `Origin of ${what}`))),
      h('td', { class: 'num cell-recycled' }, valueList(fields.recycled, (v, k) => citedValue(
        `${numberFormats[1].format(Number(v.percent))}%${v.scope ? ` ${v.scope}` : ''}`,
        r.citations.recycled_content[k], r.index, 'recycled_content', k, `Recycled content of ${what}`))),
    );
    r.tr = tr;
    return tr;
  }

  const STATUS_ORDER = { found: 0, partial: 1, ambiguous: 2, not_found: 3 };

  function sortValue(r, key) {
    switch (key) {
      case 'quantity': return Number(r.line.quantity);
      case 'status': return STATUS_ORDER[r.line.status] ?? 9;
      case 'unit_mass': return r.unitMass;
      case 'line_mass': return r.line.line_mass_g ?? null;
      case 'confidence': return Number(r.line.confidence);
      case 'part': return String(r.line.part || '');
      default: return String(r.line.line || '');
    }
  }

  function compareRows(a, b) {
    const { key, dir } = bom.sort;
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    const xMissing = x === null || x === undefined || (typeof x === 'number' && !Number.isFinite(x));
    const yMissing = y === null || y === undefined || (typeof y === 'number' && !Number.isFinite(y));
    let c = 0;
    if (xMissing || yMissing) {
      c = xMissing === yMissing ? 0 : xMissing ? 1 : -1; // missing values last either way
      return c || a.index - b.index;
    }
    c = typeof x === 'string' ? collator.compare(x, y) : x - y;
    return dir * c || a.index - b.index;
  }

  function renderBomLines() {
    const filter = ui.bomStatusFilter.value;
    const tbody = ui.bomLines.tBodies[0];
    const sorted = [...bom.rows].sort(compareRows);
    let shown = 0;
    for (const r of sorted) {
      const visible = !filter || r.line.status === filter;
      r.tr.hidden = !visible;
      if (visible) shown += 1;
      tbody.append(r.tr);
    }
    for (const th of ui.bomLines.tHead.querySelectorAll('th[data-sort]')) {
      if (th.dataset.sort === bom.sort.key) th.setAttribute('aria-sort', bom.sort.dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    const total = bom.rows.length;
    ui.bomLinesCount.textContent = shown === total ? `(${total})` : `(${shown} of ${total})`;
    ui.bomLinesEmpty.hidden = shown > 0;
  }

  function renderBomResult(result) {
    ui.bomResult.hidden = false;
    setMessage(ui.bomExportStatus, '');
    setText(ui.bomResultHeading, result.name ? `Roll-up of ${result.name}` : 'Roll-up');
    renderTotals(result.totals, result.lines.length);
    const totals = result.totals || {};
    renderChart(ui.bomChartMaterial, totals.mass_by_material, 'material');
    renderChart(ui.bomChartOrigin, totals.origin_by_mass, 'origin');
    bom.rows = bomRows(result);
    ui.bomLines.tBodies[0].replaceChildren(...bom.rows.map(buildBomRow));
    const counts = {};
    for (const r of bom.rows) counts[r.line.status] = (counts[r.line.status] || 0) + 1;
    for (const option of ui.bomStatusFilter.options) {
      if (!option.value) {
        option.textContent = `All (${bom.rows.length})`;
      } else {
        const label = BOM_STATUS_LABEL[option.value] || option.value;
        option.textContent = `${label[0].toUpperCase()}${label.slice(1)} (${counts[option.value] || 0})`;
      }
    }
    renderBomLines();
  }

  function onBomSort(event) {
    const th = event.target.closest('th[data-sort]');
    if (!th || !event.target.closest('button')) return;
    const key = th.dataset.sort;
    bom.sort = bom.sort.key === key ? { key, dir: -bom.sort.dir } : { key, dir: 1 };
    renderBomLines();
  }

  function onBomValue(event) {
    const button = event.target.closest('.value-cite');
    if (!button) return;
    const r = bom.rows[Number(button.dataset.row)];
    const list = r && r.citations[button.dataset.field];
    const citation = list && list[Number(button.dataset.k)];
    if (!citation) return;
    clearActiveCitations();
    button.classList.add('is-active');
    button.setAttribute('aria-current', 'true');
    openAnswer = null;
    const field = { mass: 'mass', materials: 'material', origin: 'origin', recycled_content: 'recycled content' }[button.dataset.field];
    openDocument(String(citation.document_id), {
      ...citation,
      label: `the ${field} of line ${r.line.line} (${r.line.part})`,
    });
  }

  /** Downloads the finished roll-up in `format` (`csv` or `xlsx`). */
  async function downloadBom(format) {
    const job = bom.job;
    if (!job || !job.id) return;
    const label = format.toUpperCase();
    setMessage(ui.bomExportStatus, `Preparing the ${label} file…`);
    try {
      let response;
      try {
        response = await fetch(`/v1/bom/${encodeURIComponent(job.id)}?format=${format}`, { headers: authHeaders() });
      } catch {
        throw new ApiFailure('Cannot reach the service. Check the connection and try again.', 0, 'network');
      }
      if (!response.ok) {
        let message = '';
        try {
          const data = JSON.parse(await response.text());
          message = data && data.error && data.error.message;
        } catch {
          message = '';
        }
        throw new ApiFailure(message || describeStatus(response.status, response.statusText), response.status);
      }
      const blob = await response.blob();
      const disposition = response.headers.get('content-disposition') || '';
      const m = /filename="?([^";]+)"?/i.exec(disposition);
      const fallback = (job.name || 'bom').replace(/[^A-Za-z0-9-]+/g, '_') || 'bom';
      const filename = m ? m[1] : `${fallback}.${format}`;
      const href = URL.createObjectURL(blob);
      const link = h('a', { href, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(href), 60_000);
      setMessage(ui.bomExportStatus, `Downloaded ${filename}.`, 'ok');
    } catch (err) {
      setMessage(ui.bomExportStatus, `The ${label} file could not be downloaded: ${err.message}`, 'error');
    }
  }

  // -------------------------------------------------------------- review

  const REVIEW_FIELD_LABEL = {
    mass: 'mass',
    origin: 'origin',
    materials: 'material',
    recycled_content: 'recycled content',
  };
  const REVIEW_SCOPE_MESSAGE = 'This API key may not review values: the review queue needs a key with the review scope. Ask an administrator for one.';

  const review = {
    items: [],
    selected: -1,
    loaded: false,
    token: 0,
    busy: false,
    filterTimer: null,
    evidence: null, // {document_id, start, end, quote} while correcting
  };

  function reviewWhat(item) {
    return `the ${REVIEW_FIELD_LABEL[item.field] || item.field} of ${item.subject}`;
  }

  function reviewFailure(err, doing) {
    if (err.status === 403) return REVIEW_SCOPE_MESSAGE;
    return `${doing}: ${err.message}`;
  }

  async function loadReview(keepId) {
    const params = new URLSearchParams({ status: ui.reviewStatusFilter.value || 'open', limit: '500' });
    if (ui.reviewFieldFilter.value) params.set('field', ui.reviewFieldFilter.value);
    const subject = ui.reviewSubjectFilter.value.trim();
    if (subject) params.set('subject', subject);
    const token = ++review.token;
    review.loaded = true;
    ui.reviewList.setAttribute('aria-busy', 'true');
    setMessage(ui.reviewStatus, 'Loading the review queue…', 'quiet');
    try {
      const { data } = await request(`/v1/review?${params}`);
      if (token !== review.token) return;
      review.items = (Array.isArray(data.items) ? data.items : []).filter((x) => x && typeof x.id === 'string');
      setMessage(ui.reviewStatus, '');
    } catch (err) {
      if (token !== review.token) return;
      review.items = [];
      if (err.status !== 403) review.loaded = false;
      setMessage(ui.reviewStatus, reviewFailure(err, 'Cannot load the review queue'), 'error');
    } finally {
      if (token === review.token) ui.reviewList.removeAttribute('aria-busy');
    }
    if (token !== review.token) return;
    renderReviewList();
    const keep = keepId ? review.items.findIndex((x) => x.id === keepId) : -1;
    selectReview(keep >= 0 ? keep : review.items.length ? 0 : -1, { focus: false });
  }

  function scheduleReviewLoad() {
    clearTimeout(review.filterTimer);
    review.filterTimer = setTimeout(() => loadReview(), REVIEW_FILTER_DELAY_MS);
  }

  function reviewStatusChip(status) {
    const s = ['open', 'accepted', 'corrected', 'rejected'].includes(status) ? status : 'unknown';
    return h('span', { class: `status status-review-${s}`, text: String(status || 'unknown') });
  }

  function buildReviewEntry(item, i) {
    const button = h('button', {
      type: 'button',
      class: 'review-open',
      'data-index': i,
      'data-id': item.id,
    },
    h('span', { class: 'review-subject', text: item.subject }),
    h('span', { class: 'review-value', text: `${REVIEW_FIELD_LABEL[item.field] || item.field}: ${item.value}` }),
    h('span', { class: 'review-confidence', text: `confidence ${formatConfidence(item.confidence)}` }),
    reviewStatusChip(item.status));
    return h('li', { class: 'review-entry', 'data-id': item.id, 'data-status': item.status }, button);
  }

  function renderReviewList() {
    ui.reviewList.replaceChildren(...review.items.map(buildReviewEntry));
    ui.reviewList.hidden = review.items.length === 0;
    const open = review.items.filter((x) => x.status === 'open').length;
    ui.reviewCount.textContent = review.items.length ? `(${open} open)` : '';
    ui.reviewEmpty.hidden = review.items.length > 0 || !review.loaded;
  }

  function updateReviewEntry(i) {
    const old = ui.reviewList.children[i];
    const li = buildReviewEntry(review.items[i], i);
    if (old) old.replaceWith(li);
    const open = review.items.filter((x) => x.status === 'open').length;
    ui.reviewCount.textContent = `(${open} open)`;
    return li;
  }

  function fact(term, ...value) {
    return h('div', { class: 'fact' }, h('dt', { text: term }), h('dd', {}, ...value));
  }

  function describeDecision(d) {
    const when = Number(d.decided_at) > 0 ? new Date(Number(d.decided_at) * 1000).toLocaleString() : '';
    const verb = { accept: 'Accepted', correct: 'Corrected', reject: 'Rejected' }[d.decision] || String(d.decision);
    return [
      verb,
      d.value ? ` to ${d.value}` : '',
      d.reviewer ? ` by ${d.reviewer}` : '',
      when ? ` on ${when}` : '',
      d.reason ? `: ${d.reason}` : '',
    ].join('');
  }

  function renderReviewItem(item) {
    setText(ui.reviewItemTitle, `${item.subject}: ${REVIEW_FIELD_LABEL[item.field] || item.field}`);
    ui.reviewItemStatus.textContent = item.status;
    ui.reviewItemStatus.className = reviewStatusChip(item.status).className;
    ui.reviewItem.dataset.id = item.id;
    ui.reviewItem.dataset.status = item.status;
    const c = item.citation;
    const alternatives = Array.isArray(item.alternatives) ? item.alternatives : [];
    ui.reviewFacts.replaceChildren(
      fact('Value', h('strong', { class: 'review-item-value', text: item.value })),
      fact('Confidence', `${formatConfidence(item.confidence)}${item.extractor ? ` (${item.extractor})` : ''}`),
      fact('In the queue because', item.reason || '–'),
      fact('Other values', alternatives.length
        ? h('ul', { class: 'alternatives' }, ...alternatives.map((a) => h('li', { text: a })))
        : 'none'),
      fact('Cited', c
        ? h('span', {}, `page ${c.page}: `, h('q', { class: 'cite-ref-quote', text: String(c.quote || '') }))
        : 'no citation'),
      item.decision ? fact('Decision', describeDecision(item.decision)) : null,
    );
    const open = item.status === 'open';
    for (const b of [ui.reviewAccept, ui.reviewCorrect, ui.reviewReject]) b.disabled = !open;
  }

  function closeReviewForms() {
    ui.reviewRejectForm.hidden = true;
    ui.reviewCorrectForm.hidden = true;
    review.evidence = null;
  }

  /** Shows item `i` and its cited span in the document text. */
  function selectReview(i, { focus = true } = {}) {
    closeReviewForms();
    setMessage(ui.reviewDecisionStatus, '');
    review.selected = i;
    for (const li of ui.reviewList.children) {
      const on = Number(li.firstElementChild.dataset.index) === i;
      li.classList.toggle('is-selected', on);
      if (on) li.firstElementChild.setAttribute('aria-current', 'true');
      else li.firstElementChild.removeAttribute('aria-current');
    }
    const item = review.items[i];
    ui.reviewItem.hidden = !item;
    if (!item) return;
    renderReviewItem(item);
    const li = ui.reviewList.children[i];
    if (li) {
      li.scrollIntoView({ block: 'nearest' });
      if (focus) li.firstElementChild.focus();
    }
    clearActiveCitations();
    openAnswer = null;
    if (item.citation && item.citation.document_id !== undefined) {
      openDocument(String(item.citation.document_id), { ...item.citation, label: reviewWhat(item) }, { view: 'text' });
    } else if (item.document_id) {
      openDocument(String(item.document_id), null);
    }
  }

  function stepReview(step) {
    if (!review.items.length) return;
    const at = review.selected < 0 ? (step > 0 ? -1 : review.items.length) : review.selected;
    const next = at + step;
    if (next < 0 || next >= review.items.length) return;
    selectReview(next);
  }

  function currentReviewItem() {
    return review.items[review.selected] || null;
  }

  async function decideReview(body) {
    const i = review.selected;
    const item = review.items[i];
    if (!item || item.status !== 'open' || review.busy) return;
    review.busy = true;
    for (const b of [ui.reviewAccept, ui.reviewCorrect, ui.reviewReject]) b.setAttribute('aria-disabled', 'true');
    setMessage(ui.reviewDecisionStatus, 'Saving the decision…');
    try {
      const { data } = await request(`/v1/review/${encodeURIComponent(item.id)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const updated = data.id === item.id ? data : { ...item, ...data, id: item.id };
      review.items[i] = updated;
      updateReviewEntry(i);
      const verb = { accepted: 'Accepted', corrected: 'Corrected', rejected: 'Rejected' }[updated.status] || 'Decided';
      const what = `${verb} ${reviewWhat(updated)}${updated.status === 'corrected' && updated.decision && updated.decision.value ? `: now ${updated.decision.value}` : ` (${updated.value})`}.`;
      setMessage(ui.reviewStatus, what, 'ok');
      const next = review.items.findIndex((x, k) => k > i && x.status === 'open');
      if (next >= 0) selectReview(next);
      else selectReview(i);
    } catch (err) {
      if (err.status === 409) {
        setMessage(ui.reviewStatus, `${reviewWhat(item)} was already decided; the queue is reloaded.`, 'error');
        loadReview(item.id);
      } else {
        setMessage(ui.reviewDecisionStatus, reviewFailure(err, 'The decision was not saved'), 'error');
      }
    } finally {
      review.busy = false;
      for (const b of [ui.reviewAccept, ui.reviewCorrect, ui.reviewReject]) b.removeAttribute('aria-disabled');
    }
  }

  function startReject() {
    const item = currentReviewItem();
    if (!item || item.status !== 'open') return;
    ui.reviewCorrectForm.hidden = true;
    ui.reviewRejectForm.hidden = false;
    ui.reviewRejectReason.value = '';
    ui.reviewRejectReason.focus();
  }

  /**
   * The selection in the shown document text as code point offsets of the
   * whole text, without surrounding white space; null without one.
   */
  function selectedSpan() {
    const sel = window.getSelection();
    const body = ui.viewerText.querySelector('.doc-text');
    const doc = viewerDoc;
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed || !body || !doc || ui.viewerText.hidden) return null;
    const range = sel.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) return null;
    // Page markers have no text of their own, so the text before the
    // selection in the rendered text is the document text before it.
    const before = document.createRange();
    before.selectNodeContents(body);
    before.setEnd(range.startContainer, range.startOffset);
    let start = before.toString().length;
    let end = start + range.toString().length;
    while (start < end && /\s/.test(doc.text[start])) start += 1;
    while (end > start && /\s/.test(doc.text[end - 1])) end -= 1;
    if (end <= start) return null;
    return {
      document_id: doc.id,
      start: toCodePoint(doc.index, start),
      end: toCodePoint(doc.index, end),
      quote: doc.text.slice(start, end),
    };
  }

  function showEvidence() {
    const e = review.evidence;
    ui.reviewEvidence.replaceChildren(...(e
      ? ['Evidence: ', h('q', { class: 'cite-ref-quote', text: e.quote.length > 200 ? `${e.quote.slice(0, 200)}…` : e.quote })]
      : ['Select the words that state the value in the document text.']));
    ui.reviewEvidence.classList.toggle('has-evidence', !!e);
  }

  function captureEvidence() {
    if (ui.reviewCorrectForm.hidden) return;
    const item = currentReviewItem();
    const span = selectedSpan();
    if (span && item && span.document_id === item.document_id) {
      review.evidence = span;
      showEvidence();
    }
  }

  function startCorrect() {
    const item = currentReviewItem();
    if (!item || item.status !== 'open') return;
    ui.reviewRejectForm.hidden = true;
    ui.reviewCorrectForm.hidden = false;
    review.evidence = null;
    // The evidence is selected in the text, not on the page image.
    if (ui.viewerText.hidden && ui.viewer.dataset.documentId === item.document_id) showView('text');
    captureEvidence();
    showEvidence();
    ui.reviewCorrectValue.value = item.value;
    ui.reviewCorrectReason.value = '';
    ui.reviewCorrectValue.focus();
    ui.reviewCorrectValue.select();
  }

  function submitCorrect(event) {
    event.preventDefault();
    const item = currentReviewItem();
    if (!item) return;
    const value = ui.reviewCorrectValue.value.trim();
    if (!value) {
      setMessage(ui.reviewDecisionStatus, 'Enter the correct value.', 'error');
      ui.reviewCorrectValue.focus();
      return;
    }
    const e = review.evidence;
    if (!e) {
      setMessage(ui.reviewDecisionStatus, 'Select the words that state the value in the document text first.', 'error');
      return;
    }
    const body = { decision: 'correct', value, start: e.start, end: e.end };
    const reason = ui.reviewCorrectReason.value.trim();
    if (reason) body.reason = reason;
    decideReview(body);
  }

  function submitReject(event) {
    event.preventDefault();
    const reason = ui.reviewRejectReason.value.trim();
    if (!reason) {
      setMessage(ui.reviewDecisionStatus, 'Say why the value is wrong.', 'error');
      ui.reviewRejectReason.focus();
      return;
    }
    decideReview({ decision: 'reject', reason });
  }

  /** Review shortcuts; true when the key was one. */
  function onReviewKey(event) {
    switch (event.key) {
      case 'a':
        if (!event.repeat) decideReview({ decision: 'accept' });
        return true;
      case 'r':
        if (!event.repeat) startReject();
        return true;
      case 'c':
        if (!event.repeat) startCorrect();
        return true;
      case 'j':
        stepReview(1);
        return true;
      case 'k':
        stepReview(-1);
        return true;
      default:
        return false;
    }
  }

  function cancelReviewForm() {
    closeReviewForms();
    setMessage(ui.reviewDecisionStatus, '');
    const li = ui.reviewList.children[review.selected];
    if (li) li.firstElementChild.focus();
  }

  // --------------------------------------------------------------- wiring

  ui.skip.addEventListener('click', (event) => {
    event.preventDefault();
    selectTab('ask');
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
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
    if (activeTab === 'review' && onReviewKey(event)) {
      event.preventDefault();
      return;
    }
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

  ui.tabs.addEventListener('click', (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab) selectTab(tab.dataset.tab);
  });
  ui.tabs.addEventListener('keydown', onTabKey);

  ui.bomForm.addEventListener('submit', runBom);
  ui.bomStatusFilter.addEventListener('change', renderBomLines);
  ui.bomLines.tHead.addEventListener('click', onBomSort);
  ui.bomLines.tBodies[0].addEventListener('click', onBomValue);
  ui.bomCsv.addEventListener('click', () => downloadBom('csv'));
  ui.bomXlsx.addEventListener('click', () => downloadBom('xlsx'));

  ui.reviewRefresh.addEventListener('click', () => loadReview(currentReviewItem()?.id));
  ui.reviewFilters.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(review.filterTimer);
    loadReview();
  });
  ui.reviewStatusFilter.addEventListener('change', () => loadReview());
  ui.reviewFieldFilter.addEventListener('change', () => loadReview());
  ui.reviewSubjectFilter.addEventListener('input', scheduleReviewLoad);
  ui.reviewList.addEventListener('click', (event) => {
    const button = event.target.closest('.review-open');
    if (button) selectReview(Number(button.dataset.index));
  });
  ui.reviewAccept.addEventListener('click', () => decideReview({ decision: 'accept' }));
  ui.reviewReject.addEventListener('click', startReject);
  ui.reviewCorrect.addEventListener('click', startCorrect);
  ui.reviewRejectForm.addEventListener('submit', submitReject);
  ui.reviewCorrectForm.addEventListener('submit', submitCorrect);
  for (const form of [ui.reviewRejectForm, ui.reviewCorrectForm]) {
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        cancelReviewForm();
      }
    });
    form.querySelector('.review-cancel').addEventListener('click', cancelReviewForm);
  }
  document.addEventListener('selectionchange', captureEvidence);

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !pollTimer && !refreshing) refreshDocuments();
  });

  refreshDocuments();
})();
