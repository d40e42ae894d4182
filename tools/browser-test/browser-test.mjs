// browser-test.mjs: drives client/index.html in a real Chromium and a real Firefox, the way a
// learner would, against the real echo-server and com-server that run.sh has started. Each
// check runs in each browser: it opens fresh pages, clicks and types through the page's
// stable element ids, and reads the log; any console error, page error or failed request
// during a check fails it. Puppeteer drives Chromium over the DevTools protocol and Firefox
// over WebDriver BiDi, the W3C protocol both browsers speak.
//
// Inputs (environment, set by run.sh): CHROMIUM_ENDPOINT and FIREFOX_ENDPOINT (the browsers
// to drive; either may be missing, not both), ECHO_PORT, COM_PORT, ECHO_LOG (the
// echo-server's stdout file), CLIENT_DIR, SCREENSHOT_DIR.

import { createHash } from 'node:crypto';
import { createServer, connect as connectTcp } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

// Every wait is bounded: a local server answers in milliseconds, so five seconds means
// "it is not coming", not "it is slow".
const WAIT_MS = 5_000;
const CHECK_TIMEOUT_MS = 30_000;
// The whole run's budget; run.sh's `timeout` is the outer guard behind this one.
const WATCHDOG_MS = 540_000;
// After a long message is shown, a click must be answered within this (issue 15: a 1 MiB
// text once froze Chromium for 17 s).
const RESPONSIVE_MS = 200;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const environment = readEnvironment(
  ['ECHO_PORT', 'COM_PORT', 'ECHO_LOG', 'CLIENT_DIR', 'SCREENSHOT_DIR']);
