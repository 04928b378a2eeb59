// Progressive enhancement of the portal (every page works without it): copy buttons
// for long identifiers, "Back" links that go back in history, and the publish settings
// page reloading itself once a download has started, to show what was created.
'use strict';
(function () {
  function copyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll('[data-copy]').forEach(function (el) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'copy';
      b.textContent = 'Copy';
      b.setAttribute('aria-label', 'Copy ' + el.getAttribute('data-copy'));
      b.addEventListener('click', function () {
        navigator.clipboard.writeText(el.getAttribute('data-copy')).then(function () {
          b.textContent = 'Copied';
          setTimeout(function () { b.textContent = 'Copy'; }, 2000);
        });
      });
      el.appendChild(b);
    });
  }
  function backLinks() {
    document.querySelectorAll('a[data-back]').forEach(function (a) {
      a.addEventListener('click', function (e) {
        if (window.history.length > 1) {
          e.preventDefault();
          window.history.back();
        }
      });
    });
  }
  function issued() {
    var m = document.cookie.match(/(?:^|; )__Host-azmc_issued=([^;]*)/);
    return m ? m[1] : '';
  }
  function publishReload() {
    var form = document.querySelector('form[data-issues]');
    if (!form) return;
    form.addEventListener('submit', function () {
      var before = issued();
      var tries = 0;
      var timer = setInterval(function () {
        tries += 1;
        if (issued() !== before) {
          clearInterval(timer);
          setTimeout(function () { window.location.assign('/publishsettings?issued=1'); }, 1000);
        } else if (tries > 120) {
          clearInterval(timer);
        }
      }, 500);
    });
  }
  copyButtons();
  backLinks();
  publishReload();
})();
