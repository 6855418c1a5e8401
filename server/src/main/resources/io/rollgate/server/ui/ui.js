// Rollgate dashboard. A page that goes into the back/forward cache would keep its event stream open, and
// browsers allow only six connections per server over HTTP/1.1: after a few pages the next one waits.
// So on pagehide the stream is closed (the SSE extension closes its EventSource on htmx's cleanup event),
// and a page restored from the cache reloads to be live again.
window.addEventListener('pagehide', function () {
  document.querySelectorAll('[sse-connect]').forEach(function (el) { htmx.trigger(el, 'htmx:beforeCleanupElement'); });
});
window.addEventListener('pageshow', function (e) {
  if (e.persisted) { window.location.reload(); }
});

// A live update re-renders #live. It must not wipe a reason someone is typing, nor a dry-run preview they are
// reading: while a field in #live has focus or differs from what the server rendered, or a preview holds the page
// (data-hold-live), the update is deferred (its request cancelled) and a note says the page has changed. Once the
// fields are clean and unfocused again, the deferred update is applied (the rollgate-refresh trigger of #live).
(function () {
  function live() { return document.getElementById('live'); }
  function editable(el) {
    return !!el && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && !/^(hidden|submit|button|reset)$/.test(el.type);
  }
  function dirty(el) {
    if (el.tagName === 'SELECT') {
      var def = 0;
      for (var i = 0; i < el.options.length; i++) { if (el.options[i].defaultSelected) { def = i; break; } }
      return el.selectedIndex !== def;
    }
    if (el.type === 'checkbox' || el.type === 'radio') { return el.checked !== el.defaultChecked; }
    return el.value !== el.defaultValue;
  }
  function busy(root) {
    if (root.querySelector('[data-hold-live]')) { return true; }
    var active = document.activeElement;
    if (editable(active) && root.contains(active)) { return true; }
    return Array.prototype.some.call(root.querySelectorAll('input, textarea, select'), function (el) {
      return editable(el) && dirty(el);
    });
  }
  function note(show) {
    var n = document.getElementById('live-stale');
    if (n) { n.hidden = !show; }
  }
  document.addEventListener('htmx:beforeRequest', function (e) {
    var root = live();
    if (!root || e.detail.elt !== root || !busy(root)) { return; }
    e.preventDefault();
    root.setAttribute('data-stale', 'true');
    note(true);
  });
  function retry() {
    var root = live();
    if (!root || root.getAttribute('data-stale') !== 'true' || busy(root)) { return; }
    root.removeAttribute('data-stale');
    note(false);
    htmx.trigger(root, 'rollgate-refresh');
  }
  document.addEventListener('focusout', function () { setTimeout(retry, 0); });
  document.addEventListener('input', retry);
  document.addEventListener('change', retry);
})();
