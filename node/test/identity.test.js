'use strict';
// The identity header's format: the same vectors as tests/unit/t_identity.c
// (what mod_socketio_auth writes), decoded back, and what is refused.
const test = require('node:test');
const assert = require('node:assert/strict');
const { decodeIdentity, encodeIdentity } = require('socketio-auth-edge');

const VECTORS = [
  ['alice', 'alice'],
  ["Carol O'Brien", "Carol O'Brien"],
  ['a%2B+b', 'a%2B+b'],
  ['utf-8', 'utf-8'],
  ["x UTF-8''y", "x UTF-8''y"],
  ['josé', "UTF-8''jos%C3%A9"],
  ['名前', "UTF-8''%E5%90%8D%E5%89%8D"],
  ['René 100% +1', "UTF-8''Ren%C3%A9%20100%25%20+1"],
  [' alice', "UTF-8''%20alice"],
  ['alice ', "UTF-8''alice%20"],
  ["UTF-8''alice", "UTF-8''UTF-8%27%27alice"],
  ["utf-8'en'x", "UTF-8''utf-8%27en%27x"],
  ['a!#$&+-.^_`|~z', 'a!#$&+-.^_`|~z'],
  ['é!#$&+-.^_`|~:;"\'()*,/<=>?@[\\]{}',
    "UTF-8''%C3%A9!#$&+-.^_`|~%3A%3B%22%27%28%29%2A%2C%2F%3C%3D%3E%3F%40%5B%5C%5D%7B%7D"],
  ['😀', "UTF-8''%F0%9F%98%80"],
];

test('encodes as core/identity_header.c does, and decodes back', () => {
  for (const [name, value] of VECTORS) {
    assert.equal(encodeIdentity(name), value, `encode ${JSON.stringify(name)}`);
    assert.equal(decodeIdentity(value), name, `decode ${value}`);
  }
});

test('no header, or an empty one, is no user', () => {
  assert.equal(decodeIdentity(undefined), null);
  assert.equal(decodeIdentity(null), null);
  assert.equal(decodeIdentity(''), null);
});

test('refuses what the module never writes', () => {
  const bad = [
    ['josÃ©', 'raw UTF-8 read as Latin-1 (a module that does not encode)'],
    ['a\tb', 'a control character'],
    [' alice', 'a space at an end'],
    ["UTF-8''jos%c3%a9", 'lower-case hex'],
    ["UTF-8''jos%C3", 'not UTF-8 (a lone lead byte)'],
    ["UTF-8''%C0%AE", 'overlong UTF-8'],
    ["UTF-8''%ED%A0%80", 'a UTF-16 surrogate'],
    ["UTF-8''a%2", 'a cut escape'],
    ["UTF-8''a b", 'a space unescaped'],
    ["UTF-8''a%00b", 'NUL'],
    ["UTF-8''a%0Ab", 'LF'],
    ["UTF-8''", 'an empty name'],
    ["utf-8''alice", 'the flag in lower case'],
    ["UTF-8'en'alice", 'a language field'],
    [['alice', 'bob'], 'two values'],
  ];
  for (const [value, why] of bad) {
    assert.throws(() => decodeIdentity(value), TypeError, why);
  }
});

test('round trip of every code point class and of random names', () => {
  const samples = ['\u00a0', '\u00ff', '\u0100', '\u07ff', '\u0800', '\uffef', '\u{10000}', '\u{10ffff}',
    '%', '+', '%25', "'", ' x ', 'utf-8'];
  for (let i = 0; i < 2000; i++) {
    let name = '';
    const len = 1 + (i % 12);
    for (let k = 0; k < len; k++) {
      const r = (i * 7919 + k * 104729) % 100;
      name += r < 50 ? String.fromCharCode(0x20 + ((i + k * 31) % 95))
        : samples[(i + k) % samples.length];
    }
    if (/[\x00-\x1f\x7f]/.test(name)) {
      continue;
    }
    assert.equal(decodeIdentity(encodeIdentity(name)), name, JSON.stringify(name));
  }
});
