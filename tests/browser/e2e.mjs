// End-to-end check of the attest web app in headless Chromium.
//
// Needs a running service with the Vishay 1N4148 datasheet and the
// generated documents of `cargo run -p attest-engine --example e2e_fixtures`
// ingested:
//   ATTEST_URL=http://127.0.0.1:18090/ FIXTURES=DIR node tests/browser/e2e.mjs
// Environment: ATTEST_URL (required), FIXTURES (the fixtures directory, with
// expected.json: where the generator drew the cited words), CHROMIUM
// (default /usr/bin/chromium), ARTIFACT_DIR (default target/e2e;
// screenshots go there), ATTEST_API_KEY (a key with the read, extract,
// ingest and review scopes, when the service asks for keys).

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.ATTEST_URL;
const FIXTURES = process.env.FIXTURES;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACT_DIR = path.resolve(process.env.ARTIFACT_DIR || 'target/e2e');
const QUESTION = 'How much does the 1N4148 weigh?';
const FOLLOW_UP = 'And what is it made of?';
const ANSWER_TIMEOUT = 60_000;
const READY_TIMEOUT = 120_000;
const BOM_TIMEOUT = 120_000;
// A small BOM: parts of the ingested documents and one no document names.
const BOM_CSV = [
  'Line,Part Number,Qty,Description',
  '1,1N4148,10,small signal diode',
  '2,XB-200,4,regulator',
  '3,ZX-900,1,certified assembly',
  '4,NOPE-404,2,no document names it',
  '',
].join('\n');
const UNKNOWN_PART = 'NOPE-404';
// Its mass is disputed by the other rows of the XB table, so extracting it
// opens a review item.
const REVIEW_SUBJECT = 'XB-100';
// Corrected with the words selected in the document text.
const CORRECT_SUBJECT = 'XB-300';
const CORRECT_WORDS = '0.19';

if (!BASE || !FIXTURES) {
  console.error('e2e: set ATTEST_URL to the service address, e.g. http://127.0.0.1:18090/, and FIXTURES to the fixtures directory');
  process.exit(2);
}
const base = BASE.endsWith('/') ? BASE : `${BASE}/`;
// The service's API key (ATTEST_API_KEY), handed to the page in its address
// as a user would, and sent with the test's own API reads.
const KEY = process.env.ATTEST_API_KEY || '';
const apiHeaders = KEY ? { authorization: `Bearer ${KEY}` } : {};

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

let current = 'start';
async function step(name, fn) {
  current = name;
  const started = Date.now();
  const result = await fn();
  console.log(`ok - ${name} (${Date.now() - started} ms)`);
  return result;
}

/** The /v1/ask response for the next question sent from the page. */
function nextAskResponse(page) {
  return page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/v1/ask' && r.request().method() === 'POST',
    { timeout: ANSWER_TIMEOUT },
  );
}

async function readAsk(response) {
  const text = await response.text();
  check(response.status() === 200, `POST /v1/ask answered HTTP ${response.status()}: ${text.slice(0, 500)}`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CheckFailed(`POST /v1/ask did not answer JSON: ${text.slice(0, 200)}`);
  }
  check(typeof body.answer === 'string', '/v1/ask answer has no "answer" string');
  check(Array.isArray(body.citations), '/v1/ask answer has no "citations" array');
  check(body.provenance && typeof body.provenance === 'object', '/v1/ask answer has no "provenance" object');
  const sent = JSON.parse(response.request().postData() || '{}');
  return { body, sent };
}

/**
 * The outlined boxes of the open citation, in page points, after the page
 * image has loaded; and whether each one lies on ink (dark pixels of the
 * rendered page), read back from the image itself.
 */