const BROWSERS = [
  { name: 'chromium', endpoint: process.env.CHROMIUM_ENDPOINT, protocol: 'cdp' },
  { name: 'firefox', endpoint: process.env.FIREFOX_ENDPOINT, protocol: 'webDriverBiDi' },
].filter((candidate) => candidate.endpoint);
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
/** Browser-side errors the current check provokes on purpose, as regular expressions. */
let expectedConsoleErrors = [];
/** Contexts opened by the current check, closed when it ends whatever happened. */
let openContexts = [];
let browser;
/** The browser the current check runs in: its name and the console errors it logs by itself. */
let browserName = '';

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
  const context = await browser.createBrowserContext();
  openContexts.push(context);
  const page = await context.newPage();
  await page.setViewport(viewport);
  page.setDefaultTimeout(WAIT_MS);
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (!expectedConsoleErrors.some((pattern) => pattern.test(text))) {
      problems.push(`console error: ${text}`);
    }
  });
  // Firefox reports a failed WebSocket as a page error and a failed request, Chromium as a
  // console error: the expected patterns cover all three.
  const unexpected = (text) => {
    if (!expectedConsoleErrors.some((pattern) => pattern.test(text))) problems.push(text);
  };
  page.on('pageerror', (error) => unexpected(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    unexpected(`request failed: ${request.url()} (${request.failure()?.errorText})`));
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

// Puppeteer's page API is lower level than a person's view: these few helpers type, press,
// tick and read as a person would, in both browsers alike.

/** Sets a field's value and tells the page, as typing does (the `input` event). */
function fill(page, selector, value) {
  return page.$eval(selector, (field, value) => {
    field.value = value;
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

async function press(page, selector, key) {
  await page.focus(selector);
  await page.keyboard.press(key);
}

/** Ticks a checkbox by clicking it, so its change event fires as for a person. */
function tick(page, selector) {
  return page.$eval(selector, (box) => { if (!box.checked) box.click(); });
}

function textOf(page, selector) {
  return page.$eval(selector, (found) => found.textContent);
}

function valueOf(page, selector) {
  return page.$eval(selector, (field) => field.value);
}

/** Waits for a condition in the page; `argument` travels as data. */
function waitInPage(page, condition, argument, timeout = WAIT_MS) {
  return page.waitForFunction(condition, { timeout, polling: 100 }, argument);
}

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
    await waitInPage(page, (wire) => {
      const matches = (text) => {
        if (wire.includes !== undefined) return text.includes(wire.includes);
        if (wire.endsWith !== undefined) return text.endsWith(wire.endsWith);
        return new RegExp(wire.pattern, wire.flags).test(text);
      };
      return [...document.querySelectorAll('#log > *')].some((line) => matches(line.textContent));
    }, wire);
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
    await waitInPage(page, (state) => document.getElementById('state').dataset.state === state,
      state);
  } catch {
    const shown = await textOf(page, '#state').catch(() => '?');
    throw new Error(`state is "${shown}", not "${state}", after ${WAIT_MS} ms; the log:\n${await logText(page)}`);
  }
}

async function connect(page, url, name = '') {
  await fill(page, '#url', url);
  await fill(page, '#name', name);
  await page.click('#connect');
  await waitForState(page, 'open');
  await waitForLogText(page, 'Connection established');
}

/** Types into the message box and presses Enter, as a person would. */
async function sendByEnter(page, message) {
  await fill(page, '#message', message);
  await press(page, '#message', 'Enter');
  const line = `Sent to server: ${message}`;
  await waitForLogLine(page, JSON.stringify(line), { endsWith: line });
}

async function disconnect(page, code, reason = '') {
  await page.select('#close-code', String(code));
  await fill(page, '#close-reason', reason);
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
  await page.screenshot({ path: join(environment.SCREENSHOT_DIR, `${browserName}-${name}.png`),
    fullPage: true });
}

/** A picture of the last element that matches, scrolled into view first. */
async function screenshotLast(page, selector, name) {
  const found = await page.$$(selector);
  const last = found.at(-1);
  await last.evaluate((shown) => shown.scrollIntoView({ block: 'start' }));
  await last.screenshot({ path: join(environment.SCREENSHOT_DIR, `${browserName}-${name}.png`) });
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
  const firstLine = await textOf(page, '#log > :first-child');
  expect(/^\d{2}:\d{2}:\d{2}/.test(firstLine), `the first log line has no time: ${firstLine}`);
  await screenshot(page, 'desktop-echo');
  await page.setViewport(PHONE);
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
  await page.select('#close-code', '1000');
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
  await tick(page, '#binary');
  await fill(page, '#message', 'hi');
  await press(page, '#message', 'Enter');
  await waitForReceived(page, 'binary message, 2 bytes: 68 69');
  await fill(page, '#message', '0123456789abcdefXYZ');
  await page.click('#send');
  await waitForReceived(page,
    'binary message, 19 bytes: 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66 …');
});

check('a server that never answers: connecting, then 1006 explained', async () => {
  // A TCP listener that accepts and says nothing: the browser waits in CONNECTING until the
  // socket is dropped, then reports 1006, which is exactly what a learner sees when a
  // server is broken. Both browsers log that failure to the console themselves: expected here.
  const silentSockets = new Set();
  const silentServer = createServer((socket) => silentSockets.add(socket));
  await new Promise((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
  const silentUrl = `127\\.0\\.0\\.1:${silentServer.address().port}/`;
  expectedConsoleErrors = [new RegExp(`WebSocket connection to 'ws://${silentUrl}' failed`),
    new RegExp(`can.t establish a connection to the server at ws://${silentUrl}`),
    new RegExp(`^request failed: http://${silentUrl} `)];
  try {
    const page = await openPage();
    await page.goto(PAGE_URL);
    await fill(page, '#url', `ws://127.0.0.1:${silentServer.address().port}/`);
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
    await fill(page, '#url', `ws://127.0.0.1:${closingServer.address().port}/`);
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
  await tick(page, '#binary');
  await fill(page, '#message', 'bytes');
  await press(page, '#message', 'Enter');
  await waitForState(page, 'closed');
  await waitForLogText(page, 'code 1003 (Unsupported Data)');
});

check('com-server: a message over --max-message gets 1009 and a clean close', async () => {
  // The server sends its close frame and then waits for the browser's before it closes
  // TCP (RFC 6455 section 7.1.1), so every browser reports wasClean with the code.
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, COM_URL, 'Big');
  await fill(page, '#message', 'x'.repeat(70_000));
  await press(page, '#message', 'Enter');
  await waitForState(page, 'closed');
  await waitForLogText(page, 'closed cleanly, code 1009 (Message Too Big)');
});

check('the page served by the echo-server at /.ws connects to it', async () => {
  const page = await openPage();
  const requested = [];
  page.on('request', (request) => requested.push(request.url()));
  const response = await page.goto(SERVED_PAGE_URL);
  expect(response && response.status() === 200, `GET /.ws answered ${response?.status()}`);
  // Served over http, the page proposes the server it came from.
  const proposed = await valueOf(page, '#url');
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
  // Firefox also lists the data: URLs of its own built-in fonts and of the page's empty icon.
  const fromNetwork = requested.filter((url) => !url.startsWith('data:'));
  console.log(`#   the served page requested: ${fromNetwork.join(' ')}`);
});

// ---- The frame view (the echo-server's /dissect path) ------------------------------------

/**
 * Reads a drawn frame as a learner would: the hex the page shows for the masking key and for
 * the payload bytes on the wire, and the MASK bit in the diagram. The last frame drawn that
 * matches `selector` counts.
 */
function readShownFrame(page, selector) {
  return page.$$eval(selector, (frames) => {
    const frame = frames.at(-1);
    const hex = (cells) => [...cells].map((cell) => parseInt(cell.textContent, 16));
    const key = frame.querySelector('code.masking-key');
    const bits = [...frame.querySelectorAll('.bit')].map((bit) => bit.textContent);
    return {
      mask: bits[8],
      key: key === null ? [] : key.textContent.split(' ').map((byte) => parseInt(byte, 16)),
      wire: hex(frame.querySelectorAll('.byte.wire')),
      plain: hex(frame.querySelectorAll('.byte.plain')),
    };
  });
}

/** The payload the shown key gives, unmasked here (RFC 6455 section 5.3), not by the page. */
function unmaskShown(frame) {
  return Buffer.from(frame.wire.map((byte, index) => byte ^ frame.key[index % 4]));
}

async function waitForFrame(page, selector, what) {
  try {
    await waitInPage(page, (selector) => document.querySelector(selector) !== null, selector);
  } catch {
    throw new Error(`no ${what} (${selector}) drawn within ${WAIT_MS} ms; the log:\n${await logText(page)}`);
  }
}

async function connectFramesView(page) {
  await tick(page, '#show-frames');
  await connect(page, ECHO_URL);
  await waitForLogText(page, `Connecting to ${ECHO_URL.replace(/\/$/, '/dissect')}`);
}

check('frame view: your Привет, masked and unmasked, the key that links them, the server\'s reply', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connectFramesView(page);
  await sendByEnter(page, 'Привет');
  await waitForReceived(page, 'Привет');
  const browserFrame = '.frame[data-direction="browser"][data-opcode="1"]';
  const serverFrame = '.frame[data-direction="server"][data-opcode="1"]';
  await waitForFrame(page, serverFrame, 'server text frame');
  const sent = await readShownFrame(page, browserFrame);
  expect(sent.mask === '1', `the browser's frame shows MASK=${sent.mask}`);
  expect(sent.key.length === 4, `the shown masking key has ${sent.key.length} bytes`);
  const unmasked = unmaskShown(sent);
  expect(unmasked.toString('utf8') === 'Привет',
    `the shown key unmasks the shown bytes to ${JSON.stringify(unmasked.toString('utf8'))}`);
  expect(Buffer.from(sent.plain).equals(unmasked), 'the XOR row does not match key XOR wire');
  expect(!unmasked.equals(Buffer.from(sent.wire)), 'the bytes on the wire are not masked');
  const reply = await readShownFrame(page, serverFrame);
  expect(reply.mask === '0', `the server's frame shows MASK=${reply.mask}`);
  expect(Buffer.from(reply.wire).toString('utf8') === 'Привет', 'the server\'s reply is not Привет');
  await waitForLogText(page, 'the server never masks');
  await screenshot(page, 'frames-desktop');
  // The book's pictures (docs/images/): the drawn frames alone, in a window tall enough that
  // the log holds them whole.
  await page.setViewport({ width: DESKTOP.width, height: 1400 });
  await screenshotLast(page, '#log > [data-kind="frames"]', 'frames-entry-desktop');
  await page.setViewport(PHONE);
  await expectNoHorizontalScroll(page);
  await page.$$eval(browserFrame, (frames) => frames.at(-1).scrollIntoView());
  await screenshot(page, 'frames-phone');
  await page.setViewport({ width: PHONE.width, height: 1900 });
  await screenshotLast(page, browserFrame, 'frames-browser-phone');
});

check('frame view: ping me shows the server\'s ping and the browser\'s masked pong', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connectFramesView(page);
  await page.click('#ping');
  await waitForFrame(page, '.frame[data-direction="server"][data-opcode="9"]', 'server ping');
  await waitForFrame(page, '.frame[data-direction="browser"][data-opcode="10"]', 'browser pong');
  const ping = await readShownFrame(page, '.frame[data-direction="server"][data-opcode="9"]');
  const pong = await readShownFrame(page, '.frame[data-direction="browser"][data-opcode="10"]');
  expect(ping.mask === '0' && pong.mask === '1', `MASK is ${ping.mask} on the ping, ${pong.mask} on the pong`);
  const pongPayload = unmaskShown(pong);
  expect(pongPayload.equals(Buffer.from(ping.wire)),
    `the pong carries ${JSON.stringify(pongPayload.toString())}, the ping ${JSON.stringify(Buffer.from(ping.wire).toString())}`);
});

check('frame view: Disconnect shows the browser\'s close frame, code and reason masked', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connectFramesView(page);
  await disconnect(page, 4000, 'пока');
  await waitForState(page, 'closed');
  await waitForLogText(page, 'closed cleanly, code 4000');
  const closeFrame = '.frame[data-direction="browser"][data-opcode="8"]';
  await waitForFrame(page, closeFrame, 'browser close frame');
  const shown = await readShownFrame(page, closeFrame);
  const payload = unmaskShown(shown);
  expect(shown.mask === '1', `the close frame shows MASK=${shown.mask}`);
  expect(payload.readUInt16BE(0) === 4000, `the shown close code is ${payload.readUInt16BE(0)}`);
  expect(payload.subarray(2).toString('utf8') === 'пока',
    `the shown reason is ${JSON.stringify(payload.subarray(2).toString('utf8'))}`);
  await waitForLogText(page, 'close code 4000, reason "пока"');
  await screenshot(page, 'frames-close');
});

