'use strict';
if (new URLSearchParams(window.location.search).get('error')) {
  document.getElementById('login-error').hidden = false;
}
