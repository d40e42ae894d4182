// socket.js: everything the client page does, in plain JavaScript with no library. It is a
// thin layer over the browser's WebSocket API: the API's four events (open, message, error,
// close) each become a line in the log, and the buttons call its two methods, send() and
// close(). Read it top to bottom like a tutorial listing.
'use strict';

// Where a page opened from a file connects by default: the echo-server of the tutorial's
// second step. The preset buttons in index.html offer the com-server and the public echo too.
const ECHO_SERVER_URL = 'ws://127.0.0.1:7776/';

// WebSocket.readyState is a number; these are the words the page shows for it, in its order
// (CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3).
const STATE_NAMES = ['connecting', 'open', 'closing', 'closed'];

// A binary message is shown as its length and its first bytes in hex: enough to recognise
// it, short enough that a 16 MiB message does not freeze the page.
const BINARY_PREVIEW_BYTES = 16;

// The close codes of RFC 6455 section 7.4 and the IANA registry, with the names the Rust
// servers print (frame/src/close.rs), so the page and the server logs tell one story. The
// meanings are the same too, except that the three codes a browser reports but never
// sends say so from the browser's side.
const CLOSE_CODES = new Map([
  [1000, ['Normal Closure', 'the purpose of the connection was fulfilled']],
  [1001, ['Going Away', 'the endpoint is going away (server shutdown, page left)']],
  [1002, ['Protocol Error', 'the peer broke the WebSocket protocol']],
  [1003, ['Unsupported Data', 'the endpoint cannot accept this type of data']],
  [1004, ['Reserved', 'reserved; must not be sent']],
  [1005, ['No Status Received', 'the close frame carried no status code (reported, never sent)']],
  [1006, ['Abnormal Closure', 'the connection dropped without a close frame (reported, never sent)']],
  [1007, ['Invalid Frame Payload Data', 'the data did not match the message type (bad UTF-8)']],
  [1008, ['Policy Violation', "the message broke the endpoint's policy"]],
  [1009, ['Message Too Big', 'the message is too big to process']],
  [1010, ['Mandatory Extension', 'the server did not negotiate a required extension']],
  [1011, ['Internal Error', 'the server met an unexpected condition']],
  [1012, ['Service Restart', 'the service is restarting']],
  [1013, ['Try Again Later', 'the server is overloaded; try again later']],
  [1014, ['Bad Gateway', 'a gateway got an invalid response from upstream']],
  [1015, ['TLS Handshake', 'the TLS handshake failed (reported, never sent)']],
]);
const LIBRARY_CODES = ['Library Code', 'defined by a library or framework (3000-3999)'];
const APPLICATION_CODES = ['Application Code', 'defined by the application (4000-4999)'];

// 1006 is the code learners meet most and understand least, so its line says more.
const ABNORMAL_CLOSURE_HINT =
  'This usually means the TCP connection ended without a close frame: the server is not ' +
  'running, refused the handshake (its log and the browser console, F12, say why), crashed, ' +
  'or something in between cut the connection. Browsers tell a page no more than that, on ' +
  'purpose, so that pages cannot probe your network.';

/** Returns [name, meaning] for any close code, including the ranges and invalid numbers. */
function describeCloseCode(code) {
  if (CLOSE_CODES.has(code)) return CLOSE_CODES.get(code);
  if (code >= 3000 && code <= 3999) return LIBRARY_CODES;
  if (code >= 4000 && code <= 4999) return APPLICATION_CODES;
  return ['Invalid Code', 'not a valid close code'];
}

// The elements, found once by their ids. The ids are part of the page's contract: tests (ours
// and anyone's) drive the page through them.
const urlInput = document.getElementById('url');
const nameInput = document.getElementById('name');
const presetButtons = document.querySelectorAll('.preset');
const connectForm = document.getElementById('connect-form');
const connectButton = document.getElementById('connect');
const disconnectButton = document.getElementById('disconnect');
const closeCodeSelect = document.getElementById('close-code');
const closeReasonInput = document.getElementById('close-reason');
const sendForm = document.getElementById('send-form');
const messageInput = document.getElementById('message');
const binaryCheckbox = document.getElementById('binary');
const sendButton = document.getElementById('send');
const log = document.getElementById('log');
const clearLogButton = document.getElementById('clear-log');
const stateOutput = document.getElementById('state');
const closeCodeTable = document.getElementById('close-code-table');

