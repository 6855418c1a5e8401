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
