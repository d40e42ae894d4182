// socket.js: everything the client page does, in plain JavaScript with no library. It is a
// thin layer over the browser's WebSocket API: the API's four events (open, message, error,
// close) each become a line in the log, and the buttons call its two methods, send() and
// close(). Read it top to bottom like a tutorial listing. With "show frames" on it talks to the
// echo-server's /dissect path and draws the frames the server saw (RFC 6455 section 5.2); the
// page speaks English or, as the articles' original client did, Russian.
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

// A long text message is shown as its first characters, its length and a copy button. One
// unbroken 16 MiB word under `overflow-wrap: anywhere` costs the browser seconds of layout
// for every change to the log, which freezes the page; 200 characters cost nothing.
const TEXT_PREVIEW_CHARACTERS = 200;

// The path of the echo-server that describes every frame it receives and sends, as JSON
// (the contract is docs/03-frames.md, "Your own frames, in the page").
const DISSECT_PATH = '/dissect';

// The close codes of RFC 6455 section 7.4 and the IANA registry, with the names the Rust
// servers print (frame/src/close.rs), so the page and the server logs tell one story. Beside
// them: the names browser code and the first article use (CLOSE_NORMAL ...), and the meaning in
// English and Russian. The meanings are the same as the RFC's, except that the three codes a
// browser reports but never sends say so from the browser's side.
const CLOSE_CODES = new Map([
  [1000, ['Normal Closure', 'CLOSE_NORMAL', 'the purpose of the connection was fulfilled',
    'нормальное завершение: цель соединения достигнута']],
  [1001, ['Going Away', 'CLOSE_GOING_AWAY', 'the endpoint is going away (server shutdown, page left)',
    'конечная точка уходит (сервер останавливается, страницу закрыли)']],
  [1002, ['Protocol Error', 'CLOSE_PROTOCOL_ERROR', 'the peer broke the WebSocket protocol',
    'собеседник нарушил протокол WebSocket']],
  [1003, ['Unsupported Data', 'CLOSE_UNSUPPORTED', 'the endpoint cannot accept this type of data',
    'конечная точка не принимает данные такого типа']],
  [1004, ['Reserved', '—', 'reserved; must not be sent', 'зарезервирован; отправлять нельзя']],
  [1005, ['No Status Received', 'CLOSED_NO_STATUS',
    'the close frame carried no status code (reported, never sent)',
    'во фрейме закрытия не было кода (только сообщается, не отправляется)']],
  [1006, ['Abnormal Closure', 'CLOSE_ABNORMAL',
    'the connection dropped without a close frame (reported, never sent)',
    'соединение оборвалось без фрейма закрытия (только сообщается, не отправляется)']],
  [1007, ['Invalid Frame Payload Data', 'Unsupported payload',
    'the data did not match the message type (bad UTF-8)',
    'данные не соответствуют типу сообщения (неверный UTF-8)']],
  [1008, ['Policy Violation', 'Policy violation', "the message broke the endpoint's policy",
    'сообщение нарушило политику конечной точки']],
  [1009, ['Message Too Big', 'CLOSE_TOO_LARGE', 'the message is too big to process',
    'сообщение слишком велико для обработки']],
  [1010, ['Mandatory Extension', 'Mandatory extension',
    'the server did not negotiate a required extension',
    'сервер не согласовал обязательное расширение']],
  [1011, ['Internal Error', 'Server error', 'the server met an unexpected condition',
    'сервер столкнулся с непредвиденной ситуацией']],
  [1012, ['Service Restart', 'Service restart', 'the service is restarting',
    'служба перезапускается']],
  [1013, ['Try Again Later', 'Try again later', 'the server is overloaded; try again later',
    'сервер перегружен; попробуйте позже']],
  [1014, ['Bad Gateway', 'Bad gateway', 'a gateway got an invalid response from upstream',
    'шлюз получил неверный ответ']],
  [1015, ['TLS Handshake', 'TLS handshake fail', 'the TLS handshake failed (reported, never sent)',
    'сбой рукопожатия TLS (только сообщается, не отправляется)']],
]);
const LIBRARY_CODES = ['Library Code', '—', 'defined by a library or framework (3000-3999)',
  'определён библиотекой или фреймворком (3000-3999)'];
const APPLICATION_CODES = ['Application Code', '—', 'defined by the application (4000-4999)',
  'определён приложением (4000-4999)'];
const INVALID_CODE = ['Invalid Code', '—', 'not a valid close code', 'недопустимый код'];

/**
 * Returns { name, article, meaning } for any close code, including the ranges and invalid
 * numbers: the RFC's name, the article's, and the meaning in the page's language.
 */
function describeCloseCode(code) {
  let entry = INVALID_CODE;
  if (CLOSE_CODES.has(code)) entry = CLOSE_CODES.get(code);
  else if (code >= 3000 && code <= 3999) entry = LIBRARY_CODES;
  else if (code >= 4000 && code <= 4999) entry = APPLICATION_CODES;
  const [name, article, english, russian] = entry;
  return { name, article, meaning: language === 'ru' ? russian : english };
}

