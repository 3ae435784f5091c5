'use strict';
// No user name is sent from here: the server takes it from the header
// that Apache set on the handshake, so a page cannot claim to be anyone.
(function () {
  const socket = io();
  const messages = document.getElementById('messages');
  const numUsers = document.getElementById('num-users');
  const status = document.getElementById('status');
  const form = document.getElementById('send-form');
  const input = document.getElementById('m');

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
  });

  // A refused handshake (session ended, e.g. logged out in another tab)
  // and a backend that is down look the same to socket.io-client; ask
  // Apache which one it is before sending the user to the login page.
  socket.on('connect_error', () => {
    status.textContent = 'Connection lost, retrying\u2026';
    status.hidden = false;
    fetch('/chat.html', { method: 'HEAD', cache: 'no-store' })
      .then((res) => {
        if (res.status === 401) {
          window.location.assign('/login.html');
        }
      })
      .catch(() => {});
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