async function citedBoxes(page) {
  await page.locator('#viewer-pages .page-canvas img').first().waitFor({ state: 'visible' });
  await page.waitForFunction(() => [...document.querySelectorAll('#viewer-pages .page-canvas img')]
    .every((img) => img.complete && img.naturalWidth > 0));
  return page.evaluate(() => [...document.querySelectorAll('#viewer-pages .page-canvas')].flatMap((canvasDiv) => {
    const img = canvasDiv.querySelector('img');
    const pw = Number(canvasDiv.dataset.width);
    const ph = Number(canvasDiv.dataset.height);
    const shown = img.getBoundingClientRect();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return [...canvasDiv.querySelectorAll('.cited-box')].map((el) => {
      // Where the outline is drawn, converted back to page points.
      const r = el.getBoundingClientRect();
      const drawn = {
        x0: ((r.left - shown.left) / shown.width) * pw,
        y0: ((r.top - shown.top) / shown.height) * ph,
        x1: ((r.right - shown.left) / shown.width) * pw,
        y1: ((r.bottom - shown.top) / shown.height) * ph,
      };
      const sx = img.naturalWidth / pw;
      const sy = img.naturalHeight / ph;
      const w = Math.max(1, Math.round((drawn.x1 - drawn.x0) * sx));
      const hgt = Math.max(1, Math.round((drawn.y1 - drawn.y0) * sy));
      const data = ctx.getImageData(Math.round(drawn.x0 * sx), Math.round(drawn.y0 * sy), w, hgt).data;
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] + data[i + 1] + data[i + 2] < 3 * 128) dark += 1;
      }
      return { page: Number(canvasDiv.dataset.page), ...drawn, ink: dark / (data.length / 4) };
    });
  }));
}

