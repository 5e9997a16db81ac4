/* levelup report: navigation toggle and client-side search. No dependencies, no network:
   the search index is a local script (search-index.js, loaded on first use), so it also works
   from file:// URLs. */
(function () {
  "use strict";
  var docEl = document.documentElement;
  docEl.className += " js";
  var root = docEl.getAttribute("data-root") || "";

  /* ---- narrow screens: show/hide the chapter list ---- */
  var toggle = document.querySelector(".nav-toggle");
  var sidebar = document.getElementById("sidebar");
  if (toggle && sidebar) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = sidebar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* ---- search ---- */
  var box = document.querySelector(".site-search");
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!box || !input || !list) return;
  box.hidden = false;
  var index = null;
  var waiting = [];

  function load(cb) {
    if (index) return cb();
    if (window.LEVELUP_SEARCH) { index = window.LEVELUP_SEARCH; return cb(); }
    waiting.push(cb);
    if (waiting.length > 1) return;
    var s = document.createElement("script");
    s.src = root + "search-index.js";
    s.onload = function () {
      index = window.LEVELUP_SEARCH || [];
      var w = waiting; waiting = [];
      w.forEach(function (f) { f(); });
    };
    document.head.appendChild(s);
  }

  function norm(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function snippet(text, term) {
    var i = norm(text).indexOf(term);
    var start = Math.max(0, i - 60);
    var s = (start > 0 ? "\u2026" : "") + text.substr(start, 180) + (text.length > start + 180 ? "\u2026" : "");
    var e = escapeHtml(s);
    if (i < 0) return e;
    var re = new RegExp("(" + term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ")", "ig");
    return e.replace(re, "<mark>$1</mark>");
  }

  function run() {
    var q = norm(input.value).trim();
    list.innerHTML = "";
    if (q.length < 2) { list.hidden = true; status.textContent = ""; return; }
    var terms = q.split(/\s+/);
    var hits = [];
    index.forEach(function (e) {
      var title = norm(e.c + " " + e.s), text = norm(e.x), score = 0;
      for (var i = 0; i < terms.length; i++) {
        var t = terms[i], inTitle = title.indexOf(t) >= 0, n = text.split(t).length - 1;
        if (!inTitle && n === 0) return;
        score += (inTitle ? 10 : 0) + Math.min(n, 5);
      }
      hits.push({ e: e, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    hits.slice(0, 12).forEach(function (h) {
      var li = document.createElement("li");
      var label = h.e.s ? h.e.c + " \u2014 " + h.e.s : h.e.c;
      li.innerHTML = '<a href="' + escapeHtml(root + h.e.u) + '">' + escapeHtml(label) + "</a>" +
        '<span class="search-context">' + snippet(h.e.x, terms[0]) + "</span>";
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
    status.textContent = hits.length === 0 ? "No results" :
      hits.length + (hits.length === 1 ? " result" : " results");
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(run); }, 120);
  });
  input.addEventListener("focus", function () { load(function () {}); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { input.value = ""; run(); }
  });
  document.addEventListener("click", function (ev) {
    if (!box.contains(ev.target)) list.hidden = true;
  });
})();