check('frame view off: plain / draws nothing and echoes as before', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, ECHO_URL);
  await sendByEnter(page, 'Привет');
  await waitForReceived(page, 'Привет');
  const drawn = await page.$$eval('.frame', (frames) => frames.length);
  expect(drawn === 0, `${drawn} frames drawn without the frame view`);
  expect(!(await page.$eval('#ping', (button) => button.hidden === false)), 'ping me is shown');
});

// ---- Long text, the Russian page, the server's notices, the browsers' handshakes ---------

/**
 * Sends a text of `size` characters through the page (made in the page, not carried over the
 * driver's connection), waits for its echo, then times a click: the page must answer it
 * within RESPONSIVE_MS, which a page busy laying out a huge word cannot.
 */
async function expectResponsiveAfterEcho(page, size) {
  await page.evaluate((size) => {
    const field = document.getElementById('message');
    field.value = 'ж'.repeat(size);
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }, size);
  await page.click('#send');
  await waitForLogLine(page, `with the echo of ${size} characters`,
    { pattern: new RegExp(`^\\S+ Received from server: ж{200} … \\(${size} characters, ${size * 2} bytes`) });
  const copyButtons = await page.$$eval('#log .copy', (buttons) => buttons.length);
  expect(copyButtons === 2, `${copyButtons} copy buttons for the message and its echo`);
  const started = Date.now();
  const answered = await page.evaluate(() => new Promise((resolve) => {
    const clicked = performance.now();
    const button = document.getElementById('clear-log');
    button.addEventListener('click', () => {
      // The click is answered once the browser has drawn the frame after it.
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - clicked), 0));
    }, { once: true });
    button.click();
  }));
  const total = Date.now() - started;
  expect(total < RESPONSIVE_MS,
    `after a ${size}-character echo a click took ${total} ms (${Math.round(answered)} ms in the page), not under ${RESPONSIVE_MS}`);
  console.log(`#   ${browserName}: a click after a ${size}-character echo: ${total} ms`);
}

