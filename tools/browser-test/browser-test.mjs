// browser-test.mjs: drives client/index.html in a real Chromium, the way a learner would,
// against the real echo-server and com-server that run.sh has started. Each check opens
// fresh pages, clicks and types through the page's stable element ids, and reads the log;
// any console error, page error or failed request during a check fails it.
//
// Inputs (environment, set by run.sh): CDP_ENDPOINT (the browser to drive), ECHO_PORT,
// COM_PORT, ECHO_LOG (the echo-server's stdout file), CLIENT_DIR, SCREENSHOT_DIR.

import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

// Every wait is bounded: a local server answers in milliseconds, so five seconds means
// "it is not coming", not "it is slow".
const WAIT_MS = 5_000;
const CHECK_TIMEOUT_MS = 30_000;
// The whole run's budget; run.sh's `timeout` is the outer guard behind this one.
const WATCHDOG_MS = 240_000;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const environment = readEnvironment(
  ['CDP_ENDPOINT', 'ECHO_PORT', 'COM_PORT', 'ECHO_LOG', 'CLIENT_DIR', 'SCREENSHOT_DIR']);
const PAGE_URL = pathToFileURL(join(environment.CLIENT_DIR, 'index.html')).href;
const ECHO_URL = `ws://127.0.0.1:${environment.ECHO_PORT}/`;
const COM_URL = `ws://127.0.0.1:${environment.COM_PORT}/`;
const SERVED_PAGE_URL = `http://127.0.0.1:${environment.ECHO_PORT}/.ws`;

function readEnvironment(names) {
  const values = {};
  for (const name of names) {
    if (!process.env[name]) throw new Error(`${name} is not set (run this through run.sh)`);
    values[name] = process.env[name];
  }
  return values;
}

// ---- A tiny check runner: a list of named async functions, run one after another ----------

const checks = [];
function check(name, body) {
  checks.push({ name, body });
}

/** What went wrong in the browser during the current check (console errors and such). */
let problems = [];
/** Console errors the current check provokes on purpose, as regular expressions. */
let expectedConsoleErrors = [];
/** Contexts opened by the current check, closed when it ends whatever happened. */
let openContexts = [];
let browser;

