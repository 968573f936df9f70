"use strict";
// Served by `cardgen serve` only: reload the page when a render has finished.
// The page compares against the version stamped on its own script tag when it was
// served, so a reload that lands between two writes of one render still reloads once
// more. When the server stops answering, polls back off (1 s, 2 s, 4 s ... 30 s) and
// stop after about two minutes, saying so on the page.
(function () {
  var script = document.currentScript;
  var seen = script.dataset.version;
  var url = script.src.replace(/reload\.js(\?.*)?$/, "version");
  var QUICK = 1000, SLOWEST = 30000, GIVE_UP_AFTER = 8;
  var failures = 0;

  function say(text) {
    var note = document.getElementById("cardgen-offline");
    if (!note) {
      note = document.createElement("p");
      note.id = "cardgen-offline";
      note.setAttribute("role", "status");
      note.className = "offline";
      document.body.insertBefore(note, document.body.firstChild);
    }
    note.textContent = text;
  }

  function next() {
    if (failures === 0) return QUICK;
    return Math.min(SLOWEST, QUICK * Math.pow(2, failures));
  }

  function poll() {
    fetch(url, {cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (body) {
        if (failures > 0) {
          var note = document.getElementById("cardgen-offline");
          if (note) note.remove();
        }
        failures = 0;
        if (body && body.version !== seen) { location.reload(); }
      })
      .catch(function () {
        failures += 1;
        if (failures === 2) say("The review server is not answering; retrying.");
      })
      .then(function () {
        if (failures >= GIVE_UP_AFTER) {
          say("The review server has stopped. Run `cardgen serve` again, then reload this page.");
          return;
        }
        window.setTimeout(poll, next());
      });
  }
  window.setTimeout(poll, QUICK);
})();