// The one WebSocket of the page, or null before the first Connect. Connect is only enabled
// once the previous socket is closed, so there is never more than one.
let socket = null;

// ---- The log ---------------------------------------------------------------------------

/** "14:03:27.512": local time with milliseconds, since a message and its echo are often
 * less than a second apart. */
function formatClock(date) {
  const twoDigits = (number) => String(number).padStart(2, '0');
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:` +
    `${twoDigits(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * Appends one line to the log: the time, a label for the kind of event, and the text.
 * Everything goes in through textContent, never innerHTML: a chat message such as
 * <img src=x onerror=alert(1)> must show as those characters, not run as markup.
 */
function appendLogLine(kind, label, text) {
  const now = new Date();
  const line = document.createElement('li');
  line.className = 'log-line';
  line.dataset.kind = kind;

  const time = document.createElement('time');
  time.dateTime = now.toISOString();
  time.textContent = formatClock(now);

  const labelElement = document.createElement('span');
  labelElement.className = 'label';
  labelElement.textContent = label;

  const textElement = document.createElement('span');
  textElement.className = 'text';
  textElement.textContent = text;

  // Follow new lines only if the reader is already at the bottom, so that scrolling up
  // to read an old line is not interrupted by a busy chat.
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
  line.append(time, ' ', labelElement, ' ', textElement);
  log.append(line);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

/** "binary message, 5 bytes: 68 65 6c 6c 6f", the first bytes only for long messages. */
function describeBinary(bytes) {
  const preview = Array.from(bytes.subarray(0, BINARY_PREVIEW_BYTES),
    (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const length = `binary message, ${bytes.length} ${bytes.length === 1 ? 'byte' : 'bytes'}`;
  if (bytes.length === 0) return length;
  const more = bytes.length > BINARY_PREVIEW_BYTES ? ' …' : '';
  return `${length}: ${preview}${more}`;
}

/** A text message as it is; an empty one would be an invisible line, so it says so. */
function describeText(text) {
  return text === '' ? '(empty text message)' : text;
}

// ---- The state and the buttons ---------------------------------------------------------

function currentState() {
  return socket === null ? 'closed' : STATE_NAMES[socket.readyState];
}

/** Shows the state and enables exactly the controls that make sense in it. */
function render() {
  const state = currentState();
  stateOutput.textContent = state;
  stateOutput.dataset.state = state;

  const closed = state === 'closed';
  const open = state === 'open';
  // Closing a socket that is still connecting is allowed: it abandons the attempt.
  const closable = open || state === 'connecting';

  // Where to connect is fixed once a connection exists: editing it then would change nothing.
  urlInput.disabled = !closed;
  nameInput.disabled = !closed;
  for (const button of presetButtons) button.disabled = !closed;
  connectButton.disabled = !closed || urlInput.value.trim() === '';

  closeCodeSelect.disabled = !closable;
  closeReasonInput.disabled = !closable;
  disconnectButton.disabled = !closable;

  messageInput.disabled = !open;
  binaryCheckbox.disabled = !open;
  sendButton.disabled = !open || messageInput.value === '';
}

// ---- Connecting ------------------------------------------------------------------------

/**
 * The server URL with the name appended as ?name=. encodeURIComponent percent-encodes it as
 * UTF-8, so "Богдан" travels as %D0%91%D0%BE... and the server decodes it back.
 */
function urlWithName(url, name) {
  if (name === '') return url;
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}name=${encodeURIComponent(name)}`;
}

// ANCHOR: connect
function connect() {
  const url = urlWithName(urlInput.value.trim(), nameInput.value.trim());
  appendLogLine('info', 'Connecting to', url);
  try {
    socket = new WebSocket(url);
  } catch (error) {
    // The constructor throws for URLs it cannot use (a typo, a #fragment); nothing was sent.
    socket = null;
    appendLogLine('error', 'Error', `cannot connect to ${url}: ${error.message}`);
    render();
    return;
  }
  // ArrayBuffer rather than the default Blob: its bytes can be read at once, without
  // an asynchronous read that could reorder the log.
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('open', onOpen);
  socket.addEventListener('message', onMessage);
  socket.addEventListener('error', onError);
  socket.addEventListener('close', onClose);
  render();
}
// ANCHOR_END: connect

// ANCHOR: on_open
function onOpen() {
  appendLogLine('open', 'Connection established', '');
  render();
  messageInput.focus();
}
// ANCHOR_END: on_open

// ANCHOR: on_message
function onMessage(event) {
  const text = typeof event.data === 'string'
    ? describeText(event.data)
    : describeBinary(new Uint8Array(event.data));
  appendLogLine('received', 'Received from server:', text);
}
// ANCHOR_END: on_message

// ANCHOR: on_error
function onError() {
  // The event carries no detail by design (see ABNORMAL_CLOSURE_HINT); the close event that
  // always follows has the code.
  appendLogLine('error', 'Error',
    'the connection failed or broke; the close line below has the code, the browser console the details');
  render();
}
// ANCHOR_END: on_error

// ANCHOR: on_close
/** The close event says whether the closing handshake completed, the code and the reason. */
function onClose(event) {
  const [name, meaning] = describeCloseCode(event.code);
  const cleanness = event.wasClean ? 'cleanly' : 'not cleanly (no closing handshake)';
  const reason = event.reason === '' ? 'No reason given.' : `Reason: "${event.reason}".`;
  let text = `${cleanness}, code ${event.code} (${name}): ${meaning}. ${reason}`;
  if (event.code === 1006) text += ` ${ABNORMAL_CLOSURE_HINT}`;
  appendLogLine('close', 'Connection closed', text);
  render();
}
// ANCHOR_END: on_close

// ---- Sending and closing ---------------------------------------------------------------

function sendMessage() {
  const text = messageInput.value;
  if (currentState() !== 'open' || text === '') return;
  if (binaryCheckbox.checked) {
    // A binary frame (opcode 2) with the text's UTF-8 bytes: the echo-server returns it as
    // it is, the com-server refuses it with 1003, as the articles' table says.
    const bytes = new TextEncoder().encode(text);
    socket.send(bytes);
    appendLogLine('sent', 'Sent to server:', describeBinary(bytes));
  } else {
    socket.send(text);
    appendLogLine('sent', 'Sent to server:', describeText(text));
  }
  messageInput.value = '';
  render();
}

function disconnect() {
  const code = Number(closeCodeSelect.value);
  const reason = closeReasonInput.value;
  try {
    socket.close(code, reason);
  } catch (error) {
    // The API lets a page send only 1000 and 3000-4999, and a reason of at most 123 bytes
    // of UTF-8 (a close frame's payload is at most 125 bytes, RFC 6455 section 5.5).
    // 1001 is for the browser itself: it sends it when you leave or reload the page.
    appendLogLine('error', 'Error', `${error.name}: ${error.message}` +
      (code === 1001
        ? ' The browser sends 1001 by itself when the page goes away: reload this page while' +
          ' connected and watch the server log a 1001 (Going Away) close.'
        : ''));
  }
  render();
}

// ---- Wiring ----------------------------------------------------------------------------

/** When served over http(s) by one of our servers, talk to that same server by default. */
function defaultServerUrl() {
  if (location.protocol === 'http:') return `ws://${location.host}/`;
  if (location.protocol === 'https:') return `wss://${location.host}/`;
  return ECHO_SERVER_URL;
}

/** Fills the close-code table from CLOSE_CODES, so the table and the log never disagree. */
function fillCloseCodeTable() {
  const rows = [...CLOSE_CODES].map(([code, description]) => [String(code), ...description]);
  rows.push(['3000-3999', ...LIBRARY_CODES], ['4000-4999', ...APPLICATION_CODES]);
  for (const cells of rows) {
    const row = document.createElement('tr');
    for (const cell of cells) {
      const element = document.createElement('td');
      element.textContent = cell;
      row.append(element);
    }
    closeCodeTable.append(row);
  }
}

// Forms give Enter-to-submit for free: Enter in the URL field connects, in the message
// box it sends. preventDefault stops the browser from navigating to submit the form.
connectForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (currentState() === 'closed') connect();
});
sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  sendMessage();
});
disconnectButton.addEventListener('click', disconnect);
for (const button of presetButtons) {
  button.addEventListener('click', () => {
    urlInput.value = button.dataset.url;
    render();
  });
}
urlInput.addEventListener('input', render);
messageInput.addEventListener('input', render);
clearLogButton.addEventListener('click', () => log.replaceChildren());

urlInput.value = defaultServerUrl();
fillCloseCodeTable();
render();