function withTimeout(promise, milliseconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${milliseconds} ms`)),
      milliseconds);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A fresh page in its own browser context, watched for every kind of browser-side error. */
async function openPage(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  openContexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (!expectedConsoleErrors.some((pattern) => pattern.test(text))) {
      problems.push(`console error: ${text}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  // An alert() would mean a message ran as code (the XSS check); dismiss it so nothing hangs.
  page.on('dialog', (dialog) => {
    problems.push(`a ${dialog.type()} dialog opened: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  return page;
}

// ---- Reading and driving the page through its ids -----------------------------------------

async function logText(page) {
  return page.$$eval('#log > *', (lines) => lines.map((line) => line.textContent).join('\n'))
    .catch((error) => `(could not read the log: ${error.message})`);
}

/**
 * Waits until a line of #log matches: `{ includes }`, `{ endsWith }` or `{ pattern }` (a
 * RegExp). Matchers travel as data, not code, so the wait also works under a strict
 * Content-Security-Policy. On timeout the error shows the whole log.
 */
async function waitForLogLine(page, description, matcher) {
  const wire = matcher.pattern
    ? { pattern: matcher.pattern.source, flags: matcher.pattern.flags }
    : matcher;
  try {
    await page.waitForFunction((wire) => {
      const matches = (text) => {
        if (wire.includes !== undefined) return text.includes(wire.includes);
        if (wire.endsWith !== undefined) return text.endsWith(wire.endsWith);
        return new RegExp(wire.pattern, wire.flags).test(text);
      };
      return [...document.querySelectorAll('#log > *')].some((line) => matches(line.textContent));
    }, wire, { timeout: WAIT_MS });
  } catch {
    throw new Error(`no log line ${description} within ${WAIT_MS} ms; the log:\n${await logText(page)}`);
  }
}

function waitForLogText(page, needle) {
  return waitForLogLine(page, `containing ${JSON.stringify(needle)}`, { includes: needle });
}

/** Waits for a received message whose text is exactly `message` (nothing added or lost). */
function waitForReceived(page, message) {
  const line = `Received from server: ${message}`;
  return waitForLogLine(page, JSON.stringify(line), { endsWith: line });
}

async function waitForState(page, state) {
  try {
    await page.waitForFunction((state) => document.getElementById('state').textContent === state,
      state, { timeout: WAIT_MS });
  } catch {
    const shown = await page.textContent('#state').catch(() => '?');
    throw new Error(`state is "${shown}", not "${state}", after ${WAIT_MS} ms; the log:\n${await logText(page)}`);
  }
}

async function connect(page, url, name = '') {
  await page.fill('#url', url);
  await page.fill('#name', name);
  await page.click('#connect');
  await waitForState(page, 'open');
  await waitForLogText(page, 'Connection established');
}

/** Types into the message box and presses Enter, as a person would. */
async function sendByEnter(page, message) {
  await page.fill('#message', message);
  await page.press('#message', 'Enter');
  const line = `Sent to server: ${message}`;
  await waitForLogLine(page, JSON.stringify(line), { endsWith: line });
}

async function disconnect(page, code, reason = '') {
  await page.selectOption('#close-code', String(code));
  await page.fill('#close-reason', reason);
  await page.click('#disconnect');
}

/** Which of the page's controls are enabled, by id. */
function enabledControls(page) {
  return page.evaluate(() => Object.fromEntries(
    ['url', 'name', 'connect', 'disconnect', 'close-code', 'message', 'send']
      .map((id) => [id, !document.getElementById(id).disabled])));
}

function expectEnabled(actual, expected, when) {
  for (const [id, enabled] of Object.entries(expected)) {
    if (actual[id] !== enabled) {
      throw new Error(`${when}: #${id} is ${actual[id] ? 'enabled' : 'disabled'}, expected ${enabled ? 'enabled' : 'disabled'}`);
    }
  }
}

/** How many lines of a file (a server's log) match. */
function countFileLines(file, pattern) {
  return readFileSync(file, 'utf8').split('\n').filter((line) => pattern.test(line)).length;
}

/** Waits until a file (a server's log) has more than `already` lines that match. */
async function waitForFileLine(file, pattern, already = 0) {
  const deadline = Date.now() + WAIT_MS;
  while (countFileLines(file, pattern) <= already) {
    if (Date.now() > deadline) {
      throw new Error(`no new line matching ${pattern} in ${file} within ${WAIT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function screenshot(page, name) {
  await page.screenshot({ path: join(environment.SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A phone must not need sideways scrolling to read the page. */
async function expectNoHorizontalScroll(page) {
  const widths = await page.evaluate(() =>
    ({ content: document.documentElement.scrollWidth, window: document.documentElement.clientWidth }));
  expect(widths.content <= widths.window,
    `the page is ${widths.content}px wide in a ${widths.window}px window`);
}

// ---- The checks --------------------------------------------------------------------------

check('echo-server: greeting and own message echoed (file://, Enter sends)', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await waitForState(page, 'closed');
  expectEnabled(await enabledControls(page),
    { url: true, name: true, connect: true, disconnect: false, 'close-code': false, message: false, send: false },
    'before connecting');
  await connect(page, ECHO_URL);
  expectEnabled(await enabledControls(page),
    { url: false, name: false, connect: false, disconnect: true, 'close-code': true, message: true, send: false },
    'once open, with an empty message box');
  await waitForLogLine(page, 'with the greeting "Received from server: Request served by <id>"',
    { pattern: /Received from server: Request served by \S+/ });
  await sendByEnter(page, 'hello from the browser');
  await waitForReceived(page, 'hello from the browser');
  // Every line starts with a time, so a reader can see how fast the echo came back.
  const firstLine = await page.textContent('#log > :first-child');
  expect(/^\d{2}:\d{2}:\d{2}/.test(firstLine), `the first log line has no time: ${firstLine}`);
  await screenshot(page, 'desktop-echo');
  await page.setViewportSize(PHONE);
  await expectNoHorizontalScroll(page);
  await screenshot(page, 'phone-echo');
});

check('echo-server: a Cyrillic message comes back intact', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, ECHO_URL);
  const message = 'Привет, мир! Съешь же ещё этих мягких французских булок 🦔';
  await sendByEnter(page, message);
  await waitForReceived(page, message);
});

check('echo-server: Disconnect with 1000 closes cleanly', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, ECHO_URL);
  await page.selectOption('#close-code', '1000');
  // close() moves the socket to CLOSING at once; read the state in the same task as the click.
  const stateAfterClick = await page.evaluate(() => {
    document.getElementById('disconnect').click();
    return document.getElementById('state').textContent;
  });
  expect(stateAfterClick === 'closing', `state right after Disconnect is "${stateAfterClick}"`);
  await waitForState(page, 'closed');
  await waitForLogText(page, 'closed cleanly, code 1000 (Normal Closure)');
  expectEnabled(await enabledControls(page),
    { url: true, connect: true, disconnect: false, message: false, send: false },
    'after the close');
});

check('echo-server: close code 4000 with a reason reaches the server and comes back', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, ECHO_URL);
  await disconnect(page, 4000, 'lesson over');
  await waitForState(page, 'closed');
  // RFC 6455 section 5.5.1: the server echoes the code; echoing the reason is optional,
  // so the reason is looked for in the server's log instead.
  await waitForLogText(page, 'closed cleanly, code 4000 (Application Code)');
  await waitForFileLine(environment.ECHO_LOG, /closed 4000 .*lesson over/);
});

check('echo-server: 1001 is refused by the browser API, and sent by the browser on reload', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, ECHO_URL);
  await disconnect(page, 1001);
  await waitForLogLine(page, 'with an Error explaining that 1001 is the browser\'s own',
    { pattern: /^\S+ Error .*1001.*reload/ });
  await waitForState(page, 'open');
  const before = countFileLines(environment.ECHO_LOG, /closed 1001 \(Going Away\)/);
  await page.reload();
  await waitForFileLine(environment.ECHO_LOG, /closed 1001 \(Going Away\)/, before);
});

check('echo-server: binary messages show their length and first bytes in hex', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, ECHO_URL);
  await page.check('#binary');
  await page.fill('#message', 'hi');
  await page.press('#message', 'Enter');
  await waitForReceived(page, 'binary message, 2 bytes: 68 69');
  await page.fill('#message', '0123456789abcdefXYZ');
  await page.click('#send');
  await waitForReceived(page,
    'binary message, 19 bytes: 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66 …');
});

check('a server that never answers: connecting, then 1006 explained', async () => {
  // A TCP listener that accepts and says nothing: the browser waits in CONNECTING until the
  // socket is dropped, then reports 1006, which is exactly what a learner sees when a
  // server is broken. Chromium logs that failure to the console itself: expected here.
  expectedConsoleErrors = [/WebSocket connection to .* failed/];
  const silentSockets = new Set();
  const silentServer = createServer((socket) => silentSockets.add(socket));
  await new Promise((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
  try {
    const page = await openPage();
    await page.goto(PAGE_URL);
    await page.fill('#url', `ws://127.0.0.1:${silentServer.address().port}/`);
    await page.click('#connect');
    await waitForState(page, 'connecting');
    expectEnabled(await enabledControls(page),
      { url: false, connect: false, disconnect: true, message: false, send: false },
      'while connecting');
    const accepted = Date.now() + WAIT_MS;
    while (silentSockets.size === 0 && Date.now() < accepted) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const socket of silentSockets) socket.destroy();
    await waitForState(page, 'closed');
    await waitForLogText(page, 'closed not cleanly');
    await waitForLogText(page, 'code 1006 (Abnormal Closure)');
    await waitForLogText(page, 'usually means');
    await waitForLogLine(page, 'of kind Error', { pattern: /^\S+ Error / });
    await screenshot(page, 'desktop-1006');
  } finally {
    for (const socket of silentSockets) socket.destroy();
    silentServer.close();
  }
});

check('a server\'s close code and UTF-8 reason are shown as sent', async () => {
  // Our servers rarely send a reason, so a few lines of scripted server do: the handshake
  // of RFC 6455 section 4.2.2, then one close frame (opcode 8) with code 4001 and a reason.
  const reason = 'урок окончен';
  const closePayload = Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from(reason)]);
  const sockets = new Set();
  const closingServer = createServer((socket) => {
    sockets.add(socket);
    let head = '';
    socket.on('data', (bytes) => {
      if (head.endsWith('\r\n\r\n')) {
        socket.end(); // the browser's close frame: the handshake is complete, we close TCP
        return;
      }
      head += bytes.toString('latin1');
      if (!head.endsWith('\r\n\r\n')) return;
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '';
      const accept = createHash('sha1')
        .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' +
        `Connection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.write(Buffer.concat([Buffer.from([0x88, closePayload.length]), closePayload]));
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => closingServer.listen(0, '127.0.0.1', resolve));
  try {
    const page = await openPage();
    await page.goto(PAGE_URL);
    await page.fill('#url', `ws://127.0.0.1:${closingServer.address().port}/`);
    await page.click('#connect');
    // The server closes at once, so "open" may be over before anyone looks: the log keeps it.
    await waitForLogText(page, 'Connection established');
    await waitForState(page, 'closed');
    await waitForLogText(page,
      `closed cleanly, code 4001 (Application Code): defined by the application (4000-4999). Reason: "${reason}".`);
  } finally {
    for (const socket of sockets) socket.destroy();
    closingServer.close();
  }
});

check('com-server: two names, the join notice, a chat line and the time', async () => {
  const alice = await openPage();
  const bogdan = await openPage(PHONE);
  await alice.goto(PAGE_URL);
  await bogdan.goto(PAGE_URL);
  await connect(alice, COM_URL, 'Alice');
  await waitForReceived(alice, 'Server: Hello! Welcome to Chat, Alice');
  // A Cyrillic name checks the ?name= percent-encoding on the way in.
  await connect(bogdan, COM_URL, 'Богдан');
  await waitForReceived(bogdan, 'Server: Hello! Welcome to Chat, Богдан');
  await waitForReceived(alice, 'Server: New User(Богдан) in Chat!');
  await sendByEnter(bogdan, 'Привет всем!');
  await waitForReceived(alice, 'Богдан: Привет всем!');
  await waitForReceived(bogdan, 'Богдан: Привет всем!');
  await sendByEnter(alice, 'time');
  await waitForLogLine(alice, 'with the time answer (HH:MM:SS)',
    { pattern: /Received from server: .*\b([01]\d|2[0-3]):[0-5]\d:[0-5]\d\b/ });
  await screenshot(alice, 'desktop-chat');
  await expectNoHorizontalScroll(bogdan);
  await screenshot(bogdan, 'phone-chat');
});

check('com-server: an HTML chat message stays text (no element created, no script run)', async () => {
  const mallory = await openPage();
  const reader = await openPage();
  await mallory.goto(PAGE_URL);
  await reader.goto(PAGE_URL);
  await connect(mallory, COM_URL, 'Mallory');
  await connect(reader, COM_URL, 'Reader');
  const attack = '<img src=x onerror=alert(1)>';
  await sendByEnter(mallory, attack);
  await waitForReceived(reader, `Mallory: ${attack}`);
  await waitForReceived(mallory, `Mallory: ${attack}`);
  for (const page of [mallory, reader]) {
    const images = await page.evaluate(() => document.getElementsByTagName('img').length);
    expect(images === 0, `${images} img element(s) appeared in the page`);
  }
});

check('com-server: a binary message is refused with 1003 (Unsupported Data)', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, COM_URL, 'Binary');
  await page.check('#binary');
  await page.fill('#message', 'bytes');
  await page.press('#message', 'Enter');
  await waitForState(page, 'closed');
  await waitForLogText(page, 'code 1003 (Unsupported Data)');
});

