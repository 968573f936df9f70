"use strict";
// Served by `cardgen serve` only (the static index.html has no server to save to):
// approve or reject each card, edit its caption with a live count (counted by the
// server, the CLI's way), and download zips per platform or per quote. Every change
// is one small POST that the server merges card by card into OUT/review.json.
(function () {
  var base = document.currentScript.src.replace(/review\.js(\?.*)?$/, "");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card[data-sha]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.quote"));
  var filters = document.querySelector(".filters");
  if (!cards.length || !filters) return;
  var state = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var live = el("p", {id: "review-status", role: "status", "aria-live": "polite", class: "review-status"});
  var tally = el("output", {id: "review-tally", class: "review-tally"}, "");
  var downloads = el("details", {class: "downloads"});
  downloads.appendChild(el("summary", {}, "Download zips"));
  var list = el("ul");
  Array.prototype.forEach.call(document.querySelectorAll("#filter-platform option"), function (o) {
    if (!o.value) return;
    var li = el("li");
    var a = el("a", {href: base + "zip?platform=" + encodeURIComponent(o.value), download: ""},
      o.textContent + " (zip)");
    li.appendChild(a);
    list.appendChild(li);
  });
  downloads.appendChild(list);
  filters.appendChild(tally);
  filters.appendChild(downloads);
  filters.parentNode.appendChild(live);

  sections.forEach(function (section) {
    var first = section.querySelector(".card[data-sha]");
    var body = section.querySelector(".quote-body");
    if (!first || !body) return;
    var link = el("a", {
      class: "quote-zip",
      href: base + "zip?quote=" + encodeURIComponent(first.dataset.sha),
      download: ""
    }, "Download this quote's cards (zip)");
    body.insertBefore(link, body.querySelector(".cards"));
  });

  function say(text) { live.textContent = text; }

  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
      cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error(data.error || ("the server answered " + r.status));
        return data;
      });
    });
  }

  function showTally(summary) {
    if (!summary) return;
    var text = summary.approved + " approved, " + summary.rejected + " rejected of " +
      summary.cards + " cards";
    if (summary.gone) text += " (" + summary.gone + " decisions for cards no longer here)";
    tally.textContent = text;
  }

  function paint(card) {
    var info = state[card.dataset.sha] || {};
    var approve = card.querySelector("button.approve");
    var reject = card.querySelector("button.reject");
    approve.setAttribute("aria-pressed", String(info.status === "approved"));
    reject.setAttribute("aria-pressed", String(info.status === "rejected"));
    card.dataset.status = info.status || "";
    if (info.caption !== undefined) {
      var text = card.querySelector("p.text.caption");
      if (text) text.textContent = info.caption;
      var badge = card.querySelector(".snippet .count");
      if (badge) showCount(badge, info);
    }
  }

  function showCount(badge, info) {
    badge.className = "count count-" + info.state;
    badge.textContent = info.count.toLocaleString("en") +
      (info.limit === null ? "" : " / " + info.limit.toLocaleString("en"));
    var hidden = el("span", {class: "visually-hidden"}, " characters" +
      (info.state === "near" ? ", near the limit" : info.state === "over" ? ", over the limit" : ""));
    badge.appendChild(hidden);
  }

  function decide(card, changes) {
    var sha = card.dataset.sha;
    return post("decision", Object.assign({sha256: sha}, changes)).then(function (data) {
      state[sha] = data;
      paint(card);
      showTally(data.summary);
      var name = card.querySelector("h3").textContent;
      say(name + ": " + (changes.caption !== undefined ? "caption saved" :
        data.status ? data.status : "decision cleared"));
      return data;
    }, function (error) { say("Not saved: " + error.message); throw error; });
  }

  cards.forEach(function (card) {
    var article = card.querySelector("article");
    var title = card.querySelector("h3");
    if (!article || !title) return;
    var bar = el("div", {class: "review", role: "group", "aria-label": "Review " + title.textContent});
    var approve = el("button", {type: "button", class: "approve", "aria-pressed": "false",
      "aria-describedby": title.id}, "Approve");
    var reject = el("button", {type: "button", class: "reject", "aria-pressed": "false",
      "aria-describedby": title.id}, "Reject");
    bar.appendChild(approve);
    bar.appendChild(reject);
    article.insertBefore(bar, article.querySelector(".meta").nextSibling);
    var head = card.querySelector(".snippet .snippet-head");
    if (head) {
      var edit = el("button", {type: "button", class: "edit", "aria-describedby": title.id},
        "Edit caption");
      head.appendChild(edit);
    }
  });

  function openEditor(card) {
    if (card.querySelector(".editor")) return;
    var snippet = card.querySelector(".snippet");
    var text = snippet.querySelector("p.text.caption");
    var badge = snippet.querySelector(".count");
    var id = text.id + "-edit";
    var editor = el("div", {class: "editor"});
    var label = el("label", {for: id}, "Caption for " + card.querySelector("h3").textContent);
    var area = el("textarea", {id: id, rows: "6", spellcheck: "true"});
    area.value = text.textContent;
    var counter = el("p", {class: "live-count", "aria-live": "polite", id: id + "-count"});
    area.setAttribute("aria-describedby", counter.id);
    var save = el("button", {type: "button", class: "save"}, "Save caption");
    var cancel = el("button", {type: "button", class: "cancel"}, "Cancel");
    var reset = el("button", {type: "button", class: "reset"}, "Use the rendered caption");
    [label, area, counter, save, cancel, reset].forEach(function (n) { editor.appendChild(n); });
    text.hidden = true;
    snippet.appendChild(editor);
    area.focus();
    var timer = null;
    function recount() {
      post("count", {sha256: card.dataset.sha, text: area.value}).then(function (info) {
        counter.textContent = info.count.toLocaleString("en") +
          (info.limit === null ? " characters" : " of " + info.limit.toLocaleString("en")) +
          (info.state === "over" ? ": over the limit" : info.state === "near" ? ": near the limit" : "");
        counter.className = "live-count count-" + info.state;
        showCount(badge, info);
      }, function (error) { counter.textContent = "Cannot count: " + error.message; });
    }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(recount, 150);
    });
    recount();
    function close() {
      editor.remove();
      text.hidden = false;
      var button = snippet.querySelector("button.edit");
      if (button) button.focus();
    }
    save.addEventListener("click", function () {
      decide(card, {caption: area.value}).then(close, function () {});
    });
    reset.addEventListener("click", function () {
      decide(card, {caption: null}).then(close, function () {});
    });
    cancel.addEventListener("click", function () {
      var info = state[card.dataset.sha];
      if (info) paint(card);
      close();
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) return;
    var card = button.closest(".card[data-sha]");
    if (!card) return;
    var current = (state[card.dataset.sha] || {}).status || null;
    if (button.classList.contains("approve")) {
      decide(card, {status: current === "approved" ? null : "approved"}).catch(function () {});
    } else if (button.classList.contains("reject")) {
      decide(card, {status: current === "rejected" ? null : "rejected"}).catch(function () {});
    } else if (button.classList.contains("edit")) {
      openEditor(card);
    }
  });

  fetch(base + "decisions", {cache: "no-store"})
    .then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.error || String(r.status));
        return data;
      });
    })
    .then(function (data) {
      state = data.cards || {};
      cards.forEach(paint);
      showTally(data.summary);
      document.body.classList.add("reviewing");
    }, function (error) {
      say("Review decisions cannot be loaded: " + error.message);
    });
})();