/** GET or POST an API path with the test's key; the parsed JSON body. */
async function api(page, method, pathname, body) {
  const url = new URL(pathname.replace(/^\//, ''), base).href;
  const response = method === 'GET'
    ? await page.request.get(url, { headers: apiHeaders })
    : await page.request.post(url, { headers: { ...apiHeaders, 'content-type': 'application/json' }, data: JSON.stringify(body) });
  const text = await response.text();
  check(response.ok(), `${method} ${pathname} answered HTTP ${response.status()}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The `data-line` of the shown rows of the BOM lines table, in order. */
async function shownLines(page) {
  return page.locator('#bom-lines tbody tr:visible').evaluateAll((rows) => rows.map((r) => r.dataset.line));
}

/** Every point of `want` lies inside `got`, within `slack` points. */
function covers(got, want, slack) {
  return got.x0 <= want.x0 + slack && got.y0 <= want.y0 + slack
    && got.x1 >= want.x1 - slack && got.y1 >= want.y1 - slack;
}

/** Asks a question and opens its first citation; returns the citation. */
async function askAndOpen(page, question) {
  await page.locator('#new-conversation').click();
  await page.locator('#question').focus();
  await page.keyboard.type(question);
  const pending = nextAskResponse(page);
  await page.keyboard.press('Enter');
  const { body } = await readAsk(await pending);
  check(body.citations.length > 0, `"${question}" was answered without citations: ${JSON.stringify(body).slice(0, 400)}`);
  const marker = page.locator('#conversation .answer .cite[data-n]').first();
  await marker.waitFor({ state: 'visible', timeout: ANSWER_TIMEOUT });
  const n = Number(await marker.getAttribute('data-n'));
  await marker.click();
  return body.citations.find((c) => Number(c.n) === n);
}

async function main() {
  const expected = JSON.parse(await readFile(path.join(FIXTURES, 'expected.json'), 'utf8'));
  await mkdir(ARTIFACT_DIR, { recursive: true });
  const screenshot = path.join(ARTIFACT_DIR, 'ask-citation.png');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  const pageErrors = [];
  const consoleErrors = [];
  let page;
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });

    await step('the page loads', async () => {
      const response = await page.goto(KEY ? `${base}#key=${encodeURIComponent(KEY)}` : base, { waitUntil: 'domcontentloaded' });
      check(response && response.ok(), `GET ${base} answered HTTP ${response && response.status()}`);
      check((response.headers()['content-type'] || '').includes('text/html'),
        `GET / has content type ${response.headers()['content-type']}, expected text/html`);
      await page.locator('#question').waitFor({ state: 'visible' });
    });

    await step('the question field is labelled and reachable by keyboard', async () => {
      const labelled = await page.getByLabel('Question', { exact: true }).evaluate((el) => el.id);
      check(labelled === 'question', `the "Question" label points at #${labelled}, expected #question`);
      let reached = false;
      for (let i = 0; i < 60 && !reached; i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement;
          return { id: el && el.id, href: el && el.getAttribute('href') };
        });
        if (focused.id === 'question') {
          reached = true;
        } else if (focused.href === '#question') {
          await page.keyboard.press('Enter');
          reached = await page.evaluate(() => document.activeElement?.id === 'question');
        }
      }
      check(reached, 'pressing Tab from the start of the page never focused #question');
      const outline = await page.locator('#question').evaluate((el) => getComputedStyle(el).outlineStyle);
      check(outline !== 'none', 'the focused question field shows no focus outline');
      const live = await page.locator('#conversation').getAttribute('aria-live');
      check(live === 'polite' || live === 'assertive', '#conversation has no aria-live');
    });

    await step('the layout shows the panels side by side at 1366x768', async () => {
      const box = async (sel) => page.locator(sel).boundingBox();
      const [docs, conv, viewer] = await Promise.all([box('#documents'), box('#conversation'), box('#viewer')]);
      check(docs && conv && viewer, 'a panel is not rendered');
      check(docs.x + docs.width <= conv.x + 1, 'the document list is not left of the conversation');
      check(conv.x + conv.width <= viewer.x + 1, 'the viewer is not right of the conversation');
      const scrolls = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      check(!scrolls, 'the page scrolls horizontally at 1366x768');
    });

    await step('the document list shows a ready document', async () => {
      await page.waitForFunction(() => [...document.querySelectorAll('#documents .document[data-id]')]
        .some((d) => d.querySelector('.status')?.textContent.trim().toLowerCase() === 'ready'),
      null, { timeout: READY_TIMEOUT });
    });

    const first = await step('asking with Enter gives an answer with a citation marker', async () => {
      await page.locator('#question').focus();
      await page.keyboard.type(QUESTION);
      const pending = nextAskResponse(page);
      await page.keyboard.press('Enter');
      const { body, sent } = await readAsk(await pending);
      check(sent.question === QUESTION, `the page sent question ${JSON.stringify(sent.question)}`);
      check(Array.isArray(sent.history) && sent.history.length === 0,
        `the first question carried history ${JSON.stringify(sent.history)}`);
      check(body.citations.length > 0, `the answer has no citations: ${JSON.stringify(body).slice(0, 500)}`);
      const marker = page.locator('#conversation .answer .cite[data-n]').first();
      await marker.waitFor({ state: 'visible', timeout: ANSWER_TIMEOUT });
      return { body };
    });

    const cited = await step('selecting the first marker highlights the quoted span', async () => {
      const marker = page.locator('#conversation .answer .cite[data-n]').first();
      const n = Number(await marker.getAttribute('data-n'));
      const citation = first.body.citations.find((c) => Number(c.n) === n);
      check(citation, `marker [${n}] has no citation with n=${n} in the API answer`);
      check(first.body.citations[0] === citation || Number(first.body.citations[0].n) === n,
        `the first marker is [${n}] but the first citation is [${first.body.citations[0].n}]`);
      await marker.click();
      // The cited page comes first, the words outlined where the API's
      // boxes put them, on the printed words.
      check(Array.isArray(citation.boxes) && citation.boxes.length > 0, 'the PDF citation has no boxes');
      const boxes = await citedBoxes(page);
      check(boxes.length === citation.boxes.length,
        `${boxes.length} outlines are shown for ${citation.boxes.length} boxes`);
      for (const [i, b] of boxes.entries()) {
        check(b.page === citation.page, `outline ${i} is on page ${b.page}, not ${citation.page}`);
        check(covers(b, citation.boxes[i], 1) && covers(citation.boxes[i], b, 1),
          `outline ${i} at ${JSON.stringify(b)} is not where the API box is: ${JSON.stringify(citation.boxes[i])}`);
        check(b.ink > 0.05, `outline ${i} covers no printed text (ink ${b.ink.toFixed(3)})`);
      }
      await page.screenshot({ path: screenshot, fullPage: true });
      await page.locator('#view-text').click();
      const span = page.locator('#viewer #cited-span');
      await span.waitFor({ state: 'visible' });
      const text = await span.textContent();
      check(text && text.length > 0, 'the highlighted span is empty');
      check(text === citation.quote,
        `the highlighted text ${JSON.stringify(text)} differs from the quote ${JSON.stringify(citation.quote)}`);
      check(text.includes('0.105') || text.includes('105'),
        `the highlighted text ${JSON.stringify(text)} does not state the weight 0.105 g / 105 mg`);
      const pageLabel = (await page.locator('#cited-page').textContent()) || '';
      check(new RegExp(`\\b${citation.page}\\b`).test(pageLabel),
        `#cited-page says ${JSON.stringify(pageLabel)}, expected page ${citation.page}`);
      const source = (await page.locator('#viewer #viewer-source').textContent()) || '';
      check(source.includes(citation.source), `the viewer names ${JSON.stringify(source)}, not the source ${citation.source}`);
      const inView = await span.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const c = el.closest('#viewer-text') || document.documentElement;
        const b = c.getBoundingClientRect();
        return r.bottom > b.top && r.top < b.bottom && r.top >= 0 && r.top < window.innerHeight;
      });
      check(inView, 'the highlighted span was not scrolled into view');
      return citation;
    });

    await step('the quote is the document text at its code point offsets', async () => {
      const response = await page.request.get(new URL(`v1/documents/${encodeURIComponent(cited.document_id)}/text`, base).href, { headers: apiHeaders });
      check(response.ok(), `GET /v1/documents/${cited.document_id}/text answered HTTP ${response.status()}`);
      const doc = await response.json();
      const slice = Array.from(doc.text).slice(cited.start, cited.end).join('');
      check(slice === cited.quote, `text[${cited.start}..${cited.end}] is ${JSON.stringify(slice)}, not the quote`);
      const pageSpan = doc.pages.find((p) => p.page === cited.page);
      check(pageSpan && pageSpan.start <= cited.start && cited.start < pageSpan.end,
        `the citation's start ${cited.start} is not on page ${cited.page}`);
    });

    await step('a follow-up question is answered with the conversation as history', async () => {
      const before = await page.locator('#conversation .answer').count();
      const input = page.locator('#question');
      await input.focus();
      await input.fill('');
      await page.keyboard.type(FOLLOW_UP);
      const pending = nextAskResponse(page);
      await page.keyboard.press('Enter');
      const { body, sent } = await readAsk(await pending);
      check(Array.isArray(sent.history) && sent.history.length === 2,
        `the follow-up carried ${JSON.stringify(sent.history)} as history, expected the first question and answer`);
      check(sent.history[0].role === 'user' && sent.history[0].content === QUESTION,
        'the history does not start with the first question');
      check(sent.history[1].role === 'assistant' && sent.history[1].content === first.body.answer,
        'the history does not carry the first answer');
      check(body.answer.trim().length > 0, 'the follow-up answer is empty');
      await page.waitForFunction((count) => document.querySelectorAll('#conversation .answer').length > count, before);
      const shown = await page.locator('#conversation .answer').last().locator('.answer-text').textContent();
      check(shown && shown.trim().length > 0, 'the follow-up answer is not shown');
    });

    await step('a table row is outlined on its page where the generator drew it', async () => {
      await page.locator('#view-page').click();
      const citation = await askAndOpen(page, 'How much does the XB-200 weigh?');
      check(/XB-200/.test(citation.quote) && /0\.052/.test(citation.quote),
        `the XB-200 answer cites ${JSON.stringify(citation.quote)}`);
      const want = expected.xb_200_row;
      const boxes = await citedBoxes(page);
      check(boxes.length >= 1 && boxes[0].page === want.page, `outlines: ${JSON.stringify(boxes)}`);
      check(covers(boxes[0], want.box, 1.5), `the row outline ${JSON.stringify(boxes[0])} does not cover the drawn row ${JSON.stringify(want.box)}`);
      check(boxes[0].ink > 0.05, 'the row outline covers no printed text');
      await page.screenshot({ path: path.join(ARTIFACT_DIR, 'table-row-citation.png'), fullPage: true });
    });

    await step('a scanned page is read by OCR and its cited words outlined', async () => {
      const citation = await askAndOpen(page, 'Where is the ZX-900 made?');
      check(citation.ocr === true, `the ZX-900 citation is not marked as OCR: ${JSON.stringify(citation)}`);
      check(/Germany/.test(citation.quote), `the ZX-900 answer cites ${JSON.stringify(citation.quote)}`);
      const caption = (await page.locator('#viewer-pages figcaption').first().textContent()) || '';
      check(/OCR/.test(caption), `the page caption ${JSON.stringify(caption)} does not say OCR`);
      const want = expected.zx_900_origin;
      const boxes = await citedBoxes(page);
      check(boxes.some((b) => b.page === want.page && covers(b, want.box, 4) && b.ink > 0.05),
        `no outline covers the printed word Germany at ${JSON.stringify(want.box)}: ${JSON.stringify(boxes)}`);
      await page.screenshot({ path: path.join(ARTIFACT_DIR, 'ocr-citation.png'), fullPage: true });
    });

    await step('citations are stepped through with the keyboard', async () => {
      const count = await page.locator('#conversation .answer').last().locator('.cite-ref').count();
      if (count > 1) {
        await page.locator('#viewer-pages').focus();
        await page.keyboard.press(']');
        await page.waitForFunction(() => document.querySelector('#conversation .cite-ref.is-active')?.dataset.n === '2');
      }
      const next = page.locator('#next-citation');
      check(await next.isDisabled() === (count <= 2), 'the next-citation button state is wrong');
    });

    await step('"New conversation" clears the history', async () => {
      await page.locator('#new-conversation').click();
      const left = await page.locator('#conversation .answer').count();
      check(left === 0, `${left} answers are still shown after "New conversation"`);
      const focused = await page.evaluate(() => document.activeElement?.id);
      check(focused === 'question', 'focus did not return to the question field');
    });

    const bomJob = await step('a BOM file runs as a job and its roll-up is shown', async () => {
      await page.getByRole('tab', { name: 'BOM' }).click();
      await page.locator('#bom-form').waitFor({ state: 'visible' });
      // The browser reads the file when it sends the form: it is removed
      // once the service has answered.
      const dir = await mkdtemp(path.join(os.tmpdir(), 'attest-e2e-bom-'));
      let response;
      try {
        const file = path.join(dir, 'e2e-bom.csv');
        await writeFile(file, BOM_CSV);
        await page.locator('#bom-file').setInputFiles(file);
        await page.locator('#bom-name').fill('e2e BOM');
        const accepted = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/bom' && r.request().method() === 'POST');
        await page.locator('#bom-run').click();
        response = await accepted;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const url = new URL(response.url());
      check(response.status() === 202, `POST /v1/bom?async=true answered HTTP ${response.status()}: ${(await response.text()).slice(0, 300)}`);
      check(url.searchParams.get('async') === 'true' && url.searchParams.get('name') === 'e2e BOM',
        `the page posted to ${url.pathname}${url.search}`);
      const job = await response.json();
      check(typeof job.id === 'string' && job.lines === 4, `the job is ${JSON.stringify(job)}`);
      await page.locator('#bom-result').waitFor({ state: 'visible', timeout: BOM_TIMEOUT });
      const done = await api(page, 'GET', `/v1/bom/${encodeURIComponent(job.id)}`);
      check(done.status === 'done' && done.done === 4 && done.result, `the finished job is ${JSON.stringify(done).slice(0, 300)}`);
      const progress = await page.locator('#bom-progress').evaluate((el) => [el.value, el.max]);
      check(progress[0] === progress[1], `the progress bar stopped at ${progress[0]} of ${progress[1]}`);
      return done;
    });

    await step('the BOM totals, charts and lines match the roll-up', async () => {
      const { result } = bomJob;
      const t = result.totals;
      const massDetail = (await page.locator('#bom-totals [data-total="mass"] .total-detail').textContent()) || '';
      check(massDetail.includes(`${t.lines_with_mass} of ${t.lines}`),
        `the total mass says ${JSON.stringify(massDetail)}, expected ${t.lines_with_mass} of ${t.lines} lines`);
      const massValue = (await page.locator('#bom-totals [data-total="mass"] .total-value').textContent()) || '';
      check(/\d/.test(massValue) && /k?g$/.test(massValue), `the total mass reads ${JSON.stringify(massValue)}`);
      for (const [status, n] of Object.entries(t.by_status)) {
        const shown = await page.locator(`#bom-totals [data-total="status"] [data-status="${status}"]`).getAttribute('data-count');
        check(Number(shown) === n, `${shown} lines are shown as ${status}, the API counts ${n}`);
      }
      check(await page.locator('#bom-totals [data-total="recycled"]').isVisible(), 'the recycled share is not shown');
      const origins = await page.locator('#bom-chart-origin .chart-row').evaluateAll((rows) => rows.map((r) => r.dataset.key));
      const want = t.origin_by_mass.filter((s) => s.mass_g > 0).map((s) => s.key);
      check(JSON.stringify(origins) === JSON.stringify(want), `the origin chart shows ${JSON.stringify(origins)}, not ${JSON.stringify(want)}`);
      check(await page.locator('#bom-chart-material .chart-row').count() === t.mass_by_material.filter((s) => s.mass_g > 0).length,
        'the material chart has not one bar per material');
      const lines = await shownLines(page);
      check(JSON.stringify(lines) === JSON.stringify(result.lines.map((l) => l.line)),
        `the table shows lines ${JSON.stringify(lines)}`);
      const unknown = page.locator('#bom-lines tbody tr', { hasText: UNKNOWN_PART });
      check(((await unknown.locator('.cell-status .status').textContent()) || '').trim() === 'not found',
        `${UNKNOWN_PART} is not shown as not found`);
    });

    await step('the BOM lines sort by a column and filter by status', async () => {
      const byMass = [...bomJob.result.lines]
        .filter((l) => l.line_mass_g !== null)
        .sort((a, b) => a.line_mass_g - b.line_mass_g)
        .map((l) => l.line);
      const header = page.locator('#bom-lines th[data-sort="line_mass"] button');
      await header.click();
      let lines = await shownLines(page);
      check(JSON.stringify(lines.slice(0, byMass.length)) === JSON.stringify(byMass),
        `sorted by line mass, the lines are ${JSON.stringify(lines)}, expected ${JSON.stringify(byMass)} first`);
      check(await page.locator('#bom-lines th[data-sort="line_mass"]').getAttribute('aria-sort') === 'ascending',
        'the sorted column is not marked ascending');
      await header.click();
      lines = await shownLines(page);
      check(lines[0] === byMass[byMass.length - 1], `sorted by line mass descending, line ${lines[0]} comes first`);
      await page.locator('#bom-lines th[data-sort="line"] button').click();
      await page.locator('#bom-status-filter').selectOption('not_found');
      lines = await shownLines(page);
      const unknown = bomJob.result.lines.filter((l) => l.status === 'not_found').map((l) => l.line);
      check(JSON.stringify(lines) === JSON.stringify(unknown), `filtered to not found, the lines are ${JSON.stringify(lines)}`);
      await page.locator('#bom-status-filter').selectOption('');
      check((await shownLines(page)).length === bomJob.result.lines.length, 'clearing the filter does not show every line');
    });

    await step('a value in the BOM opens its cited span', async () => {
      const line = bomJob.result.lines.find((l) => l.part === '1N4148');
      const citation = line.extraction.fields.mass.citations[0];
      await page.locator(`#bom-lines tbody tr[data-line="${line.line}"] .cell-mass .value-cite`).click();
      const source = page.locator('#viewer #viewer-source');
      await page.waitForFunction(() => document.querySelector('#viewer-source')?.textContent.includes('1N4148'));
      check(((await source.textContent()) || '').includes('Vishay_1N4148'), 'the viewer does not show the 1N4148 datasheet');
      await page.locator('#view-text').click();
      const span = page.locator('#viewer #cited-span');
      await span.waitFor({ state: 'visible' });
      const text = await span.textContent();
      check(text === citation.quote, `the highlighted text ${JSON.stringify(text)} is not the mass's quote ${JSON.stringify(citation.quote)}`);
      await page.screenshot({ path: path.join(ARTIFACT_DIR, 'bom.png'), fullPage: true });
    });

    await step('the BOM roll-up downloads as CSV', async () => {
      const pending = page.waitForEvent('download');
      await page.locator('#bom-csv').click();
      const download = await pending;
      check(/^e2e.*\.csv$/.test(download.suggestedFilename()), `the download is named ${download.suggestedFilename()}`);
      const file = await download.path();
      const csv = await readFile(file, 'utf8');
      check(csv.includes(UNKNOWN_PART) && csv.includes('XB-200'), `the CSV lacks the lines: ${csv.slice(0, 300)}`);
    });

    const reviewed = await step('the review tab shows an open item with its cited span', async () => {
      // Extracting a part whose mass another candidate disputes queues it.
      await api(page, 'POST', '/v1/extract', { subject: REVIEW_SUBJECT });
      const { items } = await api(page, 'GET', `/v1/review?status=open&subject=${encodeURIComponent(REVIEW_SUBJECT)}`);
      check(items.length > 0, `extracting ${REVIEW_SUBJECT} opened no review item`);
      const item = items[0];
      await page.getByRole('tab', { name: 'Review' }).click();
      await page.locator('#review-subject-filter').fill(REVIEW_SUBJECT);
      const entries = page.locator('#review-list .review-entry');
      await page.waitForFunction((subject) => {
        const list = [...document.querySelectorAll('#review-list .review-entry .review-subject')];
        return list.length > 0 && list.every((el) => el.textContent === subject);
      }, REVIEW_SUBJECT);
      check(await entries.count() === items.length, `${await entries.count()} items are listed, the API has ${items.length}`);
      const entry = page.locator(`#review-list .review-entry[data-id="${item.id}"]`);
      await entry.locator('button').click();
      await page.waitForFunction((id) => document.querySelector('#review-item')?.dataset.id === id, item.id);
      const value = await page.locator('#review-item .review-item-value').textContent();
      check(value === item.value, `the item shows the value ${JSON.stringify(value)}, not ${JSON.stringify(item.value)}`);
      const span = page.locator('#viewer #cited-span');
      await span.waitFor({ state: 'visible' });
      check(await span.textContent() === item.citation.quote,
        `the highlighted text ${JSON.stringify(await span.textContent())} is not the item's quote ${JSON.stringify(item.citation.quote)}`);
      return item;
    });

    await step('pressing a accepts the item and it is no longer open', async () => {
      const pending = page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/review/${reviewed.id}`
        && r.request().method() === 'POST');
      await page.locator(`#review-list .review-entry[data-id="${reviewed.id}"] button`).focus();
      await page.keyboard.press('a');
      const response = await pending;
      check(response.status() === 200, `POST /v1/review/${reviewed.id} answered HTTP ${response.status()}`);
      check(JSON.parse(response.request().postData() || '{}').decision === 'accept', 'the page did not send an accept decision');
      const entry = page.locator(`#review-list .review-entry[data-id="${reviewed.id}"]`);
      await page.waitForFunction((id) => document.querySelector(`#review-list .review-entry[data-id="${id}"]`)?.dataset.status === 'accepted', reviewed.id);
      check(((await entry.locator('.status').textContent()) || '').trim() === 'accepted', 'the list does not show the item as accepted');
      const said = (await page.locator('#review-status').textContent()) || '';
      check(/Accepted/.test(said), `the page says ${JSON.stringify(said)} after the decision`);
      const open = await api(page, 'GET', `/v1/review?status=open&subject=${encodeURIComponent(REVIEW_SUBJECT)}`);
      check(!open.items.some((x) => x.id === reviewed.id), 'the accepted item is still open in the API');
      const accepted = await api(page, 'GET', `/v1/review?status=accepted&subject=${encodeURIComponent(REVIEW_SUBJECT)}`);
      const item = accepted.items.find((x) => x.id === reviewed.id);
      check(item && item.decision && item.decision.decision === 'accept', `the API does not have the item as accepted: ${JSON.stringify(item)}`);
      await page.screenshot({ path: path.join(ARTIFACT_DIR, 'review.png'), fullPage: true });
    });

    await step('pressing c corrects an item with the words selected in the text', async () => {
      await api(page, 'POST', '/v1/extract', { subject: CORRECT_SUBJECT });
      const { items } = await api(page, 'GET', `/v1/review?status=open&subject=${encodeURIComponent(CORRECT_SUBJECT)}`);
      const item = items.find((x) => x.field === 'mass');
      check(item && item.citation && item.citation.quote.includes(CORRECT_WORDS),
        `extracting ${CORRECT_SUBJECT} opened no mass item citing ${CORRECT_WORDS}: ${JSON.stringify(items)}`);
      await page.locator('#review-subject-filter').fill(CORRECT_SUBJECT);
      await page.waitForFunction((id) => document.querySelector('#review-item')?.dataset.id === id, item.id);
      const span = page.locator('#viewer #cited-span');
      await span.waitFor({ state: 'visible' });
      // Select the number inside the highlighted passage, as a reader would.
      await span.evaluate((mark, words) => {
        const node = [...mark.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.data.includes(words));
        const range = document.createRange();
        range.setStart(node, node.data.indexOf(words));
        range.setEnd(node, node.data.indexOf(words) + words.length);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      }, CORRECT_WORDS);
      await page.locator('#viewer-text').focus();
      await page.keyboard.press('c');
      const value = page.locator('#review-correct-value');
      check(await value.evaluate((el) => el === document.activeElement), 'pressing c did not focus the value field');
      await value.fill(`${CORRECT_WORDS} g`);
      const pending = page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/review/${item.id}`
        && r.request().method() === 'POST');
      await page.keyboard.press('Enter');
      const response = await pending;
      check(response.status() === 200, `POST /v1/review/${item.id} answered HTTP ${response.status()}: ${(await response.text()).slice(0, 300)}`);
      const sent = JSON.parse(response.request().postData() || '{}');
      // Code point offsets of the selected words in the document text.
      const start = item.citation.start + Array.from(item.citation.quote.slice(0, item.citation.quote.indexOf(CORRECT_WORDS))).length;
      const end = start + Array.from(CORRECT_WORDS).length;
      check(sent.decision === 'correct' && sent.value === `${CORRECT_WORDS} g` && sent.start === start && sent.end === end,
        `the page sent ${JSON.stringify(sent)}, expected a correction citing ${start}..${end}`);
      await page.waitForFunction((id) => document.querySelector(`#review-list .review-entry[data-id="${id}"]`)?.dataset.status === 'corrected', item.id);
      const corrected = await api(page, 'GET', `/v1/review?status=corrected&subject=${encodeURIComponent(CORRECT_SUBJECT)}`);
      const stored = corrected.items.find((x) => x.id === item.id);
      check(stored && stored.decision && stored.decision.citation && stored.decision.citation.quote === CORRECT_WORDS,
        `the API does not have the correction citing ${JSON.stringify(CORRECT_WORDS)}: ${JSON.stringify(stored)}`);
    });

    check(pageErrors.length === 0, `the page raised errors: ${pageErrors.join(' | ')}`);
    if (consoleErrors.length) console.warn(`e2e: console errors (not fatal): ${consoleErrors.join(' | ')}`);
    console.log(`e2e: all browser checks passed; screenshot: ${screenshot}`);
  } catch (err) {
    const reason = err instanceof CheckFailed ? err.message : (err && err.stack) || String(err);
    console.error(`e2e: FAILED at "${current}": ${reason}`);
    if (pageErrors.length) console.error(`e2e: page errors: ${pageErrors.join(' | ')}`);
    if (consoleErrors.length) console.error(`e2e: console errors: ${consoleErrors.join(' | ')}`);
    if (page) {
      const failure = path.join(ARTIFACT_DIR, 'failure.png');
      try {
        await page.screenshot({ path: failure, fullPage: true });
        console.error(`e2e: page at the failure: ${failure}`);
      } catch {
        // The page may already be gone.
      }
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(`e2e: FAILED: ${(err && err.stack) || err}`);
  process.exitCode = 1;
});
