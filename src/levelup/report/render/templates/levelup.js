/* levelup report: navigation toggle and client-side search. No dependencies, no network:
   the search index is a local script (search-index.js, loaded on first use), so it also works
   from file:// URLs. */
/* ---- search ranking (also loaded by the tests under node: module.exports) ----
   An entry is one level-2 section: c (chapter), s (section title), x (text). Every query word
   must occur (as a word start, so "health" finds "healthy" and "healthy" finds "health" after
   trimming a plural/adjective ending). Score: words in the chapter or section title count most
   (15 each), then the whole query as a phrase (title 20, text 3 per occurrence up to 3), then
   each word's occurrences in the text (up to 5). Ties keep the reading order of the book. */
var LEVELUP_SEARCH_RANK = (function () {
  "use strict";
  function norm(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  function stem(t) {
    return t.length > 4 ? t.replace(/(ies|y|es|s|ing|ed)$/, "") : t;
  }
  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function count(text, re) { var m = text.match(re); return m ? m.length : 0; }
  function rank(index, query) {
    var q = norm(query).trim().replace(/\s+/g, " ");
    if (q.length < 2) return [];
    var terms = q.split(" ");
    var res = terms.map(function (t) { return new RegExp("\\b" + escapeRe(stem(t)), "g"); });
    var phrase = terms.length > 1 ? new RegExp(escapeRe(q), "g") : null;
    var hits = [];
    index.forEach(function (e, order) {
      var title = norm(e.c + " " + e.s), text = norm(e.x), score = 0;
      for (var i = 0; i < terms.length; i++) {
        var inTitle = count(title, res[i]) > 0, n = count(text, res[i]);
        if (!inTitle && n === 0) return;
        score += (inTitle ? 15 : 0) + Math.min(n, 5);
      }
      if (phrase) score += (count(title, phrase) > 0 ? 20 : 0) + 3 * Math.min(count(text, phrase), 3);
      hits.push({ e: e, score: score, order: order });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return hits;
  }
  return { norm: norm, stem: stem, rank: rank };
})();
if (typeof module !== "undefined" && module.exports) module.exports = LEVELUP_SEARCH_RANK;

if (typeof document !== "undefined") (function () {
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

  /* ---- wide tables and charts on a narrow screen: say that they scroll sideways ---- */
  function markScrollable() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap, .chart-wrap"), function (w) {
      var wide = w.scrollWidth > w.clientWidth + 4;
      w.classList.toggle("is-scrollable", wide);
      if (wide && !w.querySelector(".scroll-hint")) {
        var p = document.createElement("p");
        p.className = "scroll-hint";
        p.textContent = w.classList.contains("chart-wrap") ?
          "Scroll sideways to see the whole chart \u2192" : "Scroll sideways to see every column \u2192";
        w.insertBefore(p, w.firstChild);
      }
    });
  }
  markScrollable();
  window.addEventListener("resize", function () { clearTimeout(markScrollable.t); markScrollable.t = setTimeout(markScrollable, 150); });

  /* ---- area index: filter the list by part of a name or code ---- */
  var areaInput = document.getElementById("area-filter-input");
  if (areaInput) {
    var areaStatus = document.getElementById("area-filter-status");
    var items = document.querySelectorAll(".area-list li");
    areaInput.addEventListener("input", function () {
      var q = areaInput.value.toLowerCase().trim(), shown = 0;
      Array.prototype.forEach.call(items, function (li) {
        var hit = !q || li.getAttribute("data-search").indexOf(q) >= 0;
        li.hidden = !hit;
        if (hit) shown++;
      });
      Array.prototype.forEach.call(document.querySelectorAll(".area-group"), function (g) {
        g.hidden = !g.querySelector(".area-list li:not([hidden])");
      });
      areaStatus.textContent = shown === 1 ? "1 area" : shown + " areas";
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

  var norm = LEVELUP_SEARCH_RANK.norm;

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* the passage around the first occurrence of the phrase (else of the first word that occurs),
     with every query word marked */
  function snippet(text, terms) {
    var t = norm(text), phrase = terms.join(" "), i = t.indexOf(phrase);
    for (var k = 0; i < 0 && k < terms.length; k++) i = t.indexOf(LEVELUP_SEARCH_RANK.stem(terms[k]));
    var start = Math.max(0, i - 60);
    if (start > 0) { var sp = text.indexOf(" ", start); if (sp > 0 && sp < i) start = sp + 1; }
    var s = (start > 0 ? "\u2026" : "") + text.substr(start, 200) + (text.length > start + 200 ? "\u2026" : "");
    var e = escapeHtml(s);
    var alts = terms.map(function (x) { return LEVELUP_SEARCH_RANK.stem(x).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    return e.replace(new RegExp("\\b(" + alts.join("|") + ")", "ig"), "<mark>$1</mark>");
  }

  var SHOWN = 12;
  function run() {
    var q = norm(input.value).trim();
    list.innerHTML = "";
    if (q.length < 2) { list.hidden = true; status.textContent = ""; return; }
    var terms = q.split(/\s+/);
    var hits = LEVELUP_SEARCH_RANK.rank(index, q);
    hits.slice(0, SHOWN).forEach(function (h) {
      var li = document.createElement("li");
      var label = h.e.s ? h.e.c + " \u2014 " + h.e.s : h.e.c;
      li.innerHTML = '<a href="' + escapeHtml(root + h.e.u) + '">' + escapeHtml(label) + "</a>" +
        '<span class="search-context">' + snippet(h.e.x, terms) + "</span>";
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
    status.textContent = hits.length === 0 ? "No results" :
      hits.length === 1 ? "1 section found" :
      hits.length > SHOWN ? hits.length + " sections found; the best " + SHOWN + " are shown" :
      hits.length + " sections found";
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