check('long text: after a 1 MiB and a 16 MiB echo the page answers a click at once', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, ECHO_URL);
  // Cyrillic, two bytes each in UTF-8: 512 Ki and 8 Mi characters are 1 MiB and 16 MiB.
  await expectResponsiveAfterEcho(page, 512 * 1024);
  await expectResponsiveAfterEcho(page, 8 * 1024 * 1024);
});

check('Russian: the original client\'s log lines, remembered after a reload', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await page.select('#language', 'ru');
  await fill(page, '#url', ECHO_URL);
  await page.click('#connect');
  await waitForState(page, 'open');
  await waitForLogText(page, 'Соединение с сервером установлено');
  await waitForLogLine(page, 'Получено сообщение от сервера: Request served by <id>',
    { pattern: /Получено сообщение от сервера: Request served by \S+/ });
  await fill(page, '#message', 'Привет!');
  await press(page, '#message', 'Enter');
  await waitForLogLine(page, 'Отправлено сообщение серверу: Привет!',
    { endsWith: 'Отправлено сообщение серверу: Привет!' });
  await waitForLogLine(page, 'Получено сообщение от сервера: Привет!',
    { endsWith: 'Получено сообщение от сервера: Привет!' });
  await disconnect(page, 1000, 'урок окончен');
  await waitForLogText(page, 'Соединение закрыто чисто. Код: 1000, причина: урок окончен');
  const connectLabel = await textOf(page, '#connect');
  expect(connectLabel === 'Установить соединение', `the Connect button reads ${connectLabel}`);
  await page.reload();
  const language = await valueOf(page, '#language');
  expect(language === 'ru', `after a reload the language is ${language}`);
  const table = await textOf(page, '#close-code-table');
  for (const name of ['CLOSE_NORMAL', 'CLOSE_GOING_AWAY', 'CLOSE_PROTOCOL_ERROR', 'CLOSE_UNSUPPORTED',
    'CLOSED_NO_STATUS', 'CLOSE_ABNORMAL', 'CLOSE_TOO_LARGE', 'Normal Closure']) {
    expect(table.includes(name), `the close-code table has no ${name}`);
  }
  await page.select('#language', 'en');
});

