'use strict';
// No user name is sent from here: the server takes it from the header
// that Apache set on the handshake, so a page cannot claim to be anyone.
(function () {
  const socket = io();
  // socketio-auth-edge's browser helper: one "refused" event with Apache's
  // reason when the session is gone (instead of endless "xhr poll error"
  // retries), no reconnecting until the user has signed in again (here or
  // in another tab), then "resumed".
  const watch = SocketioAuthEdge.watchSession(socket, { whoamiURL: '/whoami' });
  const messages = document.getElementById('messages');
  const numUsers = document.getElementById('num-users');
  const status = document.getElementById('status');
  const form = document.getElementById('send-form');
  const input = document.getElementById('m');
  const me = document.getElementById('me');

  // For the browser test and the console.
  window.chat = { socket, watch };

  function append(className, parts) {
    const item = document.createElement('li');
    item.className = className;
    for (const part of parts) {
      item.appendChild(part);
    }
    messages.appendChild(item);
    messages.scrollTop = messages.scrollHeight;
  }

  function text(value, tag) {
    const node = document.createElement(tag || 'span');
    node.textContent = value;
    return node;
  }

  function showStatus(kind, parts) {
    status.replaceChildren(...parts);
    status.dataset.kind = kind;
    status.hidden = false;
  }

  // Who is signed in, from Apache (SetHandler session-store-whoami: 200
  // {"user", "expires", "idle_expires"} or 401 {"message"}). Asking never
  // refreshes the session, so the page keeps nothing alive by looking.
  function showWhoAmI() {
    fetch('/whoami', { credentials: 'same-origin', cache: 'no-store',
      headers: { Accept: 'application/json' } })
      .then((res) => (res.ok ? res.json() : null))
      .then((who) => { me.textContent = who ? `Signed in as ${who.user}` : ''; },
        () => { me.textContent = ''; });
  }
  showWhoAmI();

  socket.on('user', (data) => {
    numUsers.textContent = data.currentUsers === 1
      ? '1 user online' : `${data.currentUsers} users online`;
    append('system', [text(`${data.name} has ${data.connected ? 'joined' : 'left'} the chat`)]);
  });

  socket.on('chat message', (data) => {
    const name = text(data.name, 'b');
    name.className = 'name';
    append('message', [name, text(data.message)]);
  });

  socket.on('connect', () => {
    status.hidden = true;
    input.disabled = false;
  });

  // A dropped connection that socket.io is retrying (network, a backend
  // restart): say so, with socket.io's reason.
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') {
      showStatus('retrying', [text(`Connection lost (${reason}), reconnecting\u2026`)]);
    }
  });
  socket.on('connect_error', (err) => {
    if (watch.state !== 'refused') {
      showStatus('retrying', [text(`Cannot reach the chat (${err.message}), retrying\u2026`)]);
    }
  });

  // The session is gone (logged out, expired, revoked...): Apache's reason,
  // and a way back. Signing in again in another tab brings this one back.
  watch.on('refused', ({ reason }) => {
    const link = text('Sign in again', 'a');
    link.href = '/login.html';
    link.target = '_blank';
    showStatus('refused', [text(`Signed out: ${reason}. `), link]);
    input.disabled = true;
    me.textContent = '';
  });
  watch.on('resumed', () => {
    showWhoAmI();
    append('system', [text('Signed in again: reconnected')]);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const message = input.value.trim();
    if (message) {
      socket.emit('chat message', message);
    }
    input.value = '';
    input.focus();
  });
}());