// The frame view's words. RFC 6455 section 5.1: a client MUST mask every frame it sends and a
// server MUST NOT mask any; section 5.3 (and 10.3) says why: the page's script chooses the
// payload, and unpredictable masking stops it from writing chosen bytes onto the wire, where a
// confused proxy could take them for HTTP (cache poisoning). Servers run no stranger's code.
const FRAME_TEXTS_EN = {
  fromBrowser: 'browser → server, as the server received it',
  fromServer: 'server → browser, as the server sent it',
  closeFromBrowser: 'browser → server: your close frame, from the close reason',
  frameSummary: (opcode, name, length, form) =>
    `opcode ${opcode} (${name}), payload ${length} ${length === 1 ? 'byte' : 'bytes'}, ` +
    `${form === 7 ? '7-bit length' : `${form}-bit extended length`}`,
  bitsHeading: 'the first two bytes, bit by bit (RFC 6455 section 5.2)',
  bytesHeading: 'the frame on the wire, byte by byte',
  extendedLength: 'extended payload length',
  maskingKey: 'masking key',
  payload: 'payload',
  fin: (fin) => (fin ? 'the final frame of its message' : 'more frames of this message follow'),
  rsv: 'no extension in use, so all three are 0',
  maskedRow: 'on the wire',
  keyRow: 'key',
  plainRow: 'XOR = payload',
  xorTitle: (wire, key, plain) => `${wire} XOR ${key} = ${plain}`,
  xorHeading: 'masked byte i XOR key byte (i mod 4) = the payload byte (RFC 6455 section 5.3)',
  asText: 'the payload as UTF-8:',
  closePayload: (code, reason) => `close code ${code}, reason "${reason}"`,
  shownOnly: (shown, length) => `the first ${shown} of ${length} payload bytes are shown`,
  masked: 'MASK = 1: your browser masked this frame with a fresh random key, as RFC 6455 ' +
    'section 5.1 requires of every client; the server unmasks it with the same XOR.',
  unmasked: 'MASK = 0: the server never masks (RFC 6455 section 5.1). Masking (section 5.3) ' +
    'stops a page\'s script from putting chosen bytes on the wire, where a proxy could mistake ' +
    'them for HTTP; a server runs no stranger\'s script, so it has nothing to hide.',
  ping: 'A ping from the server (opcode 9). The browser answers it by itself; JavaScript never ' +
    'sees pings or pongs.',
  pong: 'Your browser\'s pong (opcode 10): masked like every client frame, with the ping\'s ' +
    'payload, as RFC 6455 section 5.5.3 requires. The page did not send it: the browser did.',
  cut: 'The description was cut to fit a close reason (at most 123 bytes, RFC 6455 section 5.5).',
};
const FRAME_TEXTS_RU = {
  fromBrowser: 'браузер → сервер, как его получил сервер',
  fromServer: 'сервер → браузер, как его отправил сервер',
  closeFromBrowser: 'браузер → сервер: ваш фрейм закрытия, из причины закрытия',
  frameSummary: (opcode, name, length, form) =>
    `opcode ${opcode} (${name}), данные ${length} ${russianBytes(length)}, ` +
    `${form === 7 ? '7-битная длина' : `${form}-битная расширенная длина`}`,
  bitsHeading: 'первые два байта побитно (RFC 6455, раздел 5.2)',
  bytesHeading: 'фрейм на проводе, байт за байтом',
  extendedLength: 'расширенная длина данных',
  maskingKey: 'ключ маски (masking key)',
  payload: 'данные (payload)',
  fin: (fin) => (fin ? 'последний фрейм сообщения' : 'за ним идут ещё фреймы этого сообщения'),
  rsv: 'расширений нет, поэтому все три равны 0',
  maskedRow: 'на проводе',
  keyRow: 'ключ',
  plainRow: 'XOR = данные',
  xorTitle: (wire, key, plain) => `${wire} XOR ${key} = ${plain}`,
  xorHeading: 'маскированный байт i XOR байт ключа (i mod 4) = байт данных (RFC 6455, раздел 5.3)',
  asText: 'данные как UTF-8:',
  closePayload: (code, reason) => `код закрытия ${code}, причина "${reason}"`,
  shownOnly: (shown, length) => `показаны первые ${shown} из ${length} байт данных`,
  masked: 'MASK = 1: браузер замаскировал этот фрейм новым случайным ключом, как RFC 6455 ' +
    '(раздел 5.1) требует от каждого клиента; сервер снимает маску тем же XOR.',
  unmasked: 'MASK = 0: сервер никогда не маскирует (RFC 6455, раздел 5.1). Маска (раздел 5.3) ' +
    'не даёт сценарию страницы выложить на провод выбранные им байты, которые прокси может ' +
    'принять за HTTP; сервер чужих сценариев не выполняет, ему скрывать нечего.',
  ping: 'Ping от сервера (opcode 9). Браузер отвечает на него сам; JavaScript не видит ни ping, ни pong.',
  pong: 'Pong вашего браузера (opcode 10): замаскирован, как всякий фрейм клиента, и несёт данные ' +
    'ping, как требует RFC 6455 (раздел 5.5.3). Его отправила не страница, а браузер.',
  cut: 'Описание обрезано, чтобы уместиться в причину закрытия (не больше 123 байт, RFC 6455, раздел 5.5).',
};

