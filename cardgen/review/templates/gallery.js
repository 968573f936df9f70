"use strict";
(function () {
  var main = document.getElementById("cards");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var sections = Array.prototype.slice.call(document.querySelectorAll(".quote"));
  var jumps = Array.prototype.slice.call(document.querySelectorAll(".jump li"));
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var search = document.getElementById("filter-text");
  var foldAll = document.querySelector(".fold-all");
  var shown = document.getElementById("shown");
  var noneShown = document.querySelector(".none-shown");
  var status = document.getElementById("copied");
  var FILTER_KEYS = ["q", "platform", "layout"];

  function decode(text) {
    // A malformed escape (`#platform=%`) is taken literally instead of throwing.
    try { return decodeURIComponent(text.replace(/\+/g, " ")); } catch (e) { return text; }
  }

  // Filters live in the address (#platform=x&layout=bold&q=word) so a view can be shared;
  // a plain anchor (#q3, from the jump list) leaves them alone.
  function readHash() {
    var hash = location.hash.replace(/^#/, "");
    if (hash && hash.indexOf("=") < 0) return false;
    var wanted = {};
    hash.split("&").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at < 1) return;
      var key = decode(pair.slice(0, at));
      if (FILTER_KEYS.indexOf(key) >= 0) wanted[key] = decode(pair.slice(at + 1));
    });
    selects.forEach(function (select) {
      var value = wanted[select.dataset.filter] || "";
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      select.value = known ? value : "";
    });
    if (search) search.value = wanted.q || "";
    return true;
  }

  function writeHash() {
    var pairs = [];
    if (search && search.value.trim()) pairs.push("q=" + encodeURIComponent(search.value.trim()));
    selects.forEach(function (s) {
      if (s.value) pairs.push(encodeURIComponent(s.dataset.filter) + "=" + encodeURIComponent(s.value));
    });
    var bare = location.pathname + location.search;
    history.replaceState(null, "", pairs.length ? bare + "#" + pairs.join("&") : bare);
  }

  function words() {
    return search ? search.value.normalize("NFC").toLocaleLowerCase().split(/\s+/).filter(Boolean) : [];
  }

  function applyFilters() {
    var visible = 0;
    var terms = words();
    var platform = "";
    selects.forEach(function (s) { if (s.dataset.filter === "platform") platform = s.value; });
    sections.forEach(function (section, n) {
      var haystack = section.dataset.search || "";
      var found = terms.every(function (t) { return haystack.indexOf(t) >= 0; });
      var any = false;
      Array.prototype.forEach.call(section.querySelectorAll(".card"), function (card) {
        var match = found && selects.every(function (s) {
          return !s.value || card.dataset[s.dataset.filter] === s.value;
        });
        card.hidden = !match;
        if (match) { visible += 1; any = true; }
      });
      section.hidden = !any;
      if (jumps[n]) jumps[n].hidden = !any;
    });
    // One platform: its cards flow across quotes in one grid, each naming its quote.
    if (main) main.classList.toggle("flat", Boolean(platform));
    if (noneShown) noneShown.hidden = visible > 0 || cards.length === 0;
    if (shown) {
      shown.textContent = visible === cards.length
        ? "Showing all " + cards.length + " cards"
        : "Showing " + visible + " of " + cards.length + " cards";
    }
  }

  function onFilter() { writeHash(); applyFilters(); }
  selects.forEach(function (select) { select.addEventListener("change", onFilter); });
  if (search) search.addEventListener("input", onFilter);
  window.addEventListener("hashchange", function () { if (readHash()) applyFilters(); });

  // Groups fold; the jump list scrolls to a quote without touching the filters.
  function fold(section, open) {
    var button = section.querySelector("button.fold");
    var body = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
  }

  function syncFoldAll() {
    if (!foldAll) return;
    var allClosed = sections.every(function (s) {
      return s.querySelector("button.fold").getAttribute("aria-expanded") === "false";
    });
    foldAll.textContent = allClosed ? "Expand all quotes" : "Collapse all quotes";
    foldAll.setAttribute("aria-pressed", String(allClosed));
  }

  if (foldAll) {
    foldAll.addEventListener("click", function () {
      var close = foldAll.getAttribute("aria-pressed") !== "true";
      sections.forEach(function (s) { fold(s, !close); });
      syncFoldAll();
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var toggle = target.closest("button.fold");
    if (toggle) {
      fold(toggle.closest(".quote"), toggle.getAttribute("aria-expanded") !== "true");
      syncFoldAll();
      return;
    }
    var jump = target.closest(".jump a");
    if (jump) {
      var section = document.getElementById(jump.getAttribute("href").slice(1));
      if (!section) return;
      event.preventDefault();
      fold(section, true);
      syncFoldAll();
      section.scrollIntoView({block: "start"});
      var button = section.querySelector("button.fold");
      if (button) button.focus({preventScroll: true});
      return;
    }
    var copyButton = target.closest("button.copy");
    if (copyButton) copyFrom(copyButton);
  });

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function copyFrom(button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    copy(source.textContent).then(function () {
      button.textContent = "Copied";
      button.classList.add("done");
      status.textContent = label.replace(/^Copy /, "") + " copied to the clipboard";
    }, function () {
      button.textContent = "Copy failed: select the text";
      status.textContent = "Could not copy; select the text and copy it by hand";
    });
    window.setTimeout(function () {
      button.textContent = label;
      button.classList.remove("done");
    }, 2000);
  }

  readHash();
  applyFilters();
})();