check('com-server: the server\'s notices are shown apart from chat lines', async () => {
  const page = await openPage();
  await page.goto(PAGE_URL);
  await connect(page, COM_URL, 'Notes');
  await waitForReceived(page, 'Server: Hello! Welcome to Chat, Notes');
  await sendByEnter(page, 'just chat');
  await waitForReceived(page, 'Notes: just chat');
  const kinds = await page.$$eval('#log > *', (lines) =>
    Object.fromEntries(lines.map((line) => [line.querySelector('.text').textContent, line.dataset.kind])));
  expect(kinds['Server: Hello! Welcome to Chat, Notes'] === 'notice',
    `the greeting is shown as ${kinds['Server: Hello! Welcome to Chat, Notes']}`);
  expect(kinds['Notes: just chat'] === 'received', `the chat line is shown as ${kinds['Notes: just chat']}`);
});

/**
 * A TCP relay in front of the real echo-server that keeps a copy of what the browser sent
 * first: its opening handshake, exactly as the server gets it.
 */
async function startRecordingRelay() {
  const handshakes = [];
  const sockets = new Set();
  const relay = createServer((browserSide) => {
    const serverSide = connectTcp(Number(environment.ECHO_PORT), '127.0.0.1');
    sockets.add(browserSide).add(serverSide);
    let head = '';
    browserSide.on('data', (bytes) => {
      if (!head.includes('\r\n\r\n')) {
        head += bytes.toString('latin1');
        if (head.includes('\r\n\r\n')) handshakes.push(head.split('\r\n\r\n')[0]);
      }
    });
    browserSide.pipe(serverSide).pipe(browserSide);
    browserSide.on('error', () => serverSide.destroy());
    serverSide.on('error', () => browserSide.destroy());
  });
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const stop = () => {
    for (const socket of sockets) socket.destroy();
    relay.close();
  };
  return { port: relay.address().port, handshakes, stop };
}