// ---- The page's two languages ------------------------------------------------------------

// Every word the page shows, in English and in Russian. The Russian log lines are the original
// client's, word for word (the articles' readers know them): "Соединение с сервером
// установлено", "Получено сообщение от сервера: ...", "Отправлено сообщение серверу: ...",
// and on close "Соединение закрыто чисто" or "Обрыв соединения" with "Код: X, причина: Y".
// The RFC's own words (FIN, opcode, MASK, masking key) stay as the RFC spells them.
const TEXTS = {
  en: {
    title: 'WebSocket client',
    language: 'Language',
    state: 'State',
    stateNames: ['connecting', 'open', 'closing', 'closed'],
    connection: 'Connection',
    serverUrl: 'Server URL',
    presets: 'Preset servers',
    yourName: 'Your name',
    nameHint: 'optional, sent as ?name= (the chat shows it)',
    showFrames: "show frames (connects to the echo-server's /dissect path)",
    disconnectWith: 'Disconnect with',
    option1000: '1000 Normal Closure',
    option1001: '1001 Going Away',
    option4000: '4000 your own code',
    reason: 'reason',
    connect: 'Connect',
    disconnect: 'Disconnect',
    log: 'Log',
    clear: 'Clear',
    message: 'Message',
    textToSend: 'Text to send',
    enterSends: 'Enter sends it',
    messagePlaceholder: 'hello, time, date, help, …',
    send: 'Send',
    sendBinary: "send as a binary message (the text's UTF-8 bytes)",
    pingMe: 'ping me',
    closeCodes: 'Close codes (RFC 6455, section 7.4)',
    code: 'Code',
    rfcName: 'Name (RFC)',
    articleName: 'Browser and article',
    meaning: 'Meaning',
    connectingTo: 'Connecting to',
    established: 'Connection established',
    received: 'Received from server:',
    sent: 'Sent to server:',
    error: 'Error',
    closed: 'Connection closed',
    cannotConnect: (url, message) => `cannot connect to ${url}: ${message}`,
    connectionFailed: 'the connection failed or broke; the close line below has the code, ' +
      'the browser console the details',
    // A null reason: on /dissect it describes the browser's close frame, which is drawn.
    closeLine: (clean, code, name, meaning, reason) =>
      `${clean ? 'cleanly' : 'not cleanly (no closing handshake)'}, code ${code} (${name}): ` +
      `${meaning}. ${reason === null ? 'Reason: a description of your close frame, drawn below.'
        : reason === '' ? 'No reason given.' : `Reason: "${reason}".`}`,
    // 1006 is the code learners meet most and understand least, so its line says more.
    abnormalClosureHint:
      'This usually means the TCP connection ended without a close frame: the server is not ' +
      'running, refused the handshake (its log and the browser console, F12, say why), crashed, ' +
      'or something in between cut the connection. Browsers tell a page no more than that, on ' +
      'purpose, so that pages cannot probe your network.',
    goingAwayHint: ' The browser sends 1001 by itself when the page goes away: reload this page ' +
      'while connected and watch the server log a 1001 (Going Away) close.',
    binary: (length) => `binary message, ${length} ${length === 1 ? 'byte' : 'bytes'}`,
    emptyText: '(empty text message)',
    longText: (characters, bytes) =>
      ` … (${characters} characters, ${bytes} bytes of UTF-8; the first ${TEXT_PREVIEW_CHARACTERS} shown)`,
    copy: 'copy',
    copied: 'copied',
    copyFailed: 'the browser did not allow copying',
    frames: 'Frames',
    ...FRAME_TEXTS_EN,
  },
  ru: {
    title: 'Клиент WebSocket',
    language: 'Язык',
    state: 'Состояние',
    stateNames: ['соединение', 'открыто', 'закрывается', 'закрыто'],
    connection: 'Соединение',
    serverUrl: 'Адрес сервера',
    presets: 'Готовые серверы',
    yourName: 'Ваше имя',
    nameHint: 'необязательно, уходит как ?name= (его показывает чат)',
    showFrames: 'показывать фреймы (путь /dissect у echo-server)',
    disconnectWith: 'Разорвать соединение с кодом',
    option1000: '1000 Normal Closure',
    option1001: '1001 Going Away',
    option4000: '4000 свой код',
    reason: 'причина',
    connect: 'Установить соединение',
    disconnect: 'Разорвать соединение',
    log: 'Информация',
    clear: 'Очистить',
    message: 'Сообщение',
    textToSend: 'Текст сообщения',
    enterSends: 'Enter отправляет',
    messagePlaceholder: 'hello, time, date, help, …',
    send: 'Отправить сообщение',
    sendBinary: 'отправить двоичным сообщением (байты UTF-8 текста)',
    pingMe: 'пришли ping',
    closeCodes: 'Коды закрытия (RFC 6455, раздел 7.4)',
    code: 'Код',
    rfcName: 'Название (RFC)',
    articleName: 'В браузере и статье',
    meaning: 'Значение',
    connectingTo: 'Подключение к',
    established: 'Соединение с сервером установлено',
    received: 'Получено сообщение от сервера:',
    sent: 'Отправлено сообщение серверу:',
    error: 'Произошла ошибка:',
    closed: 'Соединение с сервером закрыто',
    cannotConnect: (url, message) => `невозможно подключиться к ${url}: ${message}`,
    connectionFailed: 'соединение не удалось или оборвалось; код в строке о закрытии ниже, ' +
      'подробности в консоли браузера',
    closeLine: (clean, code, name, meaning, reason) =>
      `${clean ? 'Соединение закрыто чисто' : 'Обрыв соединения'}. Код: ${code}, причина: ` +
      `${reason ?? 'описание вашего фрейма закрытия, оно нарисовано ниже'} (${name}: ${meaning}).`,
    abnormalClosureHint:
      'Обычно это значит, что TCP-соединение кончилось без фрейма закрытия: сервер не запущен, ' +
      'отказал в рукопожатии (почему, скажут его журнал и консоль браузера, F12), упал, или ' +
      'соединение разорвал кто-то между вами. Больше браузер странице не сообщает нарочно, ' +
      'чтобы страницы не могли исследовать вашу сеть.',
    goingAwayHint: ' Код 1001 браузер отправляет сам, когда страницу покидают: перезагрузите ' +
      'страницу при открытом соединении, и сервер запишет закрытие 1001 (Going Away).',
    binary: (length) => `двоичное сообщение, ${length} ${russianBytes(length)}`,
    emptyText: '(пустое текстовое сообщение)',
    longText: (characters, bytes) =>
      ` … (${characters} символов, ${bytes} ${russianBytes(bytes)} UTF-8; показаны первые ${TEXT_PREVIEW_CHARACTERS})`,
    copy: 'копировать',
    copied: 'скопировано',
    copyFailed: 'браузер не разрешил копирование',
    frames: 'Фреймы',
    ...FRAME_TEXTS_RU,
  },
};

