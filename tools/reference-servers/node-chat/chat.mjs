// node-chat: com-server's chat lines (greeting, join notice, `name: text` to everyone, leave
// notice) on Node's `ws` package, written the way its README broadcasts: one event loop, and
// `client.send` for every member. A member whose `bufferedAmount` would pass --outbox-bytes
// (com-server's 1 MiB outbox by default) is closed with 1008, as com-server closes it.
//
// Usage: node chat.mjs --addr 127.0.0.1:PORT [--time-limit SECS] [--outbox-bytes BYTES]

import { WebSocketServer } from 'ws';

const MAX_NAME_CHARS = 32;

function parseFlags(argv) {
  const flags = { addr: '127.0.0.1:7792', 'time-limit': '0', 'outbox-bytes': '1048576' };
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index];
    if (word === '--help') {
      console.log('node-chat: a ws chat, the chat benchmark\'s third yardstick');
      console.log('  --addr HOST:PORT       where to listen (port 0: any free port)');
      console.log('  --time-limit SECS      exit after this many seconds (0: never)');
      console.log('  --outbox-bytes BYTES   how far a member may fall behind before close 1008');
      process.exit(0);
    }
    const name = word.replace(/^--/, '');
    if (!word.startsWith('--') || !(name in flags) || index + 1 >= argv.length) {
      console.error(`node-chat: unknown flag or missing value: ${word} (try --help)`);
      process.exit(2);
    }
    flags[name] = argv[index + 1];
    index += 1;
  }
  return flags;
}

const flags = parseFlags(process.argv.slice(2));
const colon = flags.addr.lastIndexOf(':');
const host = flags.addr.slice(0, colon);
const port = Number(flags.addr.slice(colon + 1));
const timeLimit = Number(flags['time-limit']);
const outboxBytes = Number(flags['outbox-bytes']);

// Everyone online, in the order they joined. One thread runs all of it, so every member
// sees the room's lines in one order without a lock.
const members = [];
let anonymousCount = 0;

function isTaken(name) {
  return name.toLowerCase() === 'server' || members.some((member) => member.name === name);
}

// As com-server: control characters and `:` removed, trimmed, cut, made unique.
function freeName(wish) {
  // eslint-disable-next-line no-control-regex
  const visible = (wish ?? '').replace(/[\u0000-\u001f\u007f-\u009f:]/g, '').trim();
  const wanted = Array.from(visible).slice(0, MAX_NAME_CHARS).join('').trimEnd();
  if (wanted === '') {
    for (;;) {
      anonymousCount += 1;
      const candidate = `Anonymous${anonymousCount}`;
      if (!isTaken(candidate)) return candidate;
    }
  }
  if (!isTaken(wanted)) return wanted;
  for (let number = 2; ; number += 1) {
    const suffix = String(number);
    const candidate = Array.from(wanted).slice(0, MAX_NAME_CHARS - suffix.length).join('') + suffix;
    if (!isTaken(candidate)) return candidate;
  }
}

function oneLine(text) {
  return text.replace(/\r\n/g, '\n').replace(/[\r\n\u0085\u2028\u2029\u000b\u000c]/g, '↵');
}

// Sends `line` to every member `include` accepts. A member whose queue would pass the
// bound is evicted, and its leave notice is a line for everyone: hence the work list.
function deliver(line, include) {
  const pending = [[line, include]];
  while (pending.length > 0) {
    const [text, wanted] = pending.shift();
    const length = Buffer.byteLength(text);
    const full = [];
    for (const member of members) {
      if (!wanted(member)) continue;
      const queued = member.socket.bufferedAmount;
      // An empty queue takes any line, as com-server's outbox does.
      if (queued > 0 && queued + length > outboxBytes) {
        full.push(member);
      } else {
        member.socket.send(text);
      }
    }
    for (const member of full) {
      const index = members.indexOf(member);
      if (index < 0) continue;
      members.splice(index, 1);
      say(`${member.name} is too slow (outbox full): closing with 1008`);
      member.socket.close(1008, `too slow: more than ${outboxBytes} bytes waiting`);
      pending.push([`Server: ${member.name} left the chat`, () => true]);
    }
  }
}

function leave(member) {
  const index = members.indexOf(member);
  if (index < 0) return;
  members.splice(index, 1);
  deliver(`Server: ${member.name} left the chat`, () => true);
}

function say(line) {
  process.stdout.write(`${line}\n`);
}

const server = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: 65536 });

server.on('listening', () => {
  const address = server.address();
  say('Server: ws (Node) chat, one event loop');
  say(`Outbox per client: ${outboxBytes} bytes (a client further behind: close 1008)`);
  say(timeLimit > 0 ? `Time limit: ${timeLimit} s` : 'Time limit: none');
  say(`Listening on ws://${address.address}:${address.port}/`);
});

server.on('error', (error) => {
  console.error(`Error: cannot listen on ${flags.addr}: ${error.message}`);
  process.exit(1);
});

server.on('connection', (socket, request) => {
  const peer = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
  const wish = new URL(request.url, 'ws://localhost').searchParams.get('name');
  const member = { name: freeName(wish), socket };
  // The greeting first, then the others are told: the newcomer is not told about itself.
  socket.send(`Server: Hello! Welcome to Chat, ${member.name}`);
  deliver(`Server: New User(${member.name}) in Chat!`, () => true);
  members.push(member);
  say(`${peer} connected as ${member.name}`);
  socket.on('message', (data, isBinary) => {
    if (isBinary || !members.includes(member)) return;
    deliver(`${member.name}: ${oneLine(data.toString())}`, () => true);
  });
  socket.on('close', (code) => {
    leave(member);
    say(`${peer} closed ${code}; ${member.name} left the chat`);
  });
  socket.on('error', () => {});
});

if (timeLimit > 0) {
  // A benchmark driver that dies must not leave servers behind.
  setTimeout(() => process.exit(0), timeLimit * 1000);
}