check('the page served by the echo-server at /.ws connects to it', async () => {
  const page = await openPage();
  const requested = [];
  page.on('request', (request) => requested.push(request.url()));
  const response = await page.goto(SERVED_PAGE_URL);
  expect(response && response.status() === 200, `GET /.ws answered ${response?.status()}`);
  // Served over http, the page proposes the server it came from.
  const proposed = await page.inputValue('#url');
  expect(proposed === ECHO_URL, `the URL field proposes ${proposed}, not ${ECHO_URL}`);
  // style.css arrived if its rules apply; socket.js did if the connection works.
  const logOverflow = await page.evaluate(() => getComputedStyle(document.getElementById('log')).overflowY);
  expect(logOverflow === 'auto', 'style.css did not apply (the log does not scroll)');
  await page.click('#connect');
  await waitForState(page, 'open');
  await waitForLogText(page, 'Received from server: Request served by ');
  await sendByEnter(page, 'served over http');
  await waitForReceived(page, 'served over http');
  await screenshot(page, 'desktop-served');
  console.log(`#   the served page requested: ${requested.join(' ')}`);
});

// ---- Running them ------------------------------------------------------------------------

async function main() {
  mkdirSync(environment.SCREENSHOT_DIR, { recursive: true });
  browser = await chromium.connectOverCDP(environment.CDP_ENDPOINT, { timeout: 15_000 });
  let passed = 0;
  let failed = 0;
  for (const [index, { name, body }] of checks.entries()) {
    problems = [];
    expectedConsoleErrors = [];
    openContexts = [];
    let failure = null;
    try {
      await withTimeout(body(), CHECK_TIMEOUT_MS, name);
    } catch (error) {
      failure = error.message;
    }
    for (const context of openContexts) await context.close().catch(() => {});
    if (!failure && problems.length > 0) failure = problems.join('\n');
    if (failure) {
      failed += 1;
      console.log(`not ok ${index + 1} - ${name}`);
      console.log(failure.split('\n').map((line) => `#   ${line}`).join('\n'));
    } else {
      passed += 1;
      console.log(`ok ${index + 1} - ${name}`);
    }
  }
  await browser.close().catch(() => {});
  console.log(`screenshots: ${environment.SCREENSHOT_DIR}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

const watchdog = setTimeout(() => {
  console.log(`browser test: watchdog fired after ${WATCHDOG_MS} ms`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

main().then(
  (status) => process.exit(status),
  (error) => {
    console.log(`browser test could not run: ${error.stack ?? error}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
