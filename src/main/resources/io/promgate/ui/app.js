// promgate's operator UI: progressive enhancement only; every page works without this file.
// Loaded from this origin (CSP script-src 'self'); no inline script anywhere.
(function () {
  'use strict';

  // /shards: filter the target table as you type (the form still submits ?q= to the server).
  document.querySelectorAll('input[data-filter]').forEach(function (input) {
    var table = document.querySelector(input.getAttribute('data-filter'));
    var count = document.getElementById('filter-count');
    if (!table) {
      return;
    }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    function apply() {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var hit = q === '' || texts[i].indexOf(q) >= 0;
        rows[i].hidden = !hit;
        if (hit) {
          shown++;
        }
      }
      if (count) {
        count.textContent = q === '' ? '' : shown + ' of ' + rows.length + ' shown';
      }
    }
    input.addEventListener('input', apply);
    apply();
  });

  // Ctrl/Cmd+Enter in the debugger's text areas submits the form.
  document.querySelectorAll('form.relabel textarea').forEach(function (ta) {
    ta.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        ta.form.requestSubmit ? ta.form.requestSubmit() : ta.form.submit();
      }
    });
  });

  // Deep links (#why, #result) move keyboard focus there.
  var target = document.getElementById(window.location.hash.slice(1)) || document.getElementById('result');
  if (target && target.hasAttribute('tabindex')) {
    target.focus();
  }
})();