/** "1 байт", "2 байта", "5 байт": Russian counts take one of three forms. */
function russianBytes(count) {
  const lastTwo = count % 100;
  const last = count % 10;
  if (lastTwo >= 11 && lastTwo <= 14) return 'байт';
  if (last === 1) return 'байт';
  if (last >= 2 && last <= 4) return 'байта';
  return 'байт';
}

/** The language the page starts in: the one chosen before, else the browser's own. */
function initialLanguage() {
  try {
    const remembered = localStorage.getItem('language');
    if (remembered in TEXTS) return remembered;
  } catch {
    // Storage can be switched off (private windows, strict settings): then nothing is remembered.
  }
  return (navigator.language || 'en').toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

let language = initialLanguage();

/** The page's text for `key` in the current language; a function of its arguments for some. */
function say(key, ...args) {
  const value = TEXTS[language][key];
  return typeof value === 'function' ? value(...args) : value;
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
const languageSelect = document.getElementById('language');
const showFramesCheckbox = document.getElementById('show-frames');
const pingButton = document.getElementById('ping');

// The one WebSocket of the page, or null before the first Connect. Connect is only enabled
// once the previous socket is closed, so there is never more than one.
let socket = null;
// Whether that socket talks to /dissect, decided at Connect: its descriptions are then drawn.
let framesView = false;

// ---- The log ---------------------------------------------------------------------------

/** "14:03:27.512": local time with milliseconds, since a message and its echo are often
 * less than a second apart. */
function formatClock(date) {
  const twoDigits = (number) => String(number).padStart(2, '0');
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:` +
    `${twoDigits(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

// Whether the log follows new lines: true while the reader is at the bottom, so that scrolling
// up to read an old line is not interrupted by a busy chat. The scroll event keeps it up to
// date; measuring it per line (scrollHeight) would force a layout of the whole log per line.
let logFollows = true;
let followScheduled = false;
let scrolledTo = 0;

function onLogScroll() {
  // Our own scroll to the bottom says nothing about the reader, even if lines came meanwhile.
  if (log.scrollTop === scrolledTo) return;
  logFollows = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
}

/** Scrolls to the newest line once per frame, however many lines arrived in it. */
function followLog() {
  if (!logFollows || followScheduled) return;
  followScheduled = true;
  requestAnimationFrame(() => {
    followScheduled = false;
    log.scrollTop = log.scrollHeight;
    scrolledTo = log.scrollTop;
  });
}

/**
 * Appends one line to the log: the time, a label for the kind of event, the text and, if
 * given, an element after it (a copy button, a frame diagram).
 * Everything goes in through textContent, never innerHTML: a chat message such as
 * <img src=x onerror=alert(1)> must show as those characters, not run as markup.
 */
function appendLogLine(kind, label, text, extra = null) {
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

  line.append(time, ' ', labelElement, ' ', textElement);
  if (extra !== null) line.append(extra);
  log.append(line);
  followLog();
}

/** "binary message, 5 bytes: 68 65 6c 6c 6f", the first bytes only for long messages. */
function describeBinary(bytes) {
  const preview = Array.from(bytes.subarray(0, BINARY_PREVIEW_BYTES),
    (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const length = say('binary', bytes.length);
  if (bytes.length === 0) return length;
  const more = bytes.length > BINARY_PREVIEW_BYTES ? ' …' : '';
  return `${length}: ${preview}${more}`;
}

/** A text message as it is; an empty one would be an invisible line, so it says so. */
function describeText(text) {
  return text === '' ? say('emptyText') : text;
}

/** A button that copies the whole of a long text message, which the log shows shortened. */
function copyButton(text) {
  const button = element('button', 'quiet copy', say('copy'));
  button.type = 'button';
  button.addEventListener('click', () => {
    // The clipboard API exists only in secure contexts (file://, http://127.0.0.1, https).
    const copying = navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject();
    copying.then(() => { button.textContent = say('copied'); },
      () => { button.textContent = say('copyFailed'); });
  });
  return button;
}

/**
 * Logs a text message: as it is when short; when long, its first characters, its length and
 * a copy button, so the log never holds a huge unbroken word (see TEXT_PREVIEW_CHARACTERS).
 */
function appendText(kind, label, text) {
  if (text.length <= TEXT_PREVIEW_CHARACTERS) {
    appendLogLine(kind, label, describeText(text));
    return;
  }
  let end = TEXT_PREVIEW_CHARACTERS;
  // Do not cut between the two halves of a UTF-16 surrogate pair (an emoji, say).
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  const bytes = new TextEncoder().encode(text).length;
  appendLogLine(kind, label, text.slice(0, end) + say('longText', text.length, bytes),
    copyButton(text));
}

// ---- The frame view ----------------------------------------------------------------------

// RFC 6455 section 5.2's opcodes, by the names the server's description uses too.
const OPCODE_NAMES = new Map([[0, 'continuation'], [1, 'text'], [2, 'binary'], [8, 'close'],
  [9, 'ping'], [10, 'pong']]);

/** "8186" → the bytes 0x81 0x86. The descriptions write bytes as lowercase hex, no spaces. */
function hexToBytes(hex) {
  const bytes = new Uint8Array(Math.floor(hex.length / 2));
  for (let index = 0; index < bytes.length; index += 1) {
    bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

function hexByte(byte) {
  return byte.toString(16).padStart(2, '0');
}

function bytesToHex(bytes) {
  return Array.from(bytes, hexByte).join('');
}

/**
 * Takes apart a frame given as its bytes off the wire (the close description's `wire`), the
 * way a server reads it (RFC 6455 section 5.2), into the shape of the server's frame
 * descriptions, so that one drawing serves both.
 */
function parseWireFrame(hex) {
  const bytes = hexToBytes(hex);
  if (bytes.length < 2) return null;
  const mask = (bytes[1] & 0x80) !== 0;
  const length7 = bytes[1] & 0x7f;
  const extendedBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  let payloadLength = extendedBytes === 0 ? length7 : 0;
  for (let index = 0; index < extendedBytes; index += 1) {
    payloadLength = payloadLength * 256 + (bytes[2 + index] ?? 0);
  }
  const keyStart = 2 + extendedBytes;
  const payloadStart = keyStart + (mask ? 4 : 0);
  const key = bytes.subarray(keyStart, payloadStart);
  const onWire = bytes.subarray(payloadStart, payloadStart + payloadLength);
  const payload = onWire.map((byte, index) => (mask ? byte ^ key[index % 4] : byte));
  const opcode = bytes[0] & 0x0f;
  return {
    fin: (bytes[0] & 0x80) !== 0, rsv1: (bytes[0] & 0x40) !== 0,
    rsv2: (bytes[0] & 0x20) !== 0, rsv3: (bytes[0] & 0x10) !== 0,
    opcode, opcode_name: OPCODE_NAMES.get(opcode) ?? 'reserved', mask,
    masking_key: mask ? bytesToHex(key) : null,
    length_form: extendedBytes === 0 ? 7 : extendedBytes * 8, payload_length: payloadLength,
    header: bytesToHex(bytes.subarray(0, payloadStart)),
    payload_on_wire: bytesToHex(onWire), payload: bytesToHex(payload), shown: onWire.length,
  };
}

/** The JSON the server sends on /dissect, or null for anything else (an ordinary echo). */
function parseDescription(data, type) {
  if (typeof data !== 'string' || !data.startsWith(`{"type":"${type}"`)) return null;
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

/** A new element with a class and, if given, its text. */
function element(tag, className, textContent) {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (textContent !== undefined) created.textContent = textContent;
  return created;
}

/** One byte as a coloured cell; `field` (RFC 6455 section 5.2's name) picks the colour. */
function byteCell(byte, field, title) {
  const cell = element('span', 'byte', hexByte(byte));
  cell.dataset.field = field;
  if (title) cell.title = title;
  return cell;
}

/**
 * The first two bytes bit by bit, as the diagram of RFC 6455 section 5.2 draws them: the
 * fields' names, their bits, and what the bits say.
 */
function drawBits(frame, header) {
  const length7 = header[1] & 0x7f;
  const fields = [
    ['FIN', 1, 'fin', frame.fin ? '1' : '0'],
    ['RSV1', 1, 'rsv', frame.rsv1 ? '1' : '0'],
    ['RSV2', 1, 'rsv', frame.rsv2 ? '1' : '0'],
    ['RSV3', 1, 'rsv', frame.rsv3 ? '1' : '0'],
    ['opcode', 4, 'opcode', `${frame.opcode} ${frame.opcode_name}`],
    ['MASK', 1, 'mask', frame.mask ? '1' : '0'],
    ['payload len', 7, 'length', length7 > 125 ? `${length7} →` : String(length7)],
  ];
  const grid = element('div', 'bits');
  for (const [name, width, field] of fields) {
    const label = element('span', width === 1 ? 'bit-label narrow' : 'bit-label', name);
    label.dataset.field = field;
    label.style.gridColumn = `span ${width}`;
    grid.append(label);
  }
  let bit = 0;
  for (const [, width, field] of fields) {
    for (let index = 0; index < width; index += 1, bit += 1) {
      const cell = element('span', 'bit', String((header[bit >> 3] >> (7 - (bit & 7))) & 1));
      cell.dataset.field = field;
      grid.append(cell);
    }
  }
  for (const [, width, field, value] of fields) {
    const meaning = element('span', 'bit-value', width === 1 ? '' : value);
    meaning.dataset.field = field;
    meaning.style.gridColumn = `span ${width}`;
    grid.append(meaning);
  }
  const figure = element('div', 'diagram');
  figure.append(element('p', 'diagram-heading', say('bitsHeading')), grid);
  return figure;
}

/** Every byte of the frame on the wire (the payload as far as shown), coloured by field. */
function drawBytes(frame, header, onWire) {
  const extendedBytes = frame.length_form === 7 ? 0 : frame.length_form / 8;
  const row = element('div', 'byte-row');
  header.forEach((byte, index) => {
    if (index === 0) row.append(byteCell(byte, 'opcode', 'FIN, RSV1-3, opcode'));
    else if (index === 1) row.append(byteCell(byte, 'length', 'MASK, payload len'));
    else if (index < 2 + extendedBytes) row.append(byteCell(byte, 'extended-length', say('extendedLength')));
    else row.append(byteCell(byte, 'masking-key', say('maskingKey')));
  });
  for (const byte of onWire) row.append(byteCell(byte, 'payload', say('payload')));
  if (frame.shown < frame.payload_length) row.append(element('span', 'more', '…'));
  const figure = element('div', 'diagram');
  figure.append(element('p', 'diagram-heading', say('bytesHeading')), row);
  return figure;
}

/** The fields' values in words: the lengths and the masking key that the bits do not show. */
function drawFields(frame, header) {
  const list = element('dl', 'fields');
  const add = (field, name, value) => {
    const term = element('dt', '', name);
    term.dataset.field = field;
    const definition = element('dd', '', value);
    list.append(term, definition);
    return definition;
  };
  add('fin', `FIN = ${frame.fin ? 1 : 0}`, say('fin', frame.fin));
  add('rsv', `RSV1-3 = ${[frame.rsv1, frame.rsv2, frame.rsv3].map(Number).join(' ')}`, say('rsv'));
  add('opcode', `opcode = 0x${frame.opcode.toString(16)}`,
    say('frameSummary', frame.opcode, frame.opcode_name, frame.payload_length, frame.length_form));
  if (frame.length_form !== 7) {
    const extended = header.subarray(2, 2 + frame.length_form / 8);
    add('extended-length', say('extendedLength'),
      `${Array.from(extended, hexByte).join(' ')} = ${frame.payload_length}`);
  }
  if (frame.mask) {
    const key = add('masking-key', say('maskingKey'), '');
    key.append(element('code', 'masking-key', Array.from(hexToBytes(frame.masking_key), hexByte).join(' ')));
  }
  return list;
}

/**
 * The payload byte by byte: for a masked frame three rows, the byte on the wire, the key byte
 * it was XORed with (byte i with key byte i mod 4, RFC 6455 section 5.3) and the result; each
 * column's title spells the XOR out. Columns wrap in groups of four, one key's length.
 */
function drawPayload(frame, onWire, payload, key) {
  const table = element('div', 'xor');
  if (frame.mask) table.append(element('p', 'diagram-heading', say('xorHeading')));
  const columns = element('div', 'xor-columns');
  const labels = element('div', 'xor-column labels');
  labels.append(element('span', '', say('maskedRow')));
  if (frame.mask) labels.append(element('span', '', say('keyRow')), element('span', '', say('plainRow')));
  columns.append(labels);
  onWire.forEach((byte, index) => {
    const column = element('div', index % 4 === 3 ? 'xor-column group-end' : 'xor-column');
    column.append(Object.assign(byteCell(byte, 'payload'), { className: 'byte wire' }));
    if (frame.mask) {
      const keyByte = key[index % 4];
      column.title = say('xorTitle', hexByte(byte), hexByte(keyByte), hexByte(payload[index]));
      column.append(Object.assign(byteCell(keyByte, 'masking-key'), { className: 'byte key' }),
        Object.assign(byteCell(payload[index], 'plain'), { className: 'byte plain' }));
    }
    columns.append(column);
  });
  table.append(columns);
  return table;
}

/** What the payload says: text as UTF-8, a close frame's code and reason. */
function describePayload(frame, payload) {
  const decoder = new TextDecoder();
  if (frame.opcode === 8 && payload.length >= 2) {
    return say('closePayload', (payload[0] << 8) | payload[1], decoder.decode(payload.subarray(2)));
  }
  if (frame.opcode === 2) return null;
  return `${say('asText')} "${decoder.decode(payload)}"`;
}

/** Why this frame is masked or not, and for a ping or a pong, who sent it. */
function frameNote(frame, direction) {
  if (direction === 'browser') return frame.opcode === 10 ? say('pong') : say('masked');
  return frame.opcode === 9 ? `${say('ping')} ${say('unmasked')}` : say('unmasked');
}

/** One frame, drawn: the caption, the bits, the bytes, the fields, the XOR and a note. */
function drawFrame(frame, direction, caption) {
  const header = hexToBytes(frame.header);
  const onWire = hexToBytes(frame.payload_on_wire);
  const payload = hexToBytes(frame.payload);
  const key = frame.mask ? hexToBytes(frame.masking_key) : null;
  const figure = element('figure', 'frame');
  figure.dataset.direction = direction;
  figure.dataset.opcode = String(frame.opcode);
  const title = element('figcaption', '', caption);
  title.append(element('span', 'frame-kind', ` ${frame.opcode_name}`));
  figure.append(title, drawBits(frame, header), drawBytes(frame, header, onWire),
    drawFields(frame, header), drawPayload(frame, onWire, payload, key));
  const said = describePayload(frame, payload);
  if (said !== null) figure.append(element('p', 'decoded', said));
  if (frame.shown < frame.payload_length) {
    figure.append(element('p', 'note', say('shownOnly', frame.shown, frame.payload_length)));
  }
  figure.append(element('p', 'note', frameNote(frame, direction)));
  return figure;
}

/** A description from /dissect becomes one log entry with every frame in it, drawn. */
function appendFrames(description) {
  const frames = element('div', 'frames');
  for (const frame of description.received ?? []) {
    frames.append(drawFrame(frame, 'browser', say('fromBrowser')));
  }
  for (const frame of description.sent ?? []) {
    frames.append(drawFrame(frame, 'server', say('fromServer')));
  }
  appendLogLine('frames', say('frames'), '', frames);
}

/** The browser's close frame, from the close reason's description (`wire` is its bytes). */
function appendCloseFrame(description) {
  const frame = parseWireFrame(String(description.wire ?? ''));
  if (frame === null) return;
  const frames = element('div', 'frames');
  frames.append(drawFrame(frame, 'browser', say('closeFromBrowser')));
  if (description.cut) frames.append(element('p', 'note', say('cut')));
  appendLogLine('frames', say('frames'), '', frames);
}

// ---- The state and the buttons ---------------------------------------------------------

function currentState() {
  return socket === null ? 'closed' : STATE_NAMES[socket.readyState];
}

/** Shows the state and enables exactly the controls that make sense in it. */
function render() {
  const state = currentState();
  stateOutput.textContent = say('stateNames')[STATE_NAMES.indexOf(state)];
  stateOutput.dataset.state = state;

  const closed = state === 'closed';
  const open = state === 'open';
  // Closing a socket that is still connecting is allowed: it abandons the attempt.
  const closable = open || state === 'connecting';

  // Where to connect is fixed once a connection exists: editing it then would change nothing.
  urlInput.disabled = !closed;
  nameInput.disabled = !closed;
  for (const button of presetButtons) button.disabled = !closed;
  showFramesCheckbox.disabled = !closed;
  connectButton.disabled = !closed || urlInput.value.trim() === '';

  closeCodeSelect.disabled = !closable;
  closeReasonInput.disabled = !closable;
  disconnectButton.disabled = !closable;

  messageInput.disabled = !open;
  binaryCheckbox.disabled = !open;
  sendButton.disabled = !open || messageInput.value === '';
  pingButton.hidden = !showFramesCheckbox.checked;
  pingButton.disabled = !open || !framesView;
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

/** The same server's /dissect path, keeping any query; a URL that does not parse stays as typed. */
function dissectUrl(url) {
  try {
    const parsed = new URL(url);
    parsed.pathname = DISSECT_PATH;
    return parsed.href;
  } catch {
    return url;
  }
}

// ANCHOR: connect
function connect() {
  framesView = showFramesCheckbox.checked;
  const typed = urlInput.value.trim();
  const url = urlWithName(framesView ? dissectUrl(typed) : typed, nameInput.value.trim());
  appendLogLine('info', say('connectingTo'), url);
  try {
    socket = new WebSocket(url);
  } catch (error) {
    // The constructor throws for URLs it cannot use (a typo, a #fragment); nothing was sent.
    socket = null;
    appendLogLine('error', say('error'), say('cannotConnect', url, error.message));
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
  appendLogLine('open', say('established'), '');
  render();
  messageInput.focus();
}
// ANCHOR_END: on_open

// ANCHOR: on_message
function onMessage(event) {
  if (typeof event.data !== 'string') {
    appendLogLine('received', say('received'), describeBinary(new Uint8Array(event.data)));
    return;
  }
  const description = framesView ? parseDescription(event.data, 'frames') : null;
  if (description !== null) {
    appendFrames(description);
    return;
  }
  // The com-server's own notices start with "Server: ", and it lets no name or chat text
  // start a line so (docs/05-com-server.md): they are shown apart from the chat.
  const kind = event.data.startsWith('Server: ') ? 'notice' : 'received';
  appendText(kind, say('received'), event.data);
}
// ANCHOR_END: on_message

// ANCHOR: on_error
function onError() {
  // The event carries no detail by design (see abnormalClosureHint); the close event that
  // always follows has the code.
  appendLogLine('error', say('error'), say('connectionFailed'));
  render();
}
// ANCHOR_END: on_error

// ANCHOR: on_close
/** The close event says whether the closing handshake completed, the code and the reason. */
function onClose(event) {
  const { name, meaning } = describeCloseCode(event.code);
  // On /dissect the server's close reason describes the browser's close frame.
  const closeFrame = framesView ? parseDescription(event.reason, 'close') : null;
  const reason = closeFrame === null ? event.reason : null;
  let text = say('closeLine', event.wasClean, event.code, name, meaning, reason);
  if (event.code === 1006) text += ` ${say('abnormalClosureHint')}`;
  appendLogLine('close', say('closed'), text);
  if (closeFrame !== null) appendCloseFrame(closeFrame);
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
    appendLogLine('sent', say('sent'), describeBinary(bytes));
  } else {
    socket.send(text);
    appendText('sent', say('sent'), text);
  }
  messageInput.value = '';
  render();
}

/** On /dissect the text /ping asks the server for a ping; the browser's pong comes back drawn. */
function requestPing() {
  if (currentState() !== 'open' || !framesView) return;
  socket.send('/ping');
  appendLogLine('sent', say('sent'), '/ping');
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
    appendLogLine('error', say('error'), `${error.name}: ${error.message}` +
      (code === 1001 ? say('goingAwayHint') : ''));
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
  const rows = [...CLOSE_CODES.keys()].map((code) => [String(code), describeCloseCode(code)]);
  rows.push(['3000-3999', describeCloseCode(3000)], ['4000-4999', describeCloseCode(4000)]);
  closeCodeTable.replaceChildren();
  for (const [code, { name, article, meaning }] of rows) {
    const cells = [code, name, article, meaning];
    const row = document.createElement('tr');
    for (const cell of cells) {
      const element = document.createElement('td');
      element.textContent = cell;
      row.append(element);
    }
    closeCodeTable.append(row);
  }
}

/** Writes every label in the current language; log lines already written stay as they are. */
function applyLanguage() {
  document.documentElement.lang = language;
  document.title = say('title');
  for (const labelled of document.querySelectorAll('[data-text]')) {
    labelled.textContent = say(labelled.dataset.text);
  }
  for (const field of document.querySelectorAll('[data-placeholder]')) {
    field.placeholder = say(field.dataset.placeholder);
  }
  for (const group of document.querySelectorAll('[data-label]')) {
    group.setAttribute('aria-label', say(group.dataset.label));
  }
  languageSelect.value = language;
  fillCloseCodeTable();
  render();
}

function chooseLanguage(chosen) {
  if (!(chosen in TEXTS)) return;
  language = chosen;
  try {
    localStorage.setItem('language', chosen);
  } catch {
    // Not remembered where storage is off; the page still switches.
  }
  applyLanguage();
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
clearLogButton.addEventListener('click', () => {
  log.replaceChildren();
  logFollows = true;
});
log.addEventListener('scroll', onLogScroll);
pingButton.addEventListener('click', requestPing);
showFramesCheckbox.addEventListener('change', render);
languageSelect.addEventListener('change', () => chooseLanguage(languageSelect.value));

urlInput.value = defaultServerUrl();
applyLanguage();
