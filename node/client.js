/*
 * socketio-auth-edge/client: what a Socket.IO client behind
 * mod_socketio_auth needs to know about its session.
 *
 * Apache refuses a handshake without a valid session at the HTTP level
 * (401 {"message": reason}), before the app: socket.io-client then sees a
 * transport error ("xhr poll error", "websocket error") and keeps
 * reconnecting for ever.  watchSession turns that into one "refused" event
 * with the reason, stops reconnecting while the session is gone, and
 * resumes (one "resumed" event) once the user has signed in again.
 *
 *   const watch = SocketioAuthEdge.watchSession(io(), { whoamiURL: '/whoami' });
 *   watch.on('refused', ({ reason }) => showSignInLink(reason));
 *   watch.on('resumed', hideSignInLink);
 *
 * The reason comes from the refused response where the transport shows it
 * (HTTP long-polling); a browser WebSocket shows no status at all, so then
 * the helper asks whoamiURL (SetHandler session-store-whoami: 200
 * {"user":..} or 401 {"message":..}).  Without that handler (404) it
 * cannot tell a refusal from a backend that is down and reports a generic
 * reason.
 *
 * A plain script (window.SocketioAuthEdge) or a CommonJS module; no
 * dependencies.
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) {
    module.exports = factory();
  } else {
    root.SocketioAuthEdge = factory();
  }
}(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  var GENERIC_REASON = 'The server refused the connection';
  var DEFAULT_REASONS = { 401: 'Not authenticated', 403: 'Not authorized' };
  var MAX_REASON = 200;

  function isRefusalStatus(status) {
    return status === 401 || status === 403;
  }

  // The HTTP status of a transport error or of disconnect details:
  // engine.io-client's polling transport gives it as the description;
  // Node's "ws" says it only in its message.
  function statusOf(e) {
    var d = e && e.description;
    var m;
    if (typeof d === 'number') {
      return d;
    }
    if (d && typeof d.message === 'string') {
      m = /Unexpected server response: (\d{3})/.exec(d.message);
      if (m) {
        return Number(m[1]);
      }
    }
    return undefined;
  }

  function cleanReason(value) {
    if (typeof value !== 'string') {
      return undefined;
    }
    value = value.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
    return value ? value.slice(0, MAX_REASON) : undefined;
  }

  function messageOfJSON(text) {
    try {
      var body = JSON.parse(text);
      return body && typeof body === 'object' ? cleanReason(body.message) : undefined;
    } catch (err) {
      return undefined;
    }
  }

  // The {"message"} of a refused poll (an XMLHttpRequest as context).
  function reasonOfResponse(e) {
    var xhr = e && e.context;
    var text;
    try {
      text = xhr && xhr.responseText;
    } catch (err) {
      text = undefined;
    }
    return typeof text === 'string' ? messageOfJSON(text) : undefined;
  }

  function watchSession(socket, options) {
    if (!socket || typeof socket.on !== 'function' || typeof socket.connect !== 'function') {
      throw new TypeError('watchSession(socket): pass a socket.io-client Socket');
    }
    var opts = options || {};
    var whoamiURL = opts.whoamiURL === undefined ? '/whoami' : opts.whoamiURL;
    var fetchFn = opts.fetch || (typeof fetch === 'function'
      ? function (url, init) { return fetch(url, init); } : null);
    var recheckInterval = opts.recheckInterval === undefined ? 60000 : opts.recheckInterval;
    var channelName = opts.channel === undefined ? 'socketio-auth-edge' : opts.channel;
    var listeners = { refused: [], resumed: [] };
    var state = socket.connected ? 'connected' : 'connecting';
    var stopped = false;
    var checking = false;
    var timer = null;
    var channel = null;
    var win = typeof window !== 'undefined' ? window : null;

    function emit(event, arg) {
      listeners[event].slice().forEach(function (fn) {
        fn(arg);
      });
    }

    // GET whoamiURL: { alive }, { gone, status, reason }, or { unknown }
    // (no handler there, another answer, or no answer at all).
    function checkSession() {
      if (!whoamiURL || !fetchFn) {
        return Promise.resolve({ unknown: true });
      }
      return fetchFn(whoamiURL, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      }).then(function (res) {
        if (res.ok) {
          return { alive: true };
        }
        if (isRefusalStatus(res.status)) {
          return res.text().then(function (text) {
            return { gone: true, status: res.status, reason: messageOfJSON(text) };
          }, function () {
            return { gone: true, status: res.status };
          });
        }
        return { unknown: true };
      }, function () {
        return { unreachable: true };
      });
    }

    function stopReconnecting() {
      // Socket.disconnect() also stops the Manager's reconnection once no
      // other socket of it is active.
      if (socket.active) {
        socket.disconnect();
      }
    }

    function startRechecks() {
      if (recheckInterval > 0 && !timer) {
        timer = setInterval(recheck, recheckInterval);
        if (timer && typeof timer.unref === 'function') {
          timer.unref();
        }
      }
    }

    function stopRechecks() {
      if (timer) {
        clearInterval(timer);
        timer = null;
      }
    }

    function refuse(reason, status, source) {
      var quiet = state === 'refused' || state === 'resuming';
      stopReconnecting();
      if (stopped) {
        return;
      }
      state = 'refused';
      startRechecks();
      if (!quiet) {
        emit('refused', {
          reason: reason || DEFAULT_REASONS[status] || GENERIC_REASON,
          status: status,
          source: source,
        });
      }
    }

    // A refusal with a status but no reason (a WebSocket in Node): the
    // session handler may know why.
    function refuseWithStatus(reason, status, source) {
      if (reason) {
        refuse(reason, status, source);
        return;
      }
      stopReconnecting();
      checkSession().then(function (c) {
        refuse(c.gone ? c.reason : undefined, status, source);
      });
    }

    function onConnectError(err) {
      var status;
      if (stopped) {
        return;
      }
      if (!socket.active) {
        // The app's own middleware refused (next(new Error(...))):
        // socket.io-client does not retry these.
        refuse(cleanReason(err && err.message), undefined, 'server');
        return;
      }
      status = statusOf(err);
      if (isRefusalStatus(status)) {
        refuseWithStatus(reasonOfResponse(err), status, 'handshake');
        return;
      }
      if (status !== undefined) {
        return;         // 502, 503: the backend or the store; retrying is right
      }
      checkSession().then(function (c) {
        if (stopped || state === 'connected') {
          return;
        }
        if (c.gone) {
          refuse(c.reason, c.status, 'handshake');
        } else if (c.unknown) {
          refuse(undefined, undefined, 'handshake');
        }
        // alive, or unreachable: a network or backend problem; retry.
      });
    }

    function onDisconnect(reason, details) {
      var status, close;
      if (stopped || reason === 'io client disconnect') {
        return;
      }
      status = statusOf(details);
      close = details && details.context;
      if (isRefusalStatus(status)) {
        // A poll of an open socket refused: the session ended.
        refuseWithStatus(reasonOfResponse(details), status, 'closed');
      } else if (close && close.code === 1008) {
        // A WebSocket closed by Apache for policy (its session ended).
        refuse(cleanReason(close.reason), undefined, 'closed');
      } else if (state === 'connected') {
        state = 'connecting';
      }
    }

    function onConnect() {
      var was = state;
      state = 'connected';
      stopRechecks();
      if (channel) {
        channel.postMessage({ type: 'connected' });
      }
      if (was === 'refused' || was === 'resuming') {
        emit('resumed');
      }
    }

    // While refused: is the session back (a login in this or another
    // tab)?  With no way to ask, try the socket itself.
    function recheck() {
      if (stopped || state !== 'refused' || checking) {
        return;
      }
      checking = true;
      checkSession().then(function (c) {
        checking = false;
        if (!stopped && state === 'refused' && (c.alive || c.unknown)) {
          state = 'resuming';
          socket.connect();
        }
      });
    }

    function onVisible() {
      if (!win || !win.document || win.document.visibilityState !== 'hidden') {
        recheck();
      }
    }

    function onChannel(event) {
      if (event && event.data && event.data.type === 'connected') {
        recheck();
      }
    }

    // [target, event, listener]: the socket's (on/off) and the page's.
    var bindings = [[socket, 'connect', onConnect], [socket, 'connect_error', onConnectError],
      [socket, 'disconnect', onDisconnect]];
    if (win && typeof win.addEventListener === 'function') {
      bindings.push([win, 'focus', recheck], [win, 'online', recheck]);
      if (win.document) {
        bindings.push([win.document, 'visibilitychange', onVisible]);
      }
    }

    function bind(on) {
      bindings.forEach(function (b) {
        if (b[0] === socket) {
          socket[on ? 'on' : 'off'](b[1], b[2]);
        } else {
          b[0][on ? 'addEventListener' : 'removeEventListener'](b[1], b[2]);
        }
      });
    }

    bind(true);
    if (channelName && typeof BroadcastChannel === 'function') {
      channel = new BroadcastChannel(channelName);
      channel.onmessage = onChannel;
      if (typeof channel.unref === 'function') {
        channel.unref();
      }
    }

    return {
      get state() {
        return state;
      },
      on: function (event, fn) {
        if (!listeners[event]) {
          throw new TypeError('watchSession: no event "' + event + '" (refused, resumed)');
        }
        listeners[event].push(fn);
        return this;
      },
      off: function (event, fn) {
        if (listeners[event]) {
          listeners[event] = listeners[event].filter(function (f) { return f !== fn; });
        }
        return this;
      },
      // After an in-page login: check now instead of at the next trigger.
      resume: function () {
        recheck();
      },
      stop: function () {
        stopped = true;
        stopRechecks();
        bind(false);
        if (channel) {
          channel.close();
          channel = null;
        }
      },
    };
  }

  return { watchSession: watchSession, statusOf: statusOf };
}));