check('the browser\'s own handshake from file:// is accepted (Origin: null, its extension offer)', async () => {
  const relay = await startRecordingRelay();
  try {
    const page = await openPage();
    await page.goto(PAGE_URL);
    await connect(page, `ws://127.0.0.1:${relay.port}/`);
    await sendByEnter(page, 'through the relay');
    await waitForReceived(page, 'through the relay');
    const handshake = relay.handshakes.find((head) => /^GET /.test(head)) ?? '';
    const header = (name) => new RegExp(`^${name}: *(.*)$`, 'im').exec(handshake)?.[1] ?? null;
    expect(header('Origin') === 'null', `Origin is ${header('Origin')}`);
    expect(header('Sec-WebSocket-Extensions')?.startsWith('permessage-deflate'),
      `the extension offer is ${header('Sec-WebSocket-Extensions')}`);
    if (browserName === 'firefox') {
      // Firefox offers permessage-deflate bare and adds Fetch metadata; Chromium does neither.
      expect(header('Sec-WebSocket-Extensions') === 'permessage-deflate',
        `Firefox offered ${header('Sec-WebSocket-Extensions')}`);
      expect(/^Sec-Fetch-/im.test(handshake), 'Firefox sent no Sec-Fetch-* header');
    }
    const offered = handshake.split('\r\n').filter((line) => /^(Origin|Sec-WebSocket-Extensions|Sec-Fetch-[^:]*):/i.test(line));
    console.log(`#   ${browserName}: ${offered.join(' | ')}`);
  } finally {
    relay.stop();
  }
});

// ---- Running them ------------------------------------------------------------------------

/** Runs every check in one browser; returns [passed, failed]. */
async function runChecks(target, firstNumber) {
  browserName = target.name;
  browser = await puppeteer.connect({
    browserWSEndpoint: target.endpoint, protocol: target.protocol, defaultViewport: null,
    protocolTimeout: 60_000,
  });
  console.log(`# ${target.name}: ${await browser.version()}`);
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
    const title = `${firstNumber + index} - ${target.name}: ${name}`;
    if (failure) {
      failed += 1;
      console.log(`not ok ${title}`);
      console.log(failure.split('\n').map((line) => `#   ${line}`).join('\n'));
    } else {
      passed += 1;
      console.log(`ok ${title}`);
    }
  }
  // Leaves the browser running: run.sh started it and stops it.
  await browser.disconnect().catch(() => {});
  return [passed, failed];
}

async function main() {
  mkdirSync(environment.SCREENSHOT_DIR, { recursive: true });
  if (BROWSERS.length === 0) throw new Error('neither CHROMIUM_ENDPOINT nor FIREFOX_ENDPOINT is set');
  let passed = 0;
  let failed = 0;
  for (const target of BROWSERS) {
    const [passedHere, failedHere] = await runChecks(target, passed + failed + 1);
    passed += passedHere;
    failed += failedHere;
  }
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
