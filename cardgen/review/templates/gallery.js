"use strict";
(function () {
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var sections = Array.prototype.slice.call(document.querySelectorAll(".quote"));
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var shown = document.getElementById("shown");
  var noneShown = document.querySelector(".none-shown");
  var status = document.getElementById("copied");

  // Filters live in the address (#platform=x&layout=bold) so a filtered view can be shared.
  function readHash() {
    var wanted = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2) wanted[decodeURIComponent(parts[0])] = decodeURIComponent(parts[1]);
    });
    selects.forEach(function (select) {
      var value = wanted[select.dataset.filter] || "";
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      select.value = known ? value : "";
    });
  }

  function writeHash() {
    var pairs = selects.filter(function (s) { return s.value; }).map(function (s) {
      return encodeURIComponent(s.dataset.filter) + "=" + encodeURIComponent(s.value);
    });
    var bare = location.pathname + location.search;
    history.replaceState(null, "", pairs.length ? bare + "#" + pairs.join("&") : bare);
  }

  function applyFilters() {
    var visible = 0;
    cards.forEach(function (card) {
      var match = selects.every(function (s) {
        return !s.value || card.dataset[s.dataset.filter] === s.value;
      });
      card.hidden = !match;
      if (match) visible += 1;
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector(".card:not([hidden])");
    });
    if (noneShown) noneShown.hidden = visible > 0 || cards.length === 0;
    if (shown) {
      shown.textContent = visible === cards.length
        ? "Showing all " + cards.length + " cards"
        : "Showing " + visible + " of " + cards.length + " cards";
    }
  }

  selects.forEach(function (select) {
    select.addEventListener("change", function () { writeHash(); applyFilters(); });
  });
  window.addEventListener("hashchange", function () { readHash(); applyFilters(); });

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

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) return;
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
  });

  readHash();
  applyFilters();
})();
